"""The Lagebild: sightings over time, per area with drill-down (Land → Kreis → VG → Gemeinde), the
newest and the most-sighted indicators, the newest sightings.

Every number comes from the sightings the reader may see (``policy.visible`` on ``Sighting``), so
nothing hidden from the reader moves a count. A sighting the reader may see can be of an indicator
the reader may not see (a Gemeinde saw a value from a report addressed to it alone): such rows keep
their counts and lose type and value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from kommcert.indicators import service as indicators_service
from kommcert.indicators.models import Indicator, Provenance, Sighting, SightingKind
from kommcert.orgs.models import OrgAncestry, Organization, OrgKind
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor

TOP = 10
UTC_ZONE = ZoneInfo("UTC")


@dataclass(frozen=True)
class Shown:
    """An indicator as the reader may see it: ``value`` None when hidden."""

    id: int
    type: str | None
    value: str | None


@dataclass(frozen=True)
class AreaRow:
    org_id: int
    name: str
    kind: str
    sightings: int
    indicators: int
    organisations: int
    last_seen: datetime
    own: bool  # sightings of the area organisation itself, not of one below it
    has_children: bool


@dataclass(frozen=True)
class TopRow:
    indicator: Shown
    sightings: int
    organisations: int
    last_seen: datetime


@dataclass(frozen=True)
class RecentRow:
    org_id: int
    org_name: str
    indicator: Shown
    last_seen: datetime
    count: int


def _seen(actor: Actor, since: datetime, area_id: int | None) -> Select:
    """The sightings counted: seen (not false positives), last seen in the period, in the area,
    and visible to the reader."""
    stmt = select(Sighting.id).where(Sighting.kind == SightingKind.seen, Sighting.last_seen >= since)
    if area_id is not None:
        stmt = stmt.where(Sighting.owner_org_id.in_(
            select(OrgAncestry.org_id).where(OrgAncestry.ancestor_id == area_id)))
    return policy.visible(stmt, Sighting, actor)


def shown_indicators(db: Session, *, actor: Actor, ids: set[int]) -> dict[int, Shown]:
    """Type and value of those ``ids`` the reader may see (a report of theirs carries them)."""
    out = {i: Shown(i, None, None) for i in ids}
    wanted = list(ids)
    for start in range(0, len(wanted), 1000):
        rows = db.execute(select(Indicator.id, Indicator.type, Indicator.value).where(
            Indicator.id.in_(wanted[start:start + 1000]),
            select(Provenance.id).where(Provenance.indicator_id == Indicator.id,
                                        Provenance.report_id.in_(indicators_service.visible_reports(actor)))
            .exists())).all()
        out.update({i: Shown(i, t, v) for i, t, v in rows})
    return out


def root_area(db: Session) -> int | None:
    """The Land: the one organisation without a parent (None if there are several or none); peer
    instances stand beside the tree and do not count."""
    roots = db.scalars(select(Organization.id).where(Organization.parent_id.is_(None),
                                                     Organization.kind != OrgKind.peer.value).limit(2)).all()
    return roots[0] if len(roots) == 1 else None


def area_path(db: Session, *, area_id: int | None) -> list[Organization]:
    """The area and its ancestors, the root first (the breadcrumbs of the drill-down)."""
    if area_id is None:
        return []
    rows = db.execute(select(Organization).join(OrgAncestry, OrgAncestry.ancestor_id == Organization.id)
                      .where(OrgAncestry.org_id == area_id).order_by(OrgAncestry.depth.desc())).scalars()
    return list(rows)


def by_area(db: Session, *, actor: Actor, since: datetime, area_id: int | None) -> list[AreaRow]:
    """One row per organisation directly below the area, over the sightings in its subtree, and one
    for the area's own sightings; sorted by sightings, most first."""
    if area_id is None:
        return []
    seen = _seen(actor, since, area_id).subquery()
    child = aliased(Organization)
    counted = (select(child.id.label("area"), Sighting.id.label("sid"))
               .join(OrgAncestry, OrgAncestry.ancestor_id == child.id)
               .join(Sighting, Sighting.owner_org_id == OrgAncestry.org_id)
               .where(child.parent_id == area_id, Sighting.id.in_(select(seen.c.id)))).subquery()
    stmt = (select(counted.c.area, func.sum(Sighting.count), func.count(func.distinct(Sighting.indicator_id)),
                   func.count(func.distinct(Sighting.owner_org_id)), func.max(Sighting.last_seen))
            .join(Sighting, Sighting.id == counted.c.sid).group_by(counted.c.area))
    rows = list(db.execute(stmt).all())
    own = list(db.execute(
        select(func.sum(Sighting.count), func.count(func.distinct(Sighting.indicator_id)),
               func.count(func.distinct(Sighting.owner_org_id)), func.max(Sighting.last_seen))
        .where(Sighting.owner_org_id == area_id, Sighting.id.in_(select(seen.c.id)))).all())
    ids = {r[0] for r in rows} | {area_id}
    orgs = {o.id: o for o in db.scalars(select(Organization).where(Organization.id.in_(ids)))}
    with_children = set(db.scalars(select(Organization.parent_id).where(Organization.parent_id.in_(ids))))
    out = [AreaRow(i, orgs[i].name, orgs[i].kind, int(total or 0), n, o, last, False, i in with_children)
           for i, total, n, o, last in rows]
    if own and own[0][0]:
        total, n, o, last = own[0]
        out.append(AreaRow(area_id, orgs[area_id].name, orgs[area_id].kind, int(total), n, o, last, True, False))
    return sorted(out, key=lambda r: (-r.sightings, r.name))


