"""API shapes of awareness. Counts are bounded here (0 … 100,000) so that no value a column cannot hold reaches
the service; the service still checks capacity, headcount and the event's target groups."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field

from kommcert.awareness.models import Format, TargetGroup
from kommcert.validation import Id

Count = Annotated[int, Field(ge=0, le=100_000)]
Counts = dict[TargetGroup, Count]


class TopicIn(BaseModel):
    title: str = Field(max_length=300)
    format: Format
    target_groups: list[TargetGroup] = Field(min_length=1, max_length=5)
    description: str = Field("", max_length=20_000)
    duration_minutes: int | None = Field(None, ge=1, le=44_640)


class TopicRead(TopicIn):
    id: int
    org_id: int


class EventIn(BaseModel):
    title: str = Field("", max_length=300)
    format: Format
    target_groups: list[TargetGroup] = Field(min_length=1, max_length=5)
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    capacity: int = Field(ge=1, le=10_000)
    place: str = Field("", max_length=300)
    link: str = Field("", max_length=1000)
    description: str = Field("", max_length=20_000)
    topic_id: Id | None = None
    record_names: bool = False


class EventRead(BaseModel):
    id: int
    title: str
    format: str
    target_groups: list[str]
    starts_at: datetime
    ends_at: datetime
    place: str
    link: str
    capacity: int
    registered: int
    organiser_org_id: int
    organiser: str
    record_names: bool
    cancelled: bool


class OrgLineRead(BaseModel):
    org_id: int
    org_name: str
    registered: dict[str, int]
    attended: dict[str, int]


class EventDetail(EventRead):
    attended: int
    lines: list[OrgLineRead]
    may_manage: bool


class RegistrationIn(BaseModel):
    counts: Counts


class AttendanceIn(BaseModel):
    org_id: Id
    counts: Counts
    names: dict[TargetGroup, Annotated[str, Field(max_length=20_000)]] = Field(default_factory=dict)


class HeadcountIn(BaseModel):
    counts: dict[TargetGroup, Count | None]


class OrgCoverageRead(BaseModel):
    org_id: int
    name: str
    kreis: str
    status: str
    headcount: dict[str, int]
    trained: dict[str, int]
    share: int | None
    last_training: datetime | None


class AreaCoverageRead(BaseModel):
    area_id: int | None
    name: str
    organisations: int
    with_headcount: int
    overdue: int
    headcount: int
    trained: int
    share: int | None


class CoverageRead(BaseModel):
    since: datetime
    threshold: int
    organisations: list[OrgCoverageRead]
    kreise: list[AreaCoverageRead]
    land: AreaCoverageRead | None


class ReadinessIn(BaseModel):
    card_posted_on: date | None = None
    contacts_reviewed_on: date | None = None
    wiba_done: int = Field(0, ge=0, le=19)
    restore_test_on: date | None = None
    exercise_on: date | None = None


class ReadinessRead(ReadinessIn):
    org_id: int
    name: str
    kreis: str
    checks: dict[str, bool]


class PhishingGroupRead(BaseModel):
    label: str
    merged: bool
    recipients: int
    sent: int
    opened: int
    clicked: int
    submitted: int
    reported: int


class CampaignRead(BaseModel):
    id: int
    org_id: int
    org_name: str
    name: str
    source: str
    sent_on: date | None
    recipients: int
    sent: int
    opened: int
    clicked: int
    submitted: int
    reported: int
    merged_groups: int
    groups: list[PhishingGroupRead]
