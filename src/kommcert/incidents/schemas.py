from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kommcert.incidents.models import Category, ObservableType, ParticipantRole, Phase, Severity
from kommcert.sharing.tlp import TLP
from kommcert.validation import Id, NonBlank


class IncidentCreate(BaseModel):
    """A new incident: the questions of the IT-Notfallkarte (``incidents.questions``) and the yes/no
    questions. Without ``on_behalf_of_org_id`` the reporter's own organisation is affected."""

    category: Category
    title: str = Field("", max_length=300, description="Short title; without one it is made from the "
                       "category and the organisation.")
    severity: Severity = Severity.medium
    reporter_name: NonBlank = Field(max_length=200, description="Who reports (name, function).")
    callback_phone: str = Field("", max_length=64, description="A call-back number that works without the "
                                "town hall's telephone system; empty: the organisation's out-of-band number.")
    first_known_at: AwareDatetime | None = Field(None, description="Since when (time of first knowledge); "
                                                 "default: now.")
    answers: dict[str, str] = Field(default_factory=dict, description="Free-text answers by question key: "
                                    "systems, observed (both required), location, actions_taken.")
    ransom_note: bool = False
    data_exfiltrated: bool = False
    citizen_services_down: bool = False
    personal_data_affected: bool = False
    bsig_answer: bool = Field(False, description="The reporter says the organisation is in scope of § 32 BSIG.")
    land_rules_in_scope: bool = False
    tlp: TLP = Field(TLP.amber_strict, description="AMBER+STRICT (default) or AMBER; TLP:RED is refused.")
    on_behalf_of_org_id: Id | None = Field(None, description="CERT hotline only: the affected organisation.")


class PhaseChange(BaseModel):
    phase: Phase
    note: str = Field("", max_length=20_000)
    cause: Literal["", "phishing", "human_error", "technical", "other"] = Field(
        "", description="Only when closing: the cause (phishing or human_error suggest a training).")


class Classification(BaseModel):
    severity: Severity | None = None
    category: Category | None = None


class Assignment(BaseModel):
    assignee_id: Id | None = Field(None, description="A user of a CERT; null removes the assignment.")


class DuplicateMark(BaseModel):
    duplicate_of_id: Id = Field(description="The incident this one duplicates; it takes over the "
                                "observables and the reporting organisation as a participant.")


class NoteCreate(BaseModel):
    body: NonBlank = Field(max_length=20_000)


class TaskCreate(BaseModel):
    title: NonBlank = Field(max_length=300)
    due_at: AwareDatetime | None = None
    assignee_id: Id | None = None


class TaskUpdate(BaseModel):
    done: bool


class ObservableCreate(BaseModel):
    type: ObservableType
    value: NonBlank = Field(max_length=2048)
    description: str = Field("", max_length=10_000)
    share: bool = Field(False, description="Mark for publication (CERT only).")


class ObservableUpdate(BaseModel):
    share: bool


class EvidenceCreate(BaseModel):
    description: NonBlank = Field(max_length=10_000, description="What it is.")
    location: NonBlank = Field(max_length=500, description="Where it is kept.")
    sha256: str | None = Field(None, max_length=64)
    handed_from: str = Field("", max_length=200)
    handed_to: str = Field("", max_length=200)
    handed_at: AwareDatetime | None = None


class ParticipantCreate(BaseModel):
    org_id: Id
    role: ParticipantRole = ParticipantRole.support


class IncidentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uuid: uuid.UUID
    title: str
    category: Category
    severity: Severity
    phase: Phase
    tlp: TLP
    upward: bool
    owner_org_id: int
    reported_at: datetime
    first_known_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    reporter_name: str
    reporter_id: int | None
    filed_by_id: int | None
    on_behalf: bool
    filed_by_org_id: int | None
    callback_phone: str
    answers: dict[str, Any]
    personal_data_affected: bool
    data_exfiltrated: bool
    citizen_services_down: bool
    ransom_note: bool
    bsig_answer: bool
    land_rules_in_scope: bool
    assignee_id: int | None
    duplicate_of_id: int | None


class IncidentPage(BaseModel):
    items: list[IncidentRead]
    next_before_id: int | None = None


class QueueItemRead(BaseModel):
    incident: IncidentRead
    owner_name: str
    age_seconds: int
    new: bool = Field(description="Not yet triaged (phase reported).")
    unassigned: bool


class ParticipantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    role: ParticipantRole
    added_at: datetime


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    due_at: datetime | None
    assignee_id: int | None
    created_at: datetime
    done_at: datetime | None
    done: bool


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    actor_id: int | None
    actor_org_id: int | None
    created_at: datetime
    body: str
    data: dict[str, Any]


class ObservableRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    type: ObservableType
    value: str
    indicator_type: str | None
    description: str
    share: bool
    org_id: int
    created_at: datetime


class EvidenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    description: str
    location: str
    sha256: str | None
    handed_from: str
    handed_to: str
    handed_at: datetime | None
    org_id: int
    created_at: datetime


class IncidentAttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uuid: uuid.UUID
    org_id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime


class CaseRead(BaseModel):
    """An incident with all its parts, as the case page shows it."""

    incident: IncidentRead
    allowed_phases: list[Phase]
    participants: list[ParticipantRead]
    tasks: list[TaskRead]
    timeline: list[EventRead]
    observables: list[ObservableRead]
    evidence: list[EvidenceRead]
    attachments: list[IncidentAttachmentRead]