def over_time(db: Session, *, actor: Actor, since: datetime, until: datetime, area_id: int | None,
              tz: ZoneInfo = UTC_ZONE) -> list[tuple[date, int]]:
    """Sightings (their counts) per local day of last sight, every day of the period, zeros included."""
    seen = select(_seen(actor, since, area_id).subquery().c.id)
    per_day: dict[date, int] = defaultdict(int)
    if db.get_bind().dialect.name == "postgresql":
        day = func.date(func.timezone(tz.key, Sighting.last_seen))
        for d, n in db.execute(select(day, func.sum(Sighting.count)).where(Sighting.id.in_(seen)).group_by(day)):
            per_day[d] += int(n)
    else:  # SQLite knows no time zones: hours in SQL, local days here
        hour = func.strftime("%Y-%m-%d %H:00:00", Sighting.last_seen)
        for h, n in db.execute(select(hour, func.sum(Sighting.count)).where(Sighting.id.in_(seen)).group_by(hour)):
            per_day[datetime.fromisoformat(h).replace(tzinfo=UTC).astimezone(tz).date()] += int(n)
    first, last = since.astimezone(tz).date(), until.astimezone(tz).date()
    return [(first + timedelta(days=k), per_day.get(first + timedelta(days=k), 0))
            for k in range((last - first).days + 1)]


def most_sighted(db: Session, *, actor: Actor, since: datetime, area_id: int | None, limit: int = TOP
                 ) -> list[TopRow]:
    seen = _seen(actor, since, area_id).subquery()
    total = func.sum(Sighting.count)
    rows = db.execute(select(Sighting.indicator_id, total, func.count(func.distinct(Sighting.owner_org_id)),
                             func.max(Sighting.last_seen))
                      .where(Sighting.id.in_(select(seen.c.id))).group_by(Sighting.indicator_id)
                      .order_by(total.desc(), Sighting.indicator_id.desc()).limit(limit)).all()
    shown = shown_indicators(db, actor=actor, ids={r[0] for r in rows})
    return [TopRow(shown[i], int(n), o, last) for i, n, o, last in rows]


def recent_sightings(db: Session, *, actor: Actor, since: datetime, area_id: int | None, limit: int = TOP
                     ) -> list[RecentRow]:
    seen = _seen(actor, since, area_id).subquery()
    rows = db.execute(select(Sighting.owner_org_id, Organization.name, Sighting.indicator_id, Sighting.last_seen,
                             Sighting.count)
                      .join(Organization, Organization.id == Sighting.owner_org_id)
                      .where(Sighting.id.in_(select(seen.c.id)))
                      .order_by(Sighting.last_seen.desc(), Sighting.id.desc()).limit(limit)).all()
    shown = shown_indicators(db, actor=actor, ids={r[2] for r in rows})
    return [RecentRow(o, name, shown[i], last, n) for o, name, i, last, n in rows]


def newest_indicators(db: Session, *, actor: Actor, limit: int = TOP) -> Sequence[indicators_service.IndicatorListItem]:
    """The newest values the reader may see (the search's first page)."""
    return indicators_service.search(db, actor=actor, limit=limit)
