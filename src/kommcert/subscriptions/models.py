"""One row per subscription: where, how often, with which defaults, and how the last pulls went.

A subscription is configuration of its organisation, not a shared object: its members read it, its
analysts and administrators change it (``service``). What it pulls lands in reports of that
organisation, which the sharing policy governs as any other report.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kommcert.db import Base, utcnow


class SubscriptionKind(StrEnum):
    taxii = "taxii"  # a TAXII 2.1 collection (its URL ends in /collections/<id>/)
    misp_feed = "misp_feed"  # a directory with manifest.json and one <uuid>.json per event
    csv = "csv"  # a CSV list (columns found by their headers, as the CSV import does)
    text = "text"  # one value per line, # comments


KIND_LABELS_DE = {
    SubscriptionKind.taxii: "TAXII-2.1-Sammlung",
    SubscriptionKind.misp_feed: "MISP-Feed",
    SubscriptionKind.csv: "CSV-Liste",
    SubscriptionKind.text: "Textliste (ein Wert je Zeile)",
}


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2000))
    # User and secret: both → HTTP Basic; the secret alone → "Authorization: Bearer <secret>".
    # The secret is never shown or logged again after entry (pages and the API say only whether one is set).
    auth_user: Mapped[str] = mapped_column(String(200), default="")
    auth_secret: Mapped[str] = mapped_column(Text, default="")
    # Defaults for what the source does not say itself.
    tlp: Mapped[str] = mapped_column(String(16))
    audience: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{"org_id": 3, "subtree": true}, {"user_id": 9}]
    confidence: Mapped[int | None] = mapped_column(Integer, default=None)
    lifetime_days: Mapped[int | None] = mapped_column(Integer, default=None)  # None: KOMMCERT_IOC_LIFETIME_DAYS
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=60)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # The subscription's report ("Abonnement: <name>") for records without a TLP of their own.
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), default=None)
    # Reports by TLP (records the source marked otherwise) and, for MISP feeds, per event; plus the
    # validators of the last answer (etag, last_modified) and TAXII's added_after.
    cursor: Mapped[dict] = mapped_column(JSON, default=dict)
    # Health.
    last_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)
    failing_since: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    last_imported: Mapped[int] = mapped_column(Integer, default=0)
    last_removed: Mapped[int] = mapped_column(Integer, default=0)
    total_imported: Mapped[int] = mapped_column(Integer, default=0)
    # Who made it, and whose rights scheduled pulls use: the person who created or last saved it.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    acting_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
