"""Input and output shapes of deployments (API and pages share the inputs)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kommcert.deployments.models import DeploymentState, EntryState, HandoverArea, SignoffSide
from kommcert.validation import Id, NonBlank


class MemberIn(BaseModel):
    person_id: Id | None = Field(None, description="A person of the provider's registry.")
    name: str = Field("", max_length=200, description="The name, if the person is not in the registry.")
    role: NonBlank = Field(max_length=100, description="A role of the contract's rate card.")


class MemberTimes(BaseModel):
    arrived_at: AwareDatetime | None = None
    departed_at: AwareDatetime | None = None


class StatusReportIn(BaseModel):
    day: date
    conditions: NonBlank = Field(max_length=20_000, description="Lage")
    actions: NonBlank = Field(max_length=20_000, description="Maßnahmen")
    needs: str = Field("", max_length=20_000, description="Bedarf")


class DepartIn(BaseModel):
    departed_at: AwareDatetime | None = None


class HandoverItemIn(BaseModel):
    area: HandoverArea
    text: NonBlank = Field(max_length=2000)


class HandoverItemUpdate(BaseModel):
    done: bool | None = None
    confirmed_by: str | None = Field(None, max_length=200)
    text: str | None = Field(None, max_length=2000)


class TimeEntryIn(BaseModel):
    member_id: Id
    day: date
    role: NonBlank = Field(max_length=100)
    hours: Decimal = Field(max_digits=7, decimal_places=4)
    daily_flat: bool = False
    travel: bool = False
    note: str = Field("", max_length=2000)


class TimeEntryUpdate(BaseModel):
    day: date | None = None
    role: str | None = Field(None, max_length=100)
    hours: Decimal | None = Field(None, max_digits=7, decimal_places=4)
    daily_flat: bool | None = None
    travel: bool | None = None
    note: str | None = Field(None, max_length=2000)


class DisputeIn(BaseModel):
    reason: NonBlank = Field(max_length=2000)


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class MemberRead(_Read):
    id: int
    person_id: int | None
    name: str
    role: str
    arrived_at: datetime | None
    departed_at: datetime | None


class StatusReportRead(_Read):
    id: int
    day: date
    conditions: str
    actions: str
    needs: str
    author_id: int | None
    updated_at: datetime


class EvidenceRead(_Read):
    id: int
    description: str
    location: str
    sha256: str | None
    handed_from: str
    handed_to: str
    handed_at: datetime | None


class HandoverItemRead(_Read):
    id: int
    area: HandoverArea
    position: int
    text: str
    done: bool
    confirmed_by: str


class SignoffRead(_Read):
    side: SignoffSide
    user_id: int | None
    signed_at: datetime


class TimeEntryRead(_Read):
    id: int
    member_id: int
    day: date
    role: str
    hours: Decimal
    daily_flat: bool
    travel: bool
    note: str
    state: EntryState
    dispute_reason: str


class CostLineRead(_Read):
    position: int
    day: date
    member: str
    role: str
    kind: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal


class CostStatementRead(BaseModel):
    deployment_id: int
    org_name: str
    incident_id: int
    provider_name: str
    contract_title: str
    period_from: date | None
    period_until: date | None
    hours_total: Decimal
    total: Decimal
    charged: Decimal
    unit: str | None
    contingent_before: Decimal | None
    contingent_after: Decimal | None
    lines: list[CostLineRead]


class DeploymentRead(_Read):
    id: int
    help_request_id: int
    incident_id: int
    provider_org_id: int
    org_id: int
    contract_id: int | None
    state: DeploymentState
    arrived_at: datetime | None
    departed_at: datetime | None
    created_at: datetime
    closed_at: datetime | None


class DeploymentDetail(DeploymentRead):
    members: list[MemberRead]
    status_reports: list[StatusReportRead]
    evidence: list[EvidenceRead]
    handover_items: list[HandoverItemRead]
    signoffs: list[SignoffRead]
    time_entries: list[TimeEntryRead]
    cost_statement: CostStatementRead | None = None
