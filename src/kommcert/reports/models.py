"""Reports ("Meldungen"): how information crosses levels; they also group indicators.

Comments and attachments are parts of their report: whoever may see the report sees them, and
nobody else (see docs/architecture.md, "Reports, comments, attachments").
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from kommcert.db import Base, utcnow
from kommcert.sharing.models import Shared


class Report(Shared, Base):
    __tablename__ = "reports"
    __share_type__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # A withdrawn report stays readable to its audience, marked; its indicators leave every feed,
    # search and scan set that had them only from it (``indicators.service.visible_reports``). Who
    # withdrew it is in the audit log.
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)
    # Arrived from another kommcert instance (a peer subscription filled it, or a peer POSTed it):
    # at AMBER it never travels on to a peer (``sharing.policy``, the peer rule).
    received_from_peer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class ReportComment(Base):
    """A note by an organisation that may see the report: an answer, an addition, a status."""

    __tablename__ = "report_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attachment(Base):
    """A file on a report (optionally with the comment it came with). The bytes are in the
    database, so an upload is part of the transaction that creates its report or comment."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("report_comments.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
