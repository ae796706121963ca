"""A deployment: the team of a provider or the MIRT working an incident for one municipality.

Created when a help request is deployed. Everything here is a part of the incident: whoever may
see the incident sees its deployments. Hours are Decimal (quarter hours), money Decimal (cents).
The cost statement is written once, when the deployment is closed, and charges the contingent.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kommcert.db import Base, utcnow

MONEY = Numeric(12, 2)
HOURS = Numeric(5, 2)


class DeploymentState(StrEnum):
    active = "active"
    handover = "handover"  # the team has left, the hand-over waits for its sign-offs
    closed = "closed"  # signed off, cost statement written, contingent charged


DEPLOYMENT_STATE_LABELS_DE = {DeploymentState.active: "Im Einsatz", DeploymentState.handover: "Übergabe",
                              DeploymentState.closed: "Abgeschlossen"}


class Deployment(Base):
    __tablename__ = "deployments"

    id: Mapped[int] = mapped_column(primary_key=True)
    help_request_id: Mapped[int] = mapped_column(ForeignKey("help_requests.id", ondelete="CASCADE"), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    provider_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)  # pays
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("framework_contracts.id", ondelete="RESTRICT"))
    state: Mapped[DeploymentState] = mapped_column(String(16), default=DeploymentState.active)
    arrived_at: Mapped[datetime | None] = mapped_column(default=None)
    departed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    members: Mapped[list[DeploymentMember]] = relationship(cascade="all, delete-orphan",
                                                           order_by="DeploymentMember.id")


class DeploymentMember(Base):
    """One person of the team; ``role`` is a role of the contract's rate card."""

    __tablename__ = "deployment_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("provider_people.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(100))
    arrived_at: Mapped[datetime | None] = mapped_column(default=None)
    departed_at: Mapped[datetime | None] = mapped_column(default=None)


class StatusReport(Base):
    """The daily situation report in the Conditions / Actions / Needs form (one per day, revisable)."""

    __tablename__ = "deployment_status_reports"
    __table_args__ = (UniqueConstraint("deployment_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    conditions: Mapped[str] = mapped_column(Text)
    actions: Mapped[str] = mapped_column(Text)
    needs: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class HandoverArea(StrEnum):
    rebuilt = "rebuilt"  # what has been rebuilt
    checked = "checked"  # what was checked


class HandoverItem(Base):
    """One line of the hand-over checklist for reconnecting to the Landesnetz."""

    __tablename__ = "deployment_handover_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"), index=True)
    area: Mapped[HandoverArea] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(Text)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    confirmed_by: Mapped[str] = mapped_column(String(200), default="")  # the named person who confirms it
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SignoffSide(StrEnum):
    municipality = "municipality"
    cert = "cert"


class HandoverSignoff(Base):
    __tablename__ = "deployment_signoffs"
    __table_args__ = (UniqueConstraint("deployment_id", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"), index=True)
    side: Mapped[SignoffSide] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeploymentEvidence(Base):
    """A record of the incident's chain of custody handed over within this deployment."""

    __tablename__ = "deployment_evidence"

    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"), primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("incident_evidence.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)


class EntryState(StrEnum):
    open = "open"
    confirmed = "confirmed"
    disputed = "disputed"


ENTRY_STATE_LABELS_DE = {EntryState.open: "offen", EntryState.confirmed: "bestätigt",
                         EntryState.disputed: "bestritten"}


class TimeEntry(Base):
    """Hours of one team member on one day in one role; the municipality confirms or disputes it.

    ``daily_flat`` bills the day at the rate card's daily flat rate instead of hours × hourly rate;
    ``travel`` adds the travel flat rate once for this entry.
    """

    __tablename__ = "deployment_time_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("deployment_members.id", ondelete="RESTRICT"), index=True)
    day: Mapped[date] = mapped_column(Date)
    role: Mapped[str] = mapped_column(String(100))
    hours: Mapped[Decimal] = mapped_column(HOURS)
    daily_flat: Mapped[bool] = mapped_column(Boolean, default=False)
    travel: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[EntryState] = mapped_column(String(16), default=EntryState.open)
    dispute_reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CostStatement(Base):
    """Written once when a deployment closes: what the municipality pays, line by line."""

    __tablename__ = "cost_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    contingent_id: Mapped[int | None] = mapped_column(ForeignKey("contingents.id", ondelete="RESTRICT"))
    hours_total: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    total: Mapped[Decimal] = mapped_column(MONEY)  # euros
    charged: Mapped[Decimal] = mapped_column(MONEY)  # in the contingent's unit
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[CostLine]] = relationship(cascade="all, delete-orphan", order_by="CostLine.position")


class CostLine(Base):
    __tablename__ = "cost_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("cost_statements.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    member: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # hourly | daily_flat | travel
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    rate: Mapped[Decimal] = mapped_column(MONEY)
    amount: Mapped[Decimal] = mapped_column(MONEY)
