"""The registry of helpers: certified incident-response providers and the MIRT, with their people.

A profile belongs to one organisation of kind ``dienstleister`` or ``mirt`` (its primary key is the
organisation's id). Who helps is not secret (every member sees the registry); the phone numbers of
the people are only for the CERTs and the provider's own users (``providers.service``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kommcert.db import Base, utcnow
from kommcert.orgs.models import Organization, OrgKind

PROVIDER_KINDS = frozenset({OrgKind.dienstleister, OrgKind.mirt})


class Skill(StrEnum):
    incident_lead = "incident_lead"
    host_forensics = "host_forensics"
    network_forensics = "network_forensics"
    malware_analysis = "malware_analysis"
    recovery = "recovery"
    crisis_communication = "crisis_communication"


SKILL_LABELS_DE = {
    Skill.incident_lead: "Vorfallsleitung",
    Skill.host_forensics: "Host-Forensik",
    Skill.network_forensics: "Netzwerk-Forensik",
    Skill.malware_analysis: "Schadsoftware-Analyse",
    Skill.recovery: "Wiederherstellung",
    Skill.crisis_communication: "Krisenkommunikation",
}


provider_regions = Table(
    "provider_regions",
    Base.metadata,
    Column("provider_org_id", ForeignKey("provider_profiles.org_id", ondelete="CASCADE"), primary_key=True),
    Column("region_org_id", ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ProviderProfile(Base):
    __tablename__ = "provider_profiles"

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    # Free text, e.g. "BSI-qualifizierter APT-Response-Dienstleister", "Vorfallsbearbeitung".
    qualifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)  # values of :class:`Skill`
    on_call_phone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    org: Mapped[Organization] = relationship()
    # The Kreise (or the Land) it serves.
    regions: Mapped[list[Organization]] = relationship(secondary=provider_regions, order_by=Organization.name)
    people: Mapped[list[ProviderPerson]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="ProviderPerson.name"
    )

    @property
    def skill_labels(self) -> list[str]:
        return [SKILL_LABELS_DE[Skill(s)] for s in self.skills]


class ProviderPerson(Base):
    __tablename__ = "provider_people"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_org_id: Mapped[int] = mapped_column(
        ForeignKey("provider_profiles.org_id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(64))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    provider: Mapped[ProviderProfile] = relationship(back_populates="people")

    @property
    def skill_labels(self) -> list[str]:
        return [SKILL_LABELS_DE[Skill(s)] for s in self.skills]
