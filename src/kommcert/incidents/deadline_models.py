"""The legal deadlines of one incident, kept: due time, reminders, and who marked it done when.

A row is the stored result of the rule engine (``incidents.deadlines``) for one rule that applies to
the incident; ``incidents.deadline_service`` (re)computes the rows whenever the incident changes. The
titles, legal basis and recipient are copied from the rule, so a deadline already done still reads
right after an operator removes or renames its rule. The state (open, done, overdue) is never
stored: it follows from ``due_at``, ``done_at`` and the clock (``deadlines.state``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kommcert.db import Base, utcnow
from kommcert.incidents import deadlines


class IncidentDeadline(Base):
    __tablename__ = "incident_deadlines"
    __table_args__ = (UniqueConstraint("incident_id", "rule_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), index=True)
    rule_key: Mapped[str] = mapped_column(String(64))
    title_de: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    basis: Mapped[str] = mapped_column(String(300))
    recipient_de: Mapped[str] = mapped_column(String(300))
    recipient_en: Mapped[str] = mapped_column(String(300))
    due_at: Mapped[datetime] = mapped_column()
    # Every reminder moment of the rule (ISO, UTC), earliest first; the reminder job sends the latest
    # one that has passed and then waits for the next (``next_remind_at``, None when none is left).
    remind_at: Mapped[list[str]] = mapped_column(JSON, default=list)
    next_remind_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    # The reminder moment up to which reminders are done with (sent, or passed while done or too late):
    # a recomputed deadline never sends one of these again.
    reminded_until: Mapped[datetime | None] = mapped_column(default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def done(self) -> bool:
        return self.done_at is not None

    def state_at(self, now: datetime) -> str:
        """``open``, ``done`` or ``overdue`` at ``now``."""
        return deadlines.state(self.due_at, self.done_at, now)

    @property
    def state(self) -> str:
        return self.state_at(utcnow())

    @property
    def state_label(self) -> str:
        """The German word for the state (offen, erledigt, überfällig)."""
        return deadlines.STATE_LABELS_DE[self.state]

    def title(self, lang: str = "de") -> str:
        return self.title_en if lang == "en" else self.title_de

    def recipient(self, lang: str = "de") -> str:
        return self.recipient_en if lang == "en" else self.recipient_de
