"""Publications of an incident's observables: the community report they went into, and the time
to protection (report → publication → the first feed download by another organisation).

One publication per incident: publishing again adds the new values to the same report. Each
published observable keeps the report and time it went out with (``PublishedObservable``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kommcert.db import Base, utcnow


class IncidentPublication(Base):
    __tablename__ = "incident_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"), unique=True)
    # The community report, owned by the publishing CERT; the incident is not named in it.
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)  # the first publication
    last_published_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set once, by the first 200 feed answer to another organisation that carried the report
    # (``publish.note_feed_download``); NULL while open, and every feed download looks for open ones.
    first_download_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    first_download_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))


class PublishedObservable(Base):
    """An observable that went out as an indicator: with which report and when."""

    __tablename__ = "incident_published_observables"
    __table_args__ = (UniqueConstraint("observable_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    observable_id: Mapped[int] = mapped_column(ForeignKey("incident_observables.id", ondelete="CASCADE"))
    publication_id: Mapped[int] = mapped_column(ForeignKey("incident_publications.id", ondelete="CASCADE"),
                                                index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    indicator_type: Mapped[str] = mapped_column(String(16))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
