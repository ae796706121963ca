"""The status resource of a POST to a collection (TAXII 2.1 § 4.3), kept so that clients can poll it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kommcert.db import Base, utcnow


class TaxiiStatus(Base):
    """One POST's outcome. Our ingest is synchronous, so a status is ``complete`` when it is stored;
    it is kept for the poster's organisation only (others get 404, as for an unknown id)."""

    __tablename__ = "taxii_statuses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID, as TAXII asks
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    collection_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(16), default="complete")
    request_timestamp: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    total_count: Mapped[int] = mapped_column(Integer, default=0)
    success_count: Mapped[int] = mapped_column(Integer, default=0)
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    pending_count: Mapped[int] = mapped_column(Integer, default=0)
    # [{"id", "version"?, "message"?}] as TAXII's status details
    successes: Mapped[list[dict]] = mapped_column(JSON, default=list)
    failures: Mapped[list[dict]] = mapped_column(JSON, default=list)
    report_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # the reports the POST made
