"""Pages of a collection's objects, its manifest and an object's versions (TAXII 2.1 § 5.3–5.8).

An object is one aggregated indicator as ``/feeds/stix`` gives it to the caller
(``indicators.service`` builds the row from the provenances at the least restrictive TLP the caller
may see, ``export_stix.indicator_object`` the STIX dict); its ``version`` is that object's
``modified``, its ``date_added`` the latest ``provenances.added_at`` among the caller's visible
(blocking-filtered) provenances of it in this collection. So an object moves to the end of the
collection when a new source adds to it, which is also when its ``modified`` changes.

**Paging** is a keyset over (added_at, provenance id), never OFFSET: a page seeks the caller's
provenances after the cursor in ``ix_provenances_added_at_id``, reads all visible provenances of the
indicators found, and emits an indicator only at its last visible provenance, until ``limit`` are out.
Every indicator has exactly one last provenance, so nothing is emitted twice, and any row after the
cursor means there is more. Page 1,000 costs what page 1 costs. We keep only the current version of
an aggregated object, so ``match[version]`` ``last``, ``first`` and ``all`` each give that one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, literal, select, text, tuple_
from sqlalchemy.orm import Session

from kommcert.indicators import service as indicators_service
from kommcert.indicators.formats import export_stix
from kommcert.indicators.models import Indicator, Provenance
from kommcert.sharing.actor import Actor
from kommcert.taxii import cursor
from kommcert.taxii.collections import Collection
from kommcert.taxii.errors import TaxiiError

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
SEEK_SLACK = 64  # rows read beyond ``limit`` per seek: a few provenances that are not their value's last

_STIX_ID = re.compile(r"^([a-z0-9][a-z0-9-]*[a-z0-9])--([0-9a-fA-F-]{36})$")
_SPEC_VERSION = re.compile(r"^\d+\.\d+$")
_TYPE = re.compile(r"^[a-z0-9][a-z0-9-]{0,249}$")
_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE)


def _bad(de: str, en: str) -> TaxiiError:
    return TaxiiError(400, de, en)


def parse_timestamp(text: str) -> datetime | None:
    """RFC 3339 with a zone (``Z`` or offset), any number of fractional digits (cut to microseconds)."""
    match = _TIMESTAMP.match(text.strip())
    if match is None:
        return None
    whole, fraction, zone = match.groups()
    fraction = (fraction or ".0")[:7]
    try:
        value = datetime.fromisoformat(f"{whole}{fraction}{'+00:00' if zone.upper() == 'Z' else zone}")
    except ValueError:
        return None
    return value.astimezone(UTC)


def taxii_time(value: datetime) -> str:
    """date_added and the headers: UTC with microseconds, so that consecutive rows differ."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _values(params: Any, name: str) -> list[str] | None:
    """All values of a (repeatable, comma-separated) query parameter; None if absent."""
    raw = params.getlist(name) if hasattr(params, "getlist") else ([params[name]] if name in params else [])
    if not raw:
        return None
    return [part.strip() for value in raw for part in value.split(",")]


@dataclass(frozen=True)
class Query:
    """What one request asks for, parsed and checked (a malformed value is a 400)."""

    limit: int = DEFAULT_LIMIT
    after: tuple[datetime, int] | None = None  # the position ``next`` names
    added_after: datetime | None = None
    ids: frozenset[uuid.UUID] | None = None  # match[id]; None: any
    versions: tuple[str, ...] = ("last",)  # match[version]
    nothing: bool = False  # a filter no object here can pass (another type or spec version)

    def wants(self, obj: dict[str, Any]) -> bool:
        """match[version] on the one version we keep: ``last``/``first``/``all``, or its timestamp."""
        if any(v in ("last", "first", "all") for v in self.versions):
            return True
        modified = parse_timestamp(str(obj["modified"]))
        return any(parse_timestamp(v) == modified for v in self.versions)


