"""The last visit of a start page per user, and a municipality's consent that its IT service
providers see its sightings and feed fetches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from kommcert.db import Base, utcnow


class StartPageVisit(Base):
    """When the user last opened the start page. "New" is what arrived after ``since``: the visit
    before the current one, so reloading the page (or coming back within the hour) keeps the news."""

    __tablename__ = "start_page_visits"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    since: Mapped[datetime | None] = mapped_column()


class ProviderAccess(Base):
    """A municipality allows the IT service providers that serve it (``org_serves``) to see its
    sightings and its appliances' feed fetches. No row: the ``serves`` relation grants nothing."""

    __tablename__ = "provider_access"

    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Plain id: the consent outlives the account of whoever gave it (the audit log names them too).
    granted_by_id: Mapped[int | None] = mapped_column()
