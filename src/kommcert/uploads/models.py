"""An uploaded file spooled to disk between the steps of a form or for a background job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kommcert.db import Base, utcnow


class Upload(Base):
    """The bytes live in ``KOMMCERT_UPLOAD_DIR/<id>``; the row says whose they are.

    The id is random (it names the file and travels in forms), but it is not what protects the file:
    only the user who uploaded it may use it (``uploads.service.get_own``).
    """

    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_created_at", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
