"""Use cases of the indicator hub: import, search, detail, and the rows every export streams."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import ARRAY, ColumnElement, Integer, Select, any_, case, func, literal, or_, select, text
from sqlalchemy.orm import Session

from kommcert.config import Settings
from kommcert.db import utcnow
from kommcert.errors import NotFound
from kommcert.indicators import importing, readers
from kommcert.indicators.formats.records import ExportRow, IndicatorRecord, ValueRow
from kommcert.indicators.models import Indicator, Provenance, ReviewState
from kommcert.indicators.types import IndicatorType
from kommcert.reports.models import Report
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor
from kommcert.sharing.tlp import TLP

TLP_ORDER = [TLP.clear, TLP.green, TLP.amber, TLP.amber_strict, TLP.red]
_TLP_RANK = case({t.value: n for n, t in enumerate(TLP_ORDER)}, value=Report.tlp)


def import_file(db: Session, *, actor: Actor, settings: Settings, fmt: str, stream: IO[bytes], name: str,
                options: importing.ImportOptions, reader_options: dict[str, Any] | None = None
                ) -> importing.ImportResult:
    options.lifetimes = options.lifetimes or settings.ioc_lifetime_days
    options.source = name
    items = readers.read(fmt, stream, name=name, **(reader_options or {}))
    return importing.import_records(db, actor=actor, items=items, options=options)


def import_feed(db: Session, *, actor: Actor, settings: Settings, base: str, options: importing.ImportOptions,
                fetch: Any = None) -> importing.ImportResult:
    """A MISP feed (directory or URL with manifest.json), event by event, in one transaction."""
    from kommcert.indicators.formats import misp_feed

    options.lifetimes = options.lifetimes or settings.ioc_lifetime_days
    options.source = base
    return importing.import_records(db, actor=actor, items=misp_feed.read_feed(base, fetch=fetch), options=options)


def import_path(db: Session, *, actor: Actor, settings: Settings, fmt: str, path: str, name: str,
                options: importing.ImportOptions, reader_options: dict[str, Any] | None = None,
                parallel: bool = True, progress: Callable[[int], None] | None = None) -> importing.ImportResult:
    """Import a file on disk (CLI, jobs, benchmarks): read in a second process, write in this one.

    ``progress`` is called now and then with the number of values read so far."""
    options.lifetimes = options.lifetimes or settings.ioc_lifetime_days
    options.source = name
    if parallel:
        items = readers.read_path_parallel(fmt, path, name=name, **(reader_options or {}))
    else:
        items = readers.read(fmt, open(path, "rb"), name=name, **(reader_options or {}))  # noqa: SIM115
    if progress is not None:
        items = _counted(items, progress)
    return importing.import_records(db, actor=actor, items=items, options=options)


def _counted(items: Iterable[Any], progress: Callable[[int], None], every: int = 5000) -> Iterator[Any]:
    count = 0
    for item in items:
        if isinstance(item, IndicatorRecord):
            count += 1
            if count % every == 0:
                progress(count)
        yield item
    progress(count)


def visible_reports(actor: Actor) -> Select[Any]:
    """The reports whose indicators count for an actor, as a subquery: those they may see, less the
    withdrawn ones (a withdrawn report stays readable, but its provenances leave every search,
    export, feed and scan set)."""
    return policy.visible(select(Report.id).where(Report.withdrawn_at.is_(None)), Report, actor)


@dataclass
class IndicatorListItem:
    id: int
    type: str
    value: str
    tlp: TLP
    valid_until: Any
    warninglist: str | None
    review_state: str
    reports: int


def search(db: Session, *, actor: Actor, q: str | None = None, type: str | None = None,  # noqa: A002
           tag: str | None = None, tlp: TLP | None = None, source: str | None = None, seen: bool | None = None,
           expired: bool | None = None, limit: int = 100, before_id: int | None = None,
           after_id: int | None = None) -> list[IndicatorListItem]:
    """Newest first. ``before_id`` pages on to older values, ``after_id`` back to newer ones (the
    ``limit`` values just above it, still newest first)."""
    stmt = _search_stmt(actor, q=q, type=type, tag=tag, tlp=tlp, source=source, seen=seen, expired=expired)
    wanted = min(max(limit, 1), 1000)
    rows = _walk(db, stmt, wanted, before_id=before_id, after_id=after_id, narrow=_value_filter(q, type))
    return [IndicatorListItem(i, t, v, TLP_ORDER[rank], until, wl, review_state_for(actor, rs), n)
            for i, t, v, rank, until, wl, rs, n in rows]


def _search_stmt(actor: Actor, *, q: str | None, type: str | None, tag: str | None,  # noqa: A002
                 tlp: TLP | None, source: str | None, seen: bool | None, expired: bool | None) -> Select[Any]:
    now = utcnow()
    stmt = (select(Indicator.id, Indicator.type, Indicator.value, func.min(_TLP_RANK), func.max(Provenance.valid_until),
                   Indicator.warninglist, Indicator.review_state, func.count(Provenance.id))
            .join(Provenance, Provenance.indicator_id == Indicator.id)
            .join(Report, Report.id == Provenance.report_id)
            .where(Provenance.report_id.in_(visible_reports(actor)))
            .group_by(Indicator.id, Indicator.type, Indicator.value, Indicator.warninglist, Indicator.review_state))
    if q:
        stmt = stmt.where(Indicator.value.contains(q.strip().lower()[:200]))
    if type:
        stmt = stmt.where(Indicator.type == type)
    if tag:
        stmt = stmt.where(Provenance.tags.contains(tag.strip()[:100]))
    if tlp:
        stmt = stmt.where(Report.tlp == tlp)
    if source:
        stmt = stmt.where(Provenance.source.contains(source.strip()[:100]))
    if expired is True:
        stmt = stmt.having(func.max(Provenance.valid_until) <= now)
    elif expired is False:
        stmt = stmt.having(func.max(Provenance.valid_until) > now)
    if seen is not None:
        from kommcert.indicators.models import Sighting

        sighted = select(Sighting.indicator_id)
        stmt = stmt.where(Indicator.id.in_(sighted) if seen else Indicator.id.not_in(sighted))
    return stmt


def _value_filter(q: str | None, type: str | None) -> Select[Any] | None:  # noqa: A002
    """The indicator ids a search for part of a value can only come from (``None`` without ``q``)."""
    if not q:
        return None
    ids = select(Indicator.id).where(Indicator.value.contains(q.strip().lower()[:200]))
    return ids.where(Indicator.type == type) if type else ids


RARE = 50_000
SLICE = 250


def _matching_ids(db: Session, narrow: Select[Any] | None, *, below: int | None = None,
                  above: int | None = None) -> list[int] | None:
    """The ids a search for part of a value can still come from, nearest first (descending below
    ``below``, ascending above ``above``), when there are at most RARE of them; else None. PostgreSQL
    only, where a trigram index finds them without reading every value."""
    if narrow is None or db.get_bind().dialect.name != "postgresql":
        return None
    if below is not None:
        narrow = narrow.where(Indicator.id < below)
    if above is not None:
        narrow = narrow.where(Indicator.id > above)
    ids = list(db.scalars(narrow.limit(RARE + 1)))
    if len(ids) > RARE:
        return None
    return sorted(ids, reverse=above is None)


def _among(ids: list[int]) -> ColumnElement[bool]:
    return Indicator.id == any_(literal(ids, ARRAY(Integer)))


def _walk(db: Session, stmt: Select[Any], wanted: int, *, before_id: int | None = None,
          after_id: int | None = None, narrow: Select[Any] | None = None) -> list[Any]:
    """Up to ``wanted`` rows of ``stmt`` below ``before_id`` (or just above ``after_id``), newest first,
    one window of ids at a time: grouping a CERT's million visible provenances to show the first
    hundred took seconds; a window groups at most SEARCH_WINDOW of them.

    A search for part of a value (``narrow``) that the first window does not fill goes on with the
    matching ids themselves, SLICE at a time, where there are at most RARE of them: a rare string
    otherwise cost every window of a million values (25 ms each, half a second a search), while a
    common one fills the first window and never pays for finding all its matches."""
    first, last = _id_range(db)
    out: list[Any] = []
    upward = after_id is not None
    if upward:  # back towards the newest: walk up, nearest first, then turn round
        lo = max(after_id + 1, first)
        order = Indicator.id.asc()
    else:  # a before_id far above the newest id would walk empty windows up there (seconds)
        hi = min(before_id, last + 1) if before_id else last + 1
        order = Indicator.id.desc()
    windows = 0
    while len(out) < wanted and (lo <= last if upward else hi > first):
        if windows == 1:
            ids = _matching_ids(db, narrow, above=lo - 1) if upward else _matching_ids(db, narrow, below=hi)
            if ids is not None:
                for n in range(0, len(ids), SLICE):
                    out += db.execute(stmt.where(_among(ids[n:n + SLICE])).order_by(order)
                                      .limit(wanted - len(out))).all()
                    if len(out) >= wanted:
                        break
                break
        if upward:
            hi = min(lo + SEARCH_WINDOW, last + 1)
        else:
            lo = max(hi - SEARCH_WINDOW, first)
        out += db.execute(stmt.where(Indicator.id >= lo, Indicator.id < hi).order_by(order)
                          .limit(wanted - len(out))).all()
        windows += 1
        if upward:
            lo = hi
        else:
            hi = lo
    return out[::-1] if upward else out


def _count(db: Session, stmt: Select[Any], cap: int, *, above: int | None = None,
           narrow: Select[Any] | None = None) -> int:
    """How many rows ``stmt`` has (with ``above``: with an id above it), counting at most ``cap``
    + 1: the same id windows as the search, each count itself cut at what is still missing."""
    ids = _matching_ids(db, narrow, above=above)
    if ids is not None:
        return db.execute(select(func.count()).select_from(stmt.where(_among(ids)).limit(cap + 1).subquery())
                          ).scalar_one()
    first, last = _id_range(db)
    lo = max(first, above + 1) if above is not None else first
    counted = 0
    while lo <= last and counted <= cap:
        hi = min(lo + SEARCH_WINDOW, last + 1)
        window = stmt.where(Indicator.id >= lo, Indicator.id < hi).limit(cap + 1 - counted).subquery()
        counted += db.execute(select(func.count()).select_from(window)).scalar_one()
        lo = hi
    return counted


@dataclass
class SearchPage:
    """One page of the indicator list. ``total`` is exact up to ``COUNT_CAP``; beyond it
    ``total_capped`` says "more than COUNT_CAP" (counting a CERT's million values costs seconds)."""

    items: list[IndicatorListItem]
    total: int
    total_capped: bool
    position: int | None  # 1-based number of the first item, when known exactly
    older: int | None  # before_id of the next (older) page, if there is one
    newer: int | None  # after_id of the previous (newer) page, if there is one


COUNT_CAP = 10_000


def search_page(db: Session, *, actor: Actor, size: int = 200, before_id: int | None = None,
                after_id: int | None = None, **filters: Any) -> SearchPage:
    """A page of :func:`search` with what paging needs: whether newer and older values exist, and the total."""
    filters = {**dict.fromkeys(("q", "type", "tag", "tlp", "source", "seen", "expired")), **filters}
    stmt = _search_stmt(actor, **filters)
    narrow = _value_filter(filters["q"], filters["type"])
    size = min(max(size, 1), 1000)
    rows = _walk(db, stmt, size + 1, before_id=before_id, after_id=after_id, narrow=narrow)
    if after_id is not None:  # the extra row is the newest one: it says whether there is a page above
        rows, more_older = rows[-size:], True  # after_id came from the first row of an older page
    else:
        more_older, rows = len(rows) > size, rows[:size]
    items = [IndicatorListItem(i, t, v, TLP_ORDER[rank], until, wl, review_state_for(actor, rs), n)
             for i, t, v, rank, until, wl, rs, n in rows]
    if not items:  # paged past the end (or the start)
        return SearchPage([], 0, False, None, older=None, newer=None)
    total = _count(db, stmt, COUNT_CAP, narrow=narrow)
    above = _count(db, stmt, COUNT_CAP, above=items[0].id, narrow=narrow) \
        if before_id is not None or after_id is not None else 0
    position = above + 1 if above <= COUNT_CAP else None
    return SearchPage(items, min(total, COUNT_CAP), total > COUNT_CAP, position,
                      older=items[-1].id if more_older else None, newer=items[0].id if above else None)


SEARCH_WINDOW = 50_000


def _id_range(db: Session) -> tuple[int, int]:
    """Lowest and highest indicator id (1, 0 when empty): id windows walk only this range, not up from 0
    (ids of rolled-back imports are never reused, so the range can start far above 1)."""
    first, last = db.execute(select(func.min(Indicator.id), func.max(Indicator.id))).one()
    return (first or 1), (last or 0)


def review_state_for(actor: Actor, state: str) -> str:
    """The review state as the actor may know it. A CERT's verdict (false positive, confirmed) is
    Land-wide: it decides every blocking export, so everyone who sees the value sees it. "Needs
    review" comes from other organisations' false-positive sightings, which only the CERTs see: for
    everyone else it would tell that others hold the value."""
    if state == ReviewState.needs_review and not actor.is_cert:
        return ReviewState.none.value
    return str(state)


@dataclass
class IndicatorDetail:
    indicator: Indicator
    provenances: list[tuple[Provenance, Report]]
    review_state: str = ReviewState.none.value


def get_indicator(db: Session, *, actor: Actor, indicator_id: int) -> IndicatorDetail:
    rows = db.execute(
        select(Provenance, Report).join(Report, Report.id == Provenance.report_id)
        # Withdrawn reports too: the detail shows them, marked, so their own page's links still work.
        .where(Provenance.indicator_id == indicator_id,
               Provenance.report_id.in_(policy.visible(select(Report.id), Report, actor)))
        .order_by(Provenance.created_at)
    ).all()
    if not rows:  # unknown, or known only through reports the actor may not see
        raise NotFound()
    indicator = db.get(Indicator, indicator_id)
    return IndicatorDetail(indicator, [(p, r) for p, r in rows],  # type: ignore[arg-type]
                           review_state_for(actor, indicator.review_state))  # type: ignore[union-attr]


@dataclass(frozen=True)
class FeedState:
    """What every export is built from, read once and shared by all readers (see :func:`feed_state`)."""

    landwide: str  # analysts' verdicts and warninglists: the same for every reader
    reports: dict[int, tuple[int, int]]  # report id -> (highest provenance id, provenance count)


def _landwide(db: Session) -> str:
    from kommcert.indicators.models import Warninglist

    verdicts = db.execute(select(func.count(Indicator.id), func.max(Indicator.updated_at)).where(
        or_(Indicator.warninglist_override.is_(True), Indicator.review_state == ReviewState.false_positive))).one()
    lists = db.execute(select(func.count(Warninglist.id), func.max(Warninglist.updated_at))).one()
    return f"{verdicts[0]}:{verdicts[1]}:{lists[0]}:{lists[1]}"


def feed_probe(db: Session) -> tuple:
    """A cheap fingerprint of what :func:`feed_state` reads: the Land-wide verdicts and lists, and the
    count, sum and maximum of the provenance ids (one pass over their primary key, no grouping). The
    per-report counts can only change with it: provenances are inserted (count and sum grow, also when
    a long import commits lower ids after a short one committed higher ones) or deleted with their
    report (count and sum shrink); their other columns are not part of the state. Take it *before*
    computing the state it stands for, so that the state is never older than its probe."""
    count, total, top = db.execute(select(func.count(Provenance.id), func.coalesce(func.sum(Provenance.id), 0),
                                          func.coalesce(func.max(Provenance.id), 0))).one()
    return _landwide(db), int(count), int(total), int(top)


def feed_state(db: Session, *, probe: tuple | None = None) -> FeedState:
    """The data state behind the feeds' ETags. A reader's tag is made from it by
    :func:`reader_feed_state` over the reports that reader may see, so it changes when their feed
    could change, and never because of a report they may not see. ``probe`` (:func:`feed_probe`, taken
    just before) saves reading the Land-wide part twice."""
    landwide = probe[0] if probe is not None else _landwide(db)
    if db.get_bind().dialect.name == "postgresql":
        # One core, not all: a parallel scan of a million provenances took every core of the server
        # for 0.1-0.3 s every few seconds, and every poll in flight waited (the load benchmark's
        # 304 p99). On one core it takes twice as long, while the other cores keep answering.
        db.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    reports = {rid: (top, n) for rid, top, n in db.execute(
        select(Provenance.report_id, func.max(Provenance.id), func.count(Provenance.id))
        .group_by(Provenance.report_id))}
    return FeedState(landwide, reports)


def reader_feed_state(db: Session, *, actor: Actor, state: FeedState) -> str:
    """A digest of everything an actor's exports are made of: the reports they may see (with their
    TLP, last change and provenances) and the Land-wide verdicts. Exports also change as indicators
    expire, so callers add the hour."""
    digest = hashlib.sha256(state.landwide.encode())
    rows = db.execute(policy.visible(select(Report.id, Report.tlp, Report.updated_at), Report, actor)
                      .where(Report.withdrawn_at.is_(None)).order_by(Report.id))
    for report_id, tlp, updated in rows:
        stats = state.reports.get(report_id)
        if stats is not None:
            digest.update(f"{report_id}:{tlp}:{updated}:{stats[0]}:{stats[1]};".encode())
    return digest.hexdigest()


def export_rows(db: Session, *, actor: Actor, blocking: bool = True, types: Sequence[IndicatorType] | None = None,
                batch: int = 5000, report_id: int | None = None, lean: bool = False) -> Iterator[ExportRow | ValueRow]:
    """Every indicator the actor may see, once, with the least restrictive TLP it is visible under.

    Every field of a row comes from the provenances *at that TLP* only (title, description, tags,
    validity, confidence, times): a value that one report carries under TLP:RED and another under
    TLP:GREEN is exported as GREEN with the GREEN report's fields, never with RED text under a GREEN
    marking. ``blocking`` leaves out what must not be blocked: expired provenances, warninglisted
    values (unless an analyst overrode), confirmed false positives, and provenances not meant for
    detection. ``lean`` gives ``ValueRow``s (id, type, value, TLP) for the lists appliances poll:
    reading and converting dates, UUIDs and texts was most of their time. Streams in id order,
    window by window, so memory stays flat for a million rows.
    """
    now = utcnow()
    # Walk only the ids the reader's provenances span: a Gemeinde that sees 100,000 of a million
    # values walked all million ids (3 s on PostgreSQL; 0.3 s this way).
    span = select(func.min(Provenance.indicator_id), func.max(Provenance.indicator_id)).where(
        Provenance.report_id.in_(visible_reports(actor)))
    if report_id is not None:
        span = span.where(Provenance.report_id == report_id)
    first, top = db.execute(span).one()
    if first is None:
        return
    # Fixed id windows, not "LIMIT after the last id": each window is one index range scan, so
    # the cost stays linear however many indicators there are (keyset + GROUP BY was quadratic).
    for low in range(first - 1, top, batch):
        window = (Provenance.indicator_id > low, Provenance.indicator_id <= low + batch)
        if lean:
            columns: tuple[Any, ...] = (Indicator.id, Indicator.type, Indicator.value, func.min(_TLP_RANK))
            stmt = _export_stmt(columns, actor, window, blocking, types, report_id, now).group_by(
                Indicator.id, Indicator.type, Indicator.value).order_by(Indicator.id)
            yield from (ValueRow(ind_id, _TYPES[kind], value, TLP_ORDER[rank])
                        for ind_id, kind, value, rank in db.execute(stmt))
            continue
        # One row per visible provenance, best TLP first; grouped here so that each field can be
        # taken from the provenances at the row's marking alone.
        columns = (Indicator.id, Indicator.type, Indicator.value, _TLP_RANK, Indicator.uuid, Indicator.updated_at,
                   Provenance.valid_from, Provenance.valid_until, Provenance.confidence, Provenance.tags,
                   Provenance.report_id, Provenance.comment, Provenance.created_at)
        stmt = _export_stmt(columns, actor, window, blocking, types, report_id, now).order_by(
            Indicator.id, _TLP_RANK, Provenance.report_id)
        groups: list[list[Any]] = []
        current = None
        for row in db.execute(stmt):
            if row[0] != current:
                current, group = row[0], [row]
                groups.append(group)
            elif row[3] == group[0][3]:  # at the best TLP too; worse ones are left out
                group.append(row)
        if not groups:
            continue
        reports = {rid: (title, str(uuid_)) for rid, title, uuid_ in db.execute(
            select(Report.id, Report.title, Report.uuid).where(Report.id.in_({g[0][10] for g in groups})))}
        for group in groups:
            yield _export_row(group, reports)


def _export_stmt(columns: tuple[Any, ...], actor: Actor, window: tuple[Any, ...], blocking: bool,
                 types: Sequence[IndicatorType] | None, report_id: int | None, now: Any) -> Select[Any]:
    stmt = (select(*columns).select_from(Provenance)
            .join(Indicator, Indicator.id == Provenance.indicator_id)
            .join(Report, Report.id == Provenance.report_id)
            .where(Provenance.report_id.in_(visible_reports(actor)), *window))
    if blocking:
        stmt = stmt.where(*_blocking_filter(now))
    if types:
        stmt = stmt.where(Indicator.type.in_([t.value for t in types]))
    if report_id is not None:  # one report's view (MISP events)
        stmt = stmt.where(Provenance.report_id == report_id)
    return stmt


def _blocking_filter(now: Any) -> tuple[Any, ...]:
    """What a blocking export leaves out: expired provenances, warninglisted values (unless an
    analyst overrode), confirmed false positives, provenances not meant for detection."""
    return (Provenance.block.is_(True), or_(Provenance.valid_until.is_(None), Provenance.valid_until > now),
            or_(Indicator.warninglist.is_(None), Indicator.warninglist_override.is_(True)),
            Indicator.review_state != ReviewState.false_positive)


def _export_row(group: list[Any], reports: dict[int, tuple[str, str]]) -> ExportRow:
    """One indicator from its provenances at the best visible TLP (ordered by report id)."""
    if len(group) == 1:  # most values have one source: no merging
        ind_id, kind, value, rank, uuid_, updated, valid_from, valid_until, confidence, tags, rep_id, comment, \
            created = group[0]
        title, rep_uuid = reports[rep_id]
        return ExportRow(
            id=ind_id, uuid=str(uuid_), type=_TYPES[kind], value=value, tlp=TLP_ORDER[rank], created=created,
            modified=max(updated, created), valid_from=valid_from, valid_until=valid_until, confidence=confidence,
            tags=tuple(t for t in tags.split("\n") if t) if tags else (), report_uuid=rep_uuid, report_title=title,
            comment=comment or None)
    ind_id, kind, value, rank, uuid_, updated = group[0][:6]
    title, rep_uuid = reports[group[0][10]]
    untils = [r[7] for r in group]
    confidences = [r[8] for r in group if r[8] is not None]
    tags: dict[str, None] = {}
    for r in group:
        tags.update(dict.fromkeys(t for t in (r[9] or "").split("\n") if t))
    created = min(r[12] for r in group)
    return ExportRow(
        id=ind_id, uuid=str(uuid_), type=_TYPES[kind], value=value, tlp=TLP_ORDER[rank],
        # "created" is when the reader's first source at this marking arrived, not when anybody
        # first reported the value. A new source changes what the reader gets (validity,
        # confidence): a new STIX version. Analysts' verdicts (updated_at) are Land-wide.
        created=created, modified=max(updated, max(r[12] for r in group)),
        valid_from=min(r[6] for r in group), valid_until=None if None in untils else max(untils),
        confidence=max(confidences) if confidences else None, tags=tuple(tags),
        report_uuid=rep_uuid, report_title=title, comment=next((r[11] for r in group if r[11]), None),
    )


_TYPES = {t.value: t for t in IndicatorType}


def curate(db: Session, *, actor: Actor, indicator_id: int, warninglist_override: bool | None = None,
           review_state: str | None = None) -> Indicator:
    """CERT analysts decide on warninglist hits and false-positive reviews."""
    from kommcert.audit import events
    from kommcert.audit import service as audit_service
    from kommcert.audit.events import AuditEvent
    from kommcert.errors import PermissionDenied

    detail = get_indicator(db, actor=actor, indicator_id=indicator_id)  # 404 for the unseen
    if not (actor.is_cert and actor.can_write and actor.role in ("admin", "analyst")):
        raise PermissionDenied("Nur Analysten der CERTs kuratieren Indikatoren.",
                               "Only CERT analysts curate indicators.")
    indicator = detail.indicator
    if warninglist_override is not None:
        indicator.warninglist_override = warninglist_override
    if review_state is not None:
        indicator.review_state = ReviewState(review_state)
    db.flush()
    audit_service.record(db, AuditEvent(events.SHARED, actor_user_id=actor.user_id, org_id=actor.org_id,
                                        object_type="indicator", object_id=indicator.id,
                                        detail={"override": warninglist_override, "review_state": review_state}))
    return indicator


ORG_NAMESPACE = uuid.UUID("9b2f3c1e-6d0a-5b7c-8e4f-1a2b3c4d5e6f")


def misp_events(db: Session, *, actor: Actor, report_uuid: str | None = None) -> Iterator[Any]:
    """Every visible report that carries blocking indicators, as a MISP feed event (rows stream lazily)."""
    from kommcert.indicators.formats.misp_feed import FeedEvent
    from kommcert.orgs.models import Organization

    # Only reports with something left to block: an event whose indicators have all expired (or
    # are warninglisted, or false positives) would be an empty event in every TIP that pulls the feed.
    blockable = (select(Provenance.report_id).join(Indicator, Indicator.id == Provenance.indicator_id)
                 .where(*_blocking_filter(utcnow())))
    stmt = (select(Report, Organization).join(Organization, Organization.id == Report.owner_org_id)
            .where(Report.id.in_(visible_reports(actor)), Report.id.in_(blockable))
            .order_by(Report.id))
    if report_uuid is not None:
        try:
            stmt = stmt.where(Report.uuid == uuid.UUID(report_uuid))
        except ValueError:
            return
    for report, owner in db.execute(stmt).all():
        yield FeedEvent(uuid=str(report.uuid), info=report.title, date=report.created_at.date(), tlp=TLP(report.tlp),
                        org_name=owner.name, org_uuid=str(uuid.uuid5(ORG_NAMESPACE, owner.key)),
                        timestamp=report.updated_at,
                        rows=export_rows(db, actor=actor, blocking=True, report_id=report.id))


def report_indicators(db: Session, *, report_id: int, limit: int = 500) -> list[tuple[Indicator, Provenance]]:
    """The indicators a report carries (the caller has fetched the report through the policy)."""
    return [tuple(r) for r in db.execute(  # type: ignore[misc]
        select(Indicator, Provenance).join(Provenance, Provenance.indicator_id == Indicator.id)
        .where(Provenance.report_id == report_id).order_by(Indicator.type, Indicator.value).limit(limit))]