def parse_query(params: Mapping[str, Any], key: bytes, *, paged: bool = True) -> Query:
    limit = DEFAULT_LIMIT
    raw_limit = _values(params, "limit")
    if raw_limit is not None:
        if len(raw_limit) != 1 or not raw_limit[0].isdigit() or int(raw_limit[0]) < 1:
            raise _bad("„limit“ muss eine positive ganze Zahl sein.", "'limit' must be a positive integer.")
        limit = min(int(raw_limit[0][:9]), MAX_LIMIT)
    after = None
    raw_next = _values(params, "next")
    if raw_next is not None:
        if len(raw_next) != 1 or not raw_next[0] or len(raw_next[0]) > 200:
            raise _bad("„next“ ist kein Wert, den dieser Server ausgegeben hat.",
                       "'next' is not a value this server handed out.")
        after = cursor.decode(key, raw_next[0])
    added_after = None
    raw_added = _values(params, "added_after")
    if raw_added is not None:
        added_after = parse_timestamp(raw_added[0]) if len(raw_added) == 1 else None
        if added_after is None:
            raise _bad("„added_after“ ist kein Zeitpunkt nach RFC 3339 (z. B. 2026-01-31T12:00:00.000Z).",
                       "'added_after' is not an RFC 3339 timestamp (e.g. 2026-01-31T12:00:00.000Z).")
    nothing = False
    ids = None
    raw_ids = _values(params, "match[id]")
    if raw_ids is not None:
        found = set()
        for value in raw_ids:
            match = _STIX_ID.match(value)
            try:
                parsed = uuid.UUID(match.group(2)) if match else None
            except ValueError:
                parsed = None
            if parsed is None:
                raise _bad(f"„match[id]“: {value[:80]!r} ist keine STIX-ID.",
                           f"'match[id]': {value[:80]!r} is no STIX id.")
            if match.group(1) == "indicator":  # type: ignore[union-attr]
                found.add(parsed)
        ids = frozenset(found)
        nothing = nothing or not found
    raw_types = _values(params, "match[type]")
    if raw_types is not None:
        if not all(_TYPE.match(t) for t in raw_types):
            raise _bad("„match[type]“ nennt keinen STIX-Typ.", "'match[type]' names no STIX type.")
        nothing = nothing or "indicator" not in raw_types
    raw_specs = _values(params, "match[spec_version]")
    if raw_specs is not None:
        if not all(_SPEC_VERSION.match(v) for v in raw_specs):
            raise _bad("„match[spec_version]“ ist keine Version wie 2.1.",
                       "'match[spec_version]' is no version like 2.1.")
        nothing = nothing or "2.1" not in raw_specs
    versions: tuple[str, ...] = ("last",)
    raw_versions = _values(params, "match[version]")
    if raw_versions is not None:
        for value in raw_versions:
            if value not in ("last", "first", "all") and parse_timestamp(value) is None:
                raise _bad("„match[version]“ ist last, first, all oder ein Zeitpunkt.",
                           "'match[version]' is last, first, all or a timestamp.")
        versions = tuple(raw_versions)
    return Query(limit=limit if paged else MAX_LIMIT, after=after, added_after=added_after, ids=ids,
                 versions=versions, nothing=nothing)


@dataclass(frozen=True)
class Entry:
    obj: dict[str, Any]
    date_added: datetime

    def manifest(self) -> dict[str, Any]:
        from kommcert.taxii.media import STIX

        return {"id": self.obj["id"], "date_added": taxii_time(self.date_added), "version": self.obj["modified"],
                "media_type": STIX}


@dataclass(frozen=True)
class Page:
    entries: list[Entry]
    more: bool
    next: str | None

    def headers(self) -> dict[str, str]:
        if not self.entries:
            return {}
        return {"X-TAXII-Date-Added-First": taxii_time(self.entries[0].date_added),
                "X-TAXII-Date-Added-Last": taxii_time(self.entries[-1].date_added)}


