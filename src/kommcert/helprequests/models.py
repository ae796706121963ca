"""A help request on an incident: requested (with cost acceptance) → approved (contingent reserved)
→ assigned (provider or MIRT joins the incident as a participant) → accepted (team, arrival) →
deployed (a :class:`~kommcert.deployments.models.Deployment` runs) → closed.

The request is a part of its incident: whoever may see the incident sees its requests, and nobody
else. Amounts are in the unit of the contingent they are reserved from (hours or euros), Decimal.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from kommcert.db import Base, utcnow


class HelpState(StrEnum):
    requested = "requested"
    approved = "approved"
    assigned = "assigned"
    accepted = "accepted"
    deployed = "deployed"
    closed = "closed"
    declined = "declined"  # by the CERT (no contingent, not needed)
    withdrawn = "withdrawn"  # by the municipality


HELP_STATE_LABELS_DE = {
    HelpState.requested: "Angefordert",
    HelpState.approved: "Genehmigt",
    HelpState.assigned: "Beauftragt",
    HelpState.accepted: "Angenommen",
    HelpState.deployed: "Im Einsatz",
    HelpState.closed: "Abgeschlossen",
    HelpState.declined: "Abgelehnt",
    HelpState.withdrawn: "Zurückgezogen",
}


class HelpMode(StrEnum):
    on_site = "on_site"
    remote = "remote"


HELP_MODE_LABELS_DE = {HelpMode.on_site: "vor Ort", HelpMode.remote: "aus der Ferne"}


class Urgency(StrEnum):
    normal = "normal"  # within two working days
    high = "high"  # within 24 hours
    critical = "critical"  # now


URGENCY_LABELS_DE = {Urgency.normal: "normal (binnen zwei Werktagen)", Urgency.high: "hoch (binnen 24 Stunden)",
                     Urgency.critical: "kritisch (sofort)"}


class HelpRequest(Base):
    __tablename__ = "help_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    # The organisation that asks and pays (the incident's owner, or a participant affected as well).
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    state: Mapped[HelpState] = mapped_column(String(16), default=HelpState.requested)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)  # values of providers.models.Skill
    urgency: Mapped[Urgency] = mapped_column(String(16))
    mode: Mapped[HelpMode] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(Text, default="")
    # The expected effort in the unit of the contingent (hours or euros).
    estimate: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The person with the right to accept costs for the organisation (may be the requester).
    cost_accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cost_accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    contingent_id: Mapped[int | None] = mapped_column(ForeignKey("contingents.id", ondelete="RESTRICT"), index=True)
    reserved: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), default=None)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    assignee_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"),
                                                        index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("framework_contracts.id", ondelete="RESTRICT"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime | None] = mapped_column(default=None)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    planned_arrival_at: Mapped[datetime | None] = mapped_column(default=None)
    # The team named on acceptance: [{"person_id": int | None, "name": str, "role": str}]; only the
    # request's own readers see it (not the incident's timeline, which other helpers may read).
    team: Mapped[list[dict]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    decision_note: Mapped[str] = mapped_column(Text, default="")  # why declined or withdrawn
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
