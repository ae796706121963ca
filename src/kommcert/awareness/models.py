"""Awareness ("Sensibilisierung"): a catalogue of trainings, events with registrations and attendance
counted per target group, each organisation's headcount and readiness checklist, phishing campaign
aggregates and suggestions from closed incidents.

What shows weak spots is a ``Shared`` row, AMBER+STRICT with ``upward`` (the organisation, the
organisations above it and the CERTs see it, no other municipality): the per-organisation
:class:`AwarenessProfile` (headcount, readiness, the reminder mark), each :class:`PhishingCampaign` and
each :class:`AwarenessSuggestion`. Events are ``Shared`` too, TLP:GREEN: the calendar is for every member.
Registrations and attendance are parts of their event and are read per organisation through the
profile's rule (``awareness.access``).

No per-person data: attendance is counts per target group (names only where the organiser switched them
on for an event, off by default), and a phishing campaign keeps sums per group of more than five
recipients; smaller groups are merged before anything is written.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kommcert.db import Base, utcnow
from kommcert.sharing.models import Shared


class TargetGroup(StrEnum):
    fuehrung = "fuehrung"
    beschaeftigte = "beschaeftigte"
    it_admin = "it_admin"
    rat = "rat"
    azubi = "azubi"


TARGET_GROUP_LABELS_DE = {
    TargetGroup.fuehrung: "Führungskräfte",
    TargetGroup.beschaeftigte: "Beschäftigte",
    TargetGroup.it_admin: "IT-Administration",
    TargetGroup.rat: "Ratsmitglieder",
    TargetGroup.azubi: "Auszubildende",
}


class Format(StrEnum):
    praesenz = "praesenz"
    online = "online"
    elearning = "elearning"
    planspiel = "planspiel"


FORMAT_LABELS_DE = {
    Format.praesenz: "Präsenz",
    Format.online: "Online",
    Format.elearning: "E-Learning",
    Format.planspiel: "Planspiel (Übung)",
}


class Cause(StrEnum):
    phishing = "phishing"
    human_error = "human_error"


CAUSE_LABELS_DE = {Cause.phishing: "Phishing", Cause.human_error: "menschlicher Fehler"}


class AwarenessTopic(Base):
    """A catalogue entry: a training topic in one format for some target groups. Not shared: the
    catalogue is the same for every member."""

    __tablename__ = "awareness_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(16))
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    duration_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AwarenessEvent(Shared, Base):
    """One date of a training. Owner = the organiser (the Land, a CERT, a Kreis); TLP:GREEN."""

    __tablename__ = "awareness_events"
    __share_type__ = "awareness_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("awareness_topics.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(16))
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime] = mapped_column()
    place: Mapped[str] = mapped_column(String(300), default="")
    link: Mapped[str] = mapped_column(String(1000), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    # Names of participants may be recorded only where the organiser switched it on (off by default).
    record_names: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AwarenessRegistration(Base):
    """How many people of one organisation and target group are registered for an event."""

    __tablename__ = "awareness_registrations"
    __table_args__ = (UniqueConstraint("event_id", "org_id", "target_group", name="uq_awareness_registrations"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("awareness_events.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    target_group: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AwarenessAttendance(Base):
    """How many people of one organisation and target group attended an event (names optional)."""

    __tablename__ = "awareness_attendance"
    __table_args__ = (UniqueConstraint("event_id", "org_id", "target_group", name="uq_awareness_attendance"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("awareness_events.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    target_group: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer)
    names: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AwarenessProfile(Shared, Base):
    """An organisation's awareness facts: headcount per target group (:class:`AwarenessHeadcount`) and the
    readiness checklist. One per organisation, created by the first write; AMBER+STRICT, ``upward``."""

    __tablename__ = "awareness_profiles"
    __share_type__ = "awareness_profile"
    __owner_index__ = False  # the unique index on owner_org_id serves

    id: Mapped[int] = mapped_column(primary_key=True)
    card_posted_on: Mapped[date | None] = mapped_column(default=None)
    contacts_reviewed_on: Mapped[date | None] = mapped_column(default=None)
    wiba_done: Mapped[int] = mapped_column(Integer, default=0)
    restore_test_on: Mapped[date | None] = mapped_column(default=None)
    exercise_on: Mapped[date | None] = mapped_column(default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("owner_org_id", name="uq_awareness_profiles_owner"),)


class AwarenessHeadcount(Base):
    __tablename__ = "awareness_headcounts"
    __table_args__ = (UniqueConstraint("profile_id", "target_group", name="uq_awareness_headcounts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("awareness_profiles.id", ondelete="CASCADE"), index=True)
    target_group: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer)


class PhishingCampaign(Shared, Base):
    """The sums of one GoPhish campaign for one organisation: nothing about any person."""

    __tablename__ = "phishing_campaigns"
    __share_type__ = "phishing_campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(8))  # csv | json
    sent_on: Mapped[date | None] = mapped_column(default=None)
    recipients: Mapped[int] = mapped_column(Integer)
    sent: Mapped[int] = mapped_column(Integer)
    opened: Mapped[int] = mapped_column(Integer)
    clicked: Mapped[int] = mapped_column(Integer)
    submitted: Mapped[int] = mapped_column(Integer)
    reported: Mapped[int] = mapped_column(Integer)
    # How many groups of five or fewer were merged into "weitere Gruppen" (their names are not kept).
    merged_groups: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class PhishingGroup(Base):
    """The sums of one group (GoPhish's "position", e.g. a department) of more than five recipients, or the
    merged rest of the small groups (``merged``)."""

    __tablename__ = "phishing_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("phishing_campaigns.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    merged: Mapped[bool] = mapped_column(Boolean, default=False)
    recipients: Mapped[int] = mapped_column(Integer)
    sent: Mapped[int] = mapped_column(Integer)
    opened: Mapped[int] = mapped_column(Integer)
    clicked: Mapped[int] = mapped_column(Integer)
    submitted: Mapped[int] = mapped_column(Integer)
    reported: Mapped[int] = mapped_column(Integer)


class AwarenessSuggestion(Shared, Base):
    """A closed incident caused by phishing or a human error suggests a training for its organisation."""

    __tablename__ = "awareness_suggestions"
    __share_type__ = "awareness_suggestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="SET NULL"), unique=True)
    cause: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    dismissed_at: Mapped[datetime | None] = mapped_column(default=None)


def counts_of(row: Any) -> dict[str, int]:
    """The five phishing sums of a campaign or group, by name."""
    return {k: getattr(row, k) for k in ("sent", "opened", "clicked", "submitted", "reported")}