class Reader:
    """One caller's view of one collection at one moment (``now`` decides what has expired)."""

    def __init__(self, db: Session, actor: Actor, collection: Collection, *, producer: str,
                 cursor_key: bytes) -> None:
        self.db, self.actor, self.collection = db, actor, collection
        self.created_by = export_stix.identity_id(producer)
        self.key = cursor_key
        self.now = datetime.now(UTC)
        self.reports = collection.reports(actor)

    def _custom_plans(self) -> None:
        """psycopg prepares a statement after five runs, and PostgreSQL then switches to its generic
        plan: for a page's IN-lists of ~1,000 ids that plan hash-joins every indicator (0.4 s → 13-15 s
        per 1,000 objects from about the tenth page of a 100k pull on, bench/taxii_bench.py). Custom
        plans for this transaction only."""
        if self.db.get_bind().dialect.name == "postgresql":
            self.db.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))

    def _filtered(self, stmt: Select[Any], query: Query) -> Select[Any]:
        """The caller's provenances in this collection, as the blocking feeds take them."""
        stmt = (stmt.select_from(Provenance).join(Indicator, Indicator.id == Provenance.indicator_id)
                .where(Provenance.report_id.in_(self.reports),
                       *indicators_service._blocking_filter(self.now)))  # noqa: SLF001 - the feeds' one rule
        if query.ids is not None:
            stmt = stmt.where(Indicator.uuid.in_(query.ids))
        return stmt

    def _seek(self, query: Query, position: tuple[datetime, int] | None, count: int) -> list[tuple[Any, ...]]:
        stmt = self._filtered(select(Provenance.added_at, Provenance.id, Provenance.indicator_id), query)
        if position is not None:
            stmt = stmt.where(tuple_(Provenance.added_at, Provenance.id) > tuple_(
                literal(position[0], Provenance.added_at.type), literal(position[1], Provenance.id.type)))
        if query.added_after is not None:
            stmt = stmt.where(Provenance.added_at > query.added_after)
        return [tuple(r) for r in self.db.execute(stmt.order_by(Provenance.added_at, Provenance.id).limit(count))]

    def _last_keys(self, query: Query, indicator_ids: set[int]) -> dict[int, tuple[datetime, int]]:
        """Each indicator's last visible provenance: (added_at, id)."""
        last: dict[int, tuple[datetime, int]] = {}
        stmt = self._filtered(select(Provenance.indicator_id, Provenance.added_at, Provenance.id), query).where(
            Provenance.indicator_id.in_(sorted(indicator_ids)))
        for ind, added, row_id in self.db.execute(stmt):
            key = (added, row_id)
            if ind not in last or key > last[ind]:
                last[ind] = key
        return last

    def _objects(self, indicator_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The STIX objects of these indicators as ``/feeds/stix`` makes them for the caller, from the
        provenances of this collection: ``indicators.service``'s statement and row builder, grouped as
        ``export_rows`` groups them (one row per visible provenance, best TLP first)."""
        if not indicator_ids:
            return {}
        from kommcert.indicators.service import _TLP_RANK, _export_row, _export_stmt
        from kommcert.reports.models import Report

        columns = (Indicator.id, Indicator.type, Indicator.value, _TLP_RANK, Indicator.uuid, Indicator.updated_at,
                   Provenance.valid_from, Provenance.valid_until, Provenance.confidence, Provenance.tags,
                   Provenance.report_id, Provenance.comment, Provenance.created_at)
        window = (Provenance.indicator_id.in_(sorted(indicator_ids)), Provenance.report_id.in_(self.reports))
        stmt = _export_stmt(columns, self.actor, window, True, None, None, self.now).order_by(
            Indicator.id, _TLP_RANK, Provenance.report_id)
        groups: list[list[Any]] = []
        current = None
        for row in self.db.execute(stmt):
            if row[0] != current:
                current, group = row[0], [row]
                groups.append(group)
            elif row[3] == group[0][3]:  # at the best TLP too; worse ones are left out
                group.append(row)
        reports = {rid: (title, str(uuid_)) for rid, title, uuid_ in self.db.execute(
            select(Report.id, Report.title, Report.uuid).where(Report.id.in_({g[0][10] for g in groups})))}
        out = {}
        for group in groups:
            obj = export_stix.indicator_object(_export_row(group, reports), self.created_by)
            if obj is not None:  # an empty validity window: never matches, not valid STIX
                out[group[0][0]] = obj
        return out

    def page(self, query: Query) -> Page:
        if query.nothing:
            return Page([], False, None)
        self._custom_plans()
        limit = query.limit
        chosen: list[tuple[datetime, int, int]] = []
        position, more = query.after, False
        chunk = limit + SEEK_SLACK
        while True:
            rows = self._seek(query, position, chunk)
            if not rows:
                break
            last = self._last_keys(query, {r[2] for r in rows})
            for added, row_id, ind in rows:
                if len(chosen) == limit:
                    more = True  # a row after the last one given: its value's last row is later still
                    break
                position = (added, row_id)
                if last.get(ind) == position:
                    chosen.append((added, row_id, ind))
            if more or len(rows) < chunk:
                break
        objects = self._objects([c[2] for c in chosen])
        entries = [Entry(objects[ind], added) for added, _, ind in chosen
                   if ind in objects and query.wants(objects[ind])]
        next_text = cursor.encode(self.key, chosen[-1][0], chosen[-1][1]) if more and chosen else None
        return Page(entries, more, next_text)

    def one(self, object_id: str, query: Query) -> Entry:
        """One object by its STIX id; 404 for an id the caller does not see here (as for no such id)."""
        match = _STIX_ID.match(object_id)
        try:
            wanted = uuid.UUID(match.group(2)) if match and match.group(1) == "indicator" else None
        except ValueError:
            wanted = None
        if wanted is None:
            raise _not_found()
        self._custom_plans()
        ids = self.db.scalars(select(Indicator.id).where(Indicator.uuid == wanted)).all()
        narrowed = Query(ids=frozenset({wanted}), added_after=query.added_after, versions=query.versions)
        last = self._last_keys(narrowed, set(ids)) if ids else {}
        objects = self._objects(sorted(last))
        for ind, (added, _row) in sorted(last.items(), key=lambda kv: kv[1]):
            obj = objects.get(ind)
            if obj is not None:
                return Entry(obj, added)
        raise _not_found()


def _not_found() -> TaxiiError:
    return TaxiiError(404, "Objekt nicht gefunden.", "Object not found.")
