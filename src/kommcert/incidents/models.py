"""Vorfälle (incidents): a municipality's IT emergency, from the report to the lessons learned.

An incident is a shared object at TLP:AMBER+STRICT with ``upward`` always on: the owner (the
affected municipality), its VG, Kreis and Land and the CERTs see it; participants are added to its
audience one by one. Every part below (participants, tasks, timeline, observables, evidence, files)
belongs to its incident: whoever may see the incident sees them, and nobody else.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kommcert.db import Base, utcnow
from kommcert.sharing.models import Shared
from kommcert.sharing.tlp import TLP


class Category(StrEnum):
    ransomware = "ransomware"
    phishing = "phishing"
    account_takeover = "account_takeover"
    ddos = "ddos"
    data_exfiltration = "data_exfiltration"
    malware = "malware"
    other = "other"


CATEGORY_LABELS_DE = {
    Category.ransomware: "Ransomware",
    Category.phishing: "Phishing",
    Category.account_takeover: "Kontoübernahme",
    Category.ddos: "DDoS",
    Category.data_exfiltration: "Datenabfluss",
    Category.malware: "Schadsoftware",
    Category.other: "Sonstiges",
}


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


SEVERITY_LABELS_DE = {
    Severity.low: "niedrig",
    Severity.medium: "mittel",
    Severity.high: "hoch",
    Severity.critical: "kritisch",
}


class Phase(StrEnum):
    reported = "reported"
    triage = "triage"
    containment = "containment"
    eradication = "eradication"
    recovery = "recovery"
    lessons = "lessons"
    closed = "closed"
    rejected = "rejected"
    duplicate = "duplicate"

    @property
    def is_final(self) -> bool:
        return self in FINAL_PHASES


FINAL_PHASES = frozenset({Phase.closed, Phase.rejected, Phase.duplicate})

PHASE_LABELS_DE = {
    Phase.reported: "gemeldet",
    Phase.triage: "Triage",
    Phase.containment: "Eindämmung",
    Phase.eradication: "Beseitigung",
    Phase.recovery: "Wiederherstellung",
    Phase.lessons: "Nachbereitung",
    Phase.closed: "abgeschlossen",
    Phase.rejected: "abgelehnt",
    Phase.duplicate: "Duplikat",
}


class ParticipantRole(StrEnum):
    """Why another organisation takes part: it is affected too, it helps, or it is kept informed."""

    affected = "affected"
    support = "support"
    provider = "provider"
    informed = "informed"


PARTICIPANT_ROLE_LABELS_DE = {
    ParticipantRole.affected: "ebenfalls betroffen",
    ParticipantRole.support: "unterstützt",
    ParticipantRole.provider: "Dienstleister",
    ParticipantRole.informed: "informiert",
}


class ObservableType(StrEnum):
    ip = "ip"
    domain = "domain"
    url = "url"
    hash = "hash"
    email = "email"
    account = "account"
    file = "file"


OBSERVABLE_TYPE_LABELS_DE = {
    ObservableType.ip: "IP-Adresse",
    ObservableType.domain: "Domain",
    ObservableType.url: "URL",
    ObservableType.hash: "Hash",
    ObservableType.email: "E-Mail-Adresse",
    ObservableType.account: "Benutzerkonto",
    ObservableType.file: "Datei",
}


class EventKind(StrEnum):
    """Timeline entries: every change writes one (``service._record``); ``note`` is written by hand."""

    reported = "reported"
    note = "note"
    phase_changed = "phase_changed"
    severity_changed = "severity_changed"
    category_changed = "category_changed"
    assigned = "assigned"
    participant_added = "participant_added"
    participant_removed = "participant_removed"
    task_added = "task_added"
    task_done = "task_done"
    task_reopened = "task_reopened"
    observable_added = "observable_added"
    observable_removed = "observable_removed"
    observable_share_marked = "observable_share_marked"
    observables_published = "observables_published"
    evidence_added = "evidence_added"
    attachment_added = "attachment_added"
    marked_duplicate = "marked_duplicate"
    duplicate_merged = "duplicate_merged"
    deadline_done = "deadline_done"
    deadline_reopened = "deadline_reopened"
    # The help chain (``kommcert.helprequests``); data: help_request_id and what changed.
    help_requested = "help_requested"
    help_approved = "help_approved"
    help_declined = "help_declined"
    help_withdrawn = "help_withdrawn"
    help_assigned = "help_assigned"
    help_returned = "help_returned"
    help_accepted = "help_accepted"
    help_deployed = "help_deployed"
    help_closed = "help_closed"


EVENT_LABELS_DE = {
    EventKind.reported: "Vorfall gemeldet",
    EventKind.note: "Notiz",
    EventKind.phase_changed: "Phase geändert",
    EventKind.severity_changed: "Schweregrad geändert",
    EventKind.category_changed: "Kategorie geändert",
    EventKind.assigned: "Bearbeitung zugewiesen",
    EventKind.participant_added: "Beteiligte Organisation hinzugefügt",
    EventKind.participant_removed: "Beteiligte Organisation entfernt",
    EventKind.task_added: "Aufgabe angelegt",
    EventKind.task_done: "Aufgabe erledigt",
    EventKind.task_reopened: "Aufgabe wieder geöffnet",
    EventKind.observable_added: "Beobachtung erfasst",
    EventKind.observable_removed: "Beobachtung entfernt",
    EventKind.observable_share_marked: "Beobachtung zum Teilen markiert",
    EventKind.observables_published: "Beobachtungen als Indikatoren veröffentlicht",
    EventKind.evidence_added: "Beweismittel erfasst",
    EventKind.attachment_added: "Datei angehängt",
    EventKind.marked_duplicate: "Als Duplikat markiert",
    EventKind.duplicate_merged: "Duplikat zusammengeführt",
    EventKind.deadline_done: "Frist erledigt",
    EventKind.deadline_reopened: "Frist wieder offen",
    EventKind.help_requested: "Hilfe angefordert",
    EventKind.help_approved: "Hilfeersuchen genehmigt",
    EventKind.help_declined: "Hilfeersuchen abgelehnt",
    EventKind.help_withdrawn: "Hilfeersuchen zurückgezogen",
    EventKind.help_assigned: "Helfer beauftragt",
    EventKind.help_returned: "Auftrag zurückgegeben",
    EventKind.help_accepted: "Auftrag angenommen",
    EventKind.help_deployed: "Helfer eingetroffen",
    EventKind.help_closed: "Einsatz abgeschlossen",
}

INCIDENT_TLP = TLP.amber_strict


class Incident(Shared, Base):
    __tablename__ = "incidents"
    __share_type__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[Category] = mapped_column(String(32))
    severity: Mapped[Severity] = mapped_column(String(16))
    phase: Mapped[Phase] = mapped_column(String(16), default=Phase.reported, index=True)
    reported_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Time of first knowledge ("seit wann"): the anchor of the legal deadlines.
    first_known_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The person who reports (a name and how to reach them; may be no user of kommcert when the
    # hotline files it), the user who entered it (``created_by_id`` of Shared is the same user).
    reporter_name: Mapped[str] = mapped_column(String(200), default="")
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A CERT hotline agent reporting for a municipality whose IT is down: the owner is the
    # municipality, the hotline's organisation is recorded here.
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)
    filed_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    callback_phone: Mapped[str] = mapped_column(String(64), default="")
    # The questionnaire (``incidents.questions``): question key -> answer text.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    personal_data_affected: Mapped[bool] = mapped_column(Boolean, default=False)
    data_exfiltrated: Mapped[bool] = mapped_column(Boolean, default=False)
    citizen_services_down: Mapped[bool] = mapped_column(Boolean, default=False)
    ransom_note: Mapped[bool] = mapped_column(Boolean, default=False)
    # The reporter's answer; the deadline attribute ``bsig_in_scope`` is this OR the organisation's flag.
    bsig_answer: Mapped[bool] = mapped_column(Boolean, default=False)
    land_rules_in_scope: Mapped[bool] = mapped_column(Boolean, default=False)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"))

    @property
    def is_open(self) -> bool:
        return not Phase(self.phase).is_final

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS_DE[Phase(self.phase)]

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS_DE[Severity(self.severity)]

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS_DE[Category(self.category)]


def _incident_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)


class IncidentParticipant(Base):
    """Another organisation taking part; it is also one entry of the incident's audience."""

    __tablename__ = "incident_participants"
    __table_args__ = (UniqueConstraint("incident_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = _incident_fk()
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    role: Mapped[ParticipantRole] = mapped_column(String(16))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentTask(Base):
    __tablename__ = "incident_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = _incident_fk()
    title: Mapped[str] = mapped_column(String(300))
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def done(self) -> bool:
        return self.done_at is not None


class IncidentEvent(Base):
    """One timeline entry: automatic for every change, or a note written by hand."""

    __tablename__ = "incident_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = _incident_fk()
    kind: Mapped[EventKind] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @property
    def label(self) -> str:
        return EVENT_LABELS_DE[EventKind(self.kind)]


class IncidentObservable(Base):
    """What was seen (an address, a name, a hash, an account, a file). Values of indicator types
    are normalised like indicators; ``share`` marks them for publication to every municipality."""

    __tablename__ = "incident_observables"
    __table_args__ = (UniqueConstraint("incident_id", "type", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = _incident_fk()
    type: Mapped[ObservableType] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(2048))
    # The indicator type the value normalised to (ipv4, sha256 …); None for accounts and files.
    indicator_type: Mapped[str | None] = mapped_column(String(16), default=None)
    description: Mapped[str] = mapped_column(Text, default="")
    share: Mapped[bool] = mapped_column(Boolean, default=False)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentEvidence(Base):
    """A chain-of-custody record: what, where it is kept, its hash, who handed it to whom and when.
    No evidence bytes: those stay on the forensic media."""

    __tablename__ = "incident_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = _incident_fk()
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    handed_from: Mapped[str] = mapped_column(String(200), default="")
    handed_to: Mapped[str] = mapped_column(String(200), default="")
    handed_at: Mapped[datetime | None] = mapped_column(default=None)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncidentAttachment(Base):
    """A file on an incident (ransom note, screenshot), stored like a report's attachment."""

    __tablename__ = "incident_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4)
    incident_id: Mapped[int] = _incident_fk()
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
