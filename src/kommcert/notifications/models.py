"""One row per recipient and event: the dedup key, the routing (at once or digest) and the outcome."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kommcert.db import Base, utcnow


class NotificationMode(StrEnum):
    immediate = "immediate"
    digest = "digest"


MODE_LABELS_DE = {NotificationMode.immediate: "sofort, eine E-Mail je Neuigkeit",
                  NotificationMode.digest: "einmal täglich als Zusammenfassung"}


class NotificationState(StrEnum):
    queued = "queued"  # a notifications.send job will send it
    digest = "digest"  # waits for the user's daily digest
    sent = "sent"
    skipped = "skipped"  # the user could no longer see the object (or is gone) when it was due


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_state_user", "state", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of event, subject, recipient and occurrence: the same event is never queued twice for a user.
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    event: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[NotificationState] = mapped_column(String(16))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
