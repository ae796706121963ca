"""Sightings: organisations report what they saw; the Land sees the picture.

A sighting travels upward (``upward=True``, TLP:AMBER, no addressed organisations): the reporting org,
its ancestors and the CERTs see it, with names, log source and system. Everybody else who may see the
indicator gets the counts only ("seen by 4 organisations in 2 Kreise") — also the organisations that
published it: anyone can become a publisher by importing a value, so publishing grants no details.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import Session

from kommcert import bulk
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, PermissionDenied
from kommcert.indicators import importing
from kommcert.indicators.models import Indicator, Provenance, ReviewState, Sighting, SightingKind
from kommcert.indicators.normalize import InvalidIndicator, normalize
from kommcert.orgs.models import OrgAncestry, Organization, OrgKind
from kommcert.reports.models import Report
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor
from kommcert.sharing.tlp import TLP

MAX_BATCH = 10_000
KREIS_KINDS = (OrgKind.kreis, OrgKind.kreisfreie_stadt)


@dataclass
class SightingIn:
    key: str  # the client's idempotency key: a retry with the same key changes nothing
    indicator_id: int | None = None
    type: str | None = None
    value: str | None = None
    kind: SightingKind = SightingKind.seen
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    count: int = 1
    log_source: str | None = None
    system: str | None = None


@dataclass
class SightingResult:
    created: int = 0
    duplicates: int = 0
    unknown: list[str] = field(default_factory=list)  # keys whose indicator the reporter cannot see


def _resolve(db: Session, items: Sequence[SightingIn], owners: dict[int, int]) -> dict[str, int]:
    """Map keys to indicator ids the reporter may see; anything else is "unknown" (no leak)."""
    by_value: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_id: dict[int, list[str]] = defaultdict(list)
    for item in items:
        if item.indicator_id is not None:
            by_id[item.indicator_id].append(item.key)
        elif item.type and item.value:
            try:
                kind, value = normalize(item.type, item.value)
            except (InvalidIndicator, ValueError):
                continue
            by_value[(kind.value, value)].append(item.key)
    found: dict[str, int] = {}
    known = importing.indicator_ids(db, set(by_value))
    pairs = _provenance_reports(db, set(known.values()) | set(by_id))
    visible = {ind for ind, rep in pairs if rep in owners}
    for pair, ind_id in known.items():
        if ind_id in visible:
            for key in by_value[pair]:
                found[key] = ind_id
    for ind_id, keys in by_id.items():
        if ind_id in visible:
            for key in keys:
                found[key] = ind_id
    return found


def _visible_report_owners(db: Session, actor: Actor) -> dict[int, int]:
    """Visible report id -> owner org. Few (thousands), so later filters run in Python and the
    provenance lookups go by indicator id alone (planners pick the wrong index otherwise)."""
    return dict(db.execute(policy.visible(select(Report.id, Report.owner_org_id), Report, actor)).all())


def _provenance_reports(db: Session, ids: set[int]) -> list[tuple[int, int]]:
    wanted = list(ids)
    pairs: list[tuple[int, int]] = []
    for start in range(0, len(wanted), 1000):
        pairs += db.execute(select(Provenance.indicator_id, Provenance.report_id)
                            .where(Provenance.indicator_id.in_(wanted[start:start + 1000]))).all()
    return pairs


_STAGE_NAME = "_kc_sighting_stage"
_COLUMNS = ("indicator_id", "kind", "first_seen", "last_seen", "count", "log_source", "system", "idempotency_key",
            "owner_org_id", "created_by_id", "tlp", "upward", "created_at")
_STAGE = bulk.Stage(_STAGE_NAME, f"SELECT {', '.join(_COLUMNS)} FROM sightings WHERE 1 = 0", _COLUMNS)  # noqa: S608


def record_sightings(db: Session, *, actor: Actor, items: Sequence[SightingIn], fp_threshold: int = 2
                     ) -> SightingResult:
    if not actor.can_write or actor.org_id is None:
        raise PermissionDenied("Dieser Zugang darf keine Sichtungen melden.",
                               "This credential may not report sightings.")
    if len(items) > MAX_BATCH:
        raise InvalidInput(f"Höchstens {MAX_BATCH} Sichtungen je Anfrage.",
                           f"At most {MAX_BATCH} sightings per request.")
    if db.get_bind().dialect.name == "postgresql":
        # Index lookups by id, whatever the planner's statistics say about freshly loaded tables.
        db.execute(text("SET LOCAL enable_seqscan = off"))
        db.execute(text("SET LOCAL enable_bitmapscan = off"))  # not the trigram index: see importing
    keys = [i.key for i in items]
    if len(set(keys)) != len(keys) or any(not k or len(k) > 120 for k in keys):
        raise InvalidInput("Jede Sichtung braucht einen eigenen Schlüssel (höchstens 120 Zeichen).",
                           "Every sighting needs its own key (at most 120 characters).")
    result = SightingResult()
    owners = _visible_report_owners(db, actor)
    resolved = _resolve(db, items, owners)
    result.unknown = [i.key for i in items if i.key not in resolved]
    now = utcnow()
    rows = []
    for item in items:
        if item.key not in resolved:
            continue
        first = item.first_seen or item.last_seen or now
        rows.append((
            resolved[item.key], SightingKind(item.kind).value, first, max(item.last_seen or first, first),
            max(1, min(item.count, 10**9)), (item.log_source or None) and item.log_source[:200],
            (item.system or None) and item.system[:200], item.key, actor.org_id, actor.user_id, TLP.amber.value,
            True, now,
        ))
    if not rows:
        return result
    # The unique (owner, key) index decides what is new: no lookup first (with a freshly analysed,
    # small table PostgreSQL checked 1,000 keys by scanning all of the org's sightings).
    bulk.stage_rows(db, _STAGE, rows)
    created = db.execute(text(
        f"INSERT INTO sightings ({', '.join(_COLUMNS)}) SELECT {', '.join(_COLUMNS)} FROM {_STAGE_NAME} "  # noqa: S608
        "WHERE 1 = 1 ON CONFLICT (owner_org_id, idempotency_key) DO NOTHING RETURNING id, indicator_id, kind")).all()
    result.created, result.duplicates = len(created), len(rows) - len(created)
    fp_indicators = {ind for _, ind, kind in created if kind == SightingKind.false_positive}
    if fp_indicators:
        _flag_for_review(db, fp_indicators, fp_threshold)
    audit_service.record(db, AuditEvent(events.SHARED, actor_user_id=actor.user_id, org_id=actor.org_id,
                                        object_type="sightings", detail={"created": result.created,
                                                                         "duplicates": result.duplicates}))
    return result


def _flag_for_review(db: Session, indicator_ids: set[int], threshold: int) -> None:
    counts = db.execute(select(Sighting.indicator_id, func.count(func.distinct(Sighting.owner_org_id)))
                        .where(Sighting.indicator_id.in_(indicator_ids), Sighting.kind == SightingKind.false_positive)
                        .group_by(Sighting.indicator_id)).all()
    due = [ind for ind, n in counts if n >= threshold]
    if due:
        db.execute(update(Indicator).where(Indicator.id.in_(due), Indicator.review_state == ReviewState.none)
                   .values(review_state=ReviewState.needs_review))


@dataclass
class SightingSummary:
    organisations: int
    kreise: int
    first_seen: datetime | None
    last_seen: datetime | None
    false_positives: int


def _kreis_of() -> object:
    """Subquery: org id -> the Kreis (or kreisfreie Stadt) above or at it."""
    return (select(OrgAncestry.org_id.label("org_id"), OrgAncestry.ancestor_id.label("kreis_id"))
            .join(Organization, Organization.id == OrgAncestry.ancestor_id)
            .where(Organization.kind.in_([k.value for k in KREIS_KINDS])).subquery())


def summary(db: Session, *, actor: Actor, indicator_id: int) -> SightingSummary:
    """Counts for everyone who may see the indicator (the caller checked that).

    They cover the sightings the actor may see in detail, and the others' sightings made since the
    actor could first see the indicator: before that the value was known only through reports the
    actor may not see, and counts from that time would tell them so (an importer would learn that
    "their" new value had been seen for weeks)."""
    since = db.scalar(select(func.min(Provenance.created_at)).where(
        Provenance.indicator_id == indicator_id,
        Provenance.report_id.in_(policy.visible(select(Report.id), Report, actor))))
    counted = policy.visibility_clause(Sighting, actor)
    if since is not None:
        counted = or_(counted, Sighting.created_at >= since)
    kreis = _kreis_of()
    row = db.execute(
        select(func.count(func.distinct(Sighting.owner_org_id)), func.count(func.distinct(kreis.c.kreis_id)),
               func.min(Sighting.first_seen), func.max(Sighting.last_seen),
               func.count(func.distinct(func.nullif(Sighting.kind, SightingKind.seen.value))))
        .outerjoin(kreis, kreis.c.org_id == Sighting.owner_org_id)
        .where(Sighting.indicator_id == indicator_id, counted)
    ).one()
    return SightingSummary(row[0], row[1], row[2], row[3], row[4])


def visible_sightings(db: Session, *, actor: Actor, indicator_id: int | None = None, limit: int = 200
                      ) -> Sequence[tuple[Sighting, Organization]]:
    stmt = (select(Sighting, Organization).join(Organization, Organization.id == Sighting.owner_org_id)
            .order_by(Sighting.last_seen.desc()).limit(limit))
    if indicator_id is not None:
        stmt = stmt.where(Sighting.indicator_id == indicator_id)
    return db.execute(policy.visible(stmt, Sighting, actor)).all()  # type: ignore[return-value]


def picture_by_kreis(db: Session, *, actor: Actor, since: datetime) -> list[tuple[str, int, int, datetime]]:
    """Per Kreis: sightings, distinct indicators, last seen — over the sightings the actor may see."""
    kreis = _kreis_of()
    name = select(Organization.id, Organization.name).subquery()
    stmt = (select(name.c.name, func.sum(Sighting.count), func.count(func.distinct(Sighting.indicator_id)),
                   func.max(Sighting.last_seen))
            .join(kreis, kreis.c.org_id == Sighting.owner_org_id)
            .join(name, name.c.id == kreis.c.kreis_id)
            .where(Sighting.last_seen >= since, Sighting.kind == SightingKind.seen)
            .group_by(name.c.name).order_by(func.sum(Sighting.count).desc()))
    return [tuple(r) for r in db.execute(policy.visible(stmt, Sighting, actor))]  # type: ignore[misc]


def picture_for_report(db: Session, *, actor: Actor, report_id: int) -> list[tuple[str, int, int, datetime]]:
    """Per Kreis: sightings of the report's indicators that the actor may see."""
    kreis = _kreis_of()
    name = select(Organization.id, Organization.name).subquery()
    in_report = select(Provenance.indicator_id).where(Provenance.report_id == report_id)
    stmt = (select(name.c.name, func.sum(Sighting.count), func.count(func.distinct(Sighting.indicator_id)),
                   func.max(Sighting.last_seen))
            .join(kreis, kreis.c.org_id == Sighting.owner_org_id)
            .join(name, name.c.id == kreis.c.kreis_id)
            .where(Sighting.indicator_id.in_(in_report), Sighting.kind == SightingKind.seen)
            .group_by(name.c.name).order_by(func.sum(Sighting.count).desc()))
    return [tuple(r) for r in db.execute(policy.visible(stmt, Sighting, actor))]  # type: ignore[misc]
