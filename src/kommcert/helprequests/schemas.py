"""Input and output of help requests. Amounts are Decimal (strings in JSON), never float."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, Field

from kommcert.helprequests.models import HelpMode, HelpState, Urgency
from kommcert.providers.models import Skill
from kommcert.validation import Id


class HelpRequestIn(BaseModel):
    """What a municipality asks for. ``skills`` (at least one), ``estimate`` (> 0) and the cost
    acceptance are checked by the service with a German message."""

    skills: list[Skill] = Field(default_factory=list, max_length=len(Skill))
    urgency: Urgency = Urgency.high
    mode: HelpMode = HelpMode.on_site
    description: str = Field("", max_length=5000)
    # In the unit of the contingent that pays (hours or euros).
    estimate: Decimal = Field(allow_inf_nan=False)
    cost_accepted: bool = False


class ReasonIn(BaseModel):
    reason: str = Field("", max_length=2000)


class AssignIn(BaseModel):
    assignee_org_id: Id


class TeamMemberIn(BaseModel):
    """A person of the provider's registry (``person_id``) or, for someone not in it, a ``name``;
    ``role`` is a role of the contract's rate card."""

    person_id: Id | None = None
    name: str = Field("", max_length=200)
    role: str = Field(max_length=100)


class AcceptIn(BaseModel):
    team: list[TeamMemberIn] = Field(default_factory=list, max_length=50)
    planned_arrival_at: AwareDatetime | None = None


class DeployIn(BaseModel):
    arrived_at: AwareDatetime | None = None  # default: now


class HelpRequestRead(BaseModel):
    id: int
    incident_id: int
    org_id: int
    org_name: str
    state: HelpState
    skills: list[Skill]
    urgency: Urgency
    mode: HelpMode
    description: str
    estimate: Decimal
    unit: str | None  # hours or euros, of the contingent that pays (None for a provider)
    requested_by_id: int | None
    requested_at: datetime
    cost_accepted_by_id: int | None
    cost_accepted_at: datetime | None
    # The contingent's numbers: never shown to the provider or the MIRT.
    contingent_id: int | None
    reserved: Decimal | None
    approved_at: datetime | None
    assignee_org_id: int | None
    assignee_name: str | None
    contract_id: int | None
    assigned_at: datetime | None
    accepted_at: datetime | None
    planned_arrival_at: datetime | None
    decision_note: str
    deployment_id: int | None
    actions: list[str]  # what the caller may do now
