"""Indicators of compromise and where they came from.

One value (type + normalised text) is one :class:`Indicator`, however many sources report it.
Each report ("Meldung") that carries it adds a :class:`Provenance` row with its own validity,
confidence and tags. Visibility is the report's: an actor sees an indicator, and the attributes a
provenance gives it, only through reports the sharing policy lets them see.
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kommcert.db import Base, byte_ordered, utcnow
from kommcert.sharing.models import Shared


class ReviewState(StrEnum):
    none = "none"
    needs_review = "needs_review"  # several organisations reported a false positive
    false_positive = "false_positive"  # an analyst confirmed it: out of every blocking export
    confirmed = "confirmed"


class Indicator(Base):
    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("type", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names the indicator in exports (indicator--<uuid>); random (version 4), so not unique-indexed. The
    # TAXII server finds an object by it (objects/{id}/, match[id]): a plain index.
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4, index=True)
    type: Mapped[str] = mapped_column(byte_ordered(16))
    # Looked up by (type, value) through the unique constraint; no separate index on value.
    value: Mapped[str] = mapped_column(byte_ordered(2048))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Name of the first warninglist the value is on; such values stay out of blocking exports …
    warninglist: Mapped[str | None] = mapped_column(String(100))
    # … unless an analyst decided to block it anyway.
    warninglist_override: Mapped[bool] = mapped_column(Boolean, default=False)
    review_state: Mapped[str] = mapped_column(String(16), default=ReviewState.none)


MICROSECOND = timedelta(microseconds=1)


class AddedClock:
    """Hands out ``provenances.added_at`` values: strictly increasing within this process, one
    microsecond apart, never behind the wall clock.

    TAXII clients page with ``added_after`` = the last ``date_added`` they received; two rows with the
    same time, one on each side of a page boundary, would make them skip the second (or, with ``>=``
    servers, loop). So every row of one bulk import gets its own time, at no extra query: the
    importer takes a base for a whole batch (:meth:`take`) and adds ``i`` microseconds per row.
    Processes importing at the same moment can still meet on one microsecond; the TAXII cursor
    pages over (added_at, id) and is exact either way."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: datetime | None = None

    def take(self, count: int = 1) -> datetime:
        """The first of ``count`` consecutive microseconds reserved for the caller."""
        with self._lock:
            now = utcnow()
            base = now if self._last is None or now > self._last else self._last + MICROSECOND
            self._last = base + MICROSECOND * (count - 1)
            return base


ADDED_CLOCK = AddedClock()


def next_added_at() -> datetime:
    return ADDED_CLOCK.take()


class Provenance(Base):
    """An indicator as one report carries it."""

    __tablename__ = "provenances"
    __table_args__ = (
        UniqueConstraint("report_id", "indicator_id"),
        Index("ix_provenances_indicator_report", "indicator_id", "report_id"),
        # The TAXII server's keyset: pages seek (added_at, id) > cursor in this index, never OFFSET.
        Index("ix_provenances_added_at_id", "added_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # (report_id, indicator_id) is unique, so its index also serves lookups by report.
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    valid_from: Mapped[datetime] = mapped_column()
    valid_until: Mapped[datetime | None] = mapped_column()
    confidence: Mapped[int | None] = mapped_column(Integer)
    block: Mapped[bool] = mapped_column(Boolean, default=True)
    comment: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(200))
    source_ref: Mapped[str | None] = mapped_column(String(200))
    # Tags as "kind:name" lines (ATT&CK technique, malware family, threat actor, free)
    tags: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When this server stored the row: TAXII's date_added (the max over a reader's visible
    # provenances of an indicator). Distinct per row within a process (``AddedClock``).
    added_at: Mapped[datetime] = mapped_column(default=next_added_at)


class Warninglist(Base):
    """MISP-style warninglist: values that must not be blocked (RFC 1918, public resolvers …)."""

    __tablename__ = "warninglists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    type: Mapped[str] = mapped_column(String(16))  # string | substring | hostname | cidr | regex
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    entries: Mapped[str] = mapped_column(Text)  # one value per line
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SightingKind(StrEnum):
    seen = "seen"
    false_positive = "false_positive"


class Sighting(Shared, Base):
    """An organisation saw an indicator (or reports it as a false positive).

    Shared upward: the reporting org, its ancestors and the CERTs see it; everyone else who sees the
    indicator (its publishers too) only counts.
    """

    __tablename__ = "sightings"
    __share_type__ = "sighting"
    __owner_index__ = False  # the unique (owner_org_id, idempotency_key) index serves both
    __table_args__ = (UniqueConstraint("owner_org_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default=SightingKind.seen)
    first_seen: Mapped[datetime] = mapped_column(index=True)
    last_seen: Mapped[datetime] = mapped_column()
    count: Mapped[int] = mapped_column(Integer, default=1)
    log_source: Mapped[str | None] = mapped_column(String(200))
    system: Mapped[str | None] = mapped_column(String(200))
    idempotency_key: Mapped[str] = mapped_column(byte_ordered(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
