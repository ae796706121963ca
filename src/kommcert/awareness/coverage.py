"""Coverage: the share of each organisation's staff trained in the last 12 months, per target group, rolled
up per Kreis and for the Land.

Per organisation and target group the attended counts of events that began in the last 365 days (not
cancelled) are summed and capped at the stated headcount: counts carry no names, so the same person trained
twice cannot be told from two people, and a share above 100 % would only hide that. The organisation's
share is trained ÷ headcount over its groups; an area's share is the same sum over its organisations with a
headcount. An organisation is *overdue* when its share is below ``THRESHOLD`` percent; one without a
headcount is listed as "keine Angaben".

Every number is computed over the organisations whose awareness facts the reader may see
(``access.visible_org_ids``: the policy on the profiles), so no figure moves with another Kreis's data. A
Kreis's roll-up is shown to the Kreis and above (and the CERTs), the Land's to the Land and the CERTs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kommcert.awareness import access
from kommcert.awareness.models import (
    AwarenessAttendance,
    AwarenessEvent,
    AwarenessHeadcount,
    AwarenessProfile,
    TargetGroup,
)
from kommcert.db import utcnow
from kommcert.errors import NotFound
from kommcert.orgs.models import OrgAncestry, Organization, OrgKind
from kommcert.sharing.actor import Actor

WINDOW = timedelta(days=365)
THRESHOLD = 50  # percent: below it an organisation is overdue and reminded
KREIS_KINDS = (OrgKind.kreis.value, OrgKind.kreisfreie_stadt.value)
GROUPS = [g.value for g in TargetGroup]

OK, OVERDUE, NO_DATA = "ok", "overdue", "no_data"
STATUS_LABELS_DE = {OK: "erfüllt", OVERDUE: "überfällig", NO_DATA: "keine Angaben"}


def share(trained: int, headcount: int) -> int | None:
    """Whole percent, rounded down (99.6 % is not yet everyone); None without a headcount."""
    return None if headcount <= 0 else trained * 100 // headcount


@dataclass
class OrgCoverage:
    org_id: int
    name: str
    kind: str
    kreis_id: int | None
    kreis_name: str
    headcount: dict[str, int] = field(default_factory=dict)
    trained: dict[str, int] = field(default_factory=dict)  # capped at the headcount where one is stated
    last_training: datetime | None = None

    @property
    def total_headcount(self) -> int:
        return sum(self.headcount.values())

    @property
    def total_trained(self) -> int:
        return sum(min(self.trained.get(g, 0), n) for g, n in self.headcount.items())

    @property
    def share(self) -> int | None:
        return share(self.total_trained, self.total_headcount)

    def group_share(self, group: str) -> int | None:
        return share(min(self.trained.get(group, 0), self.headcount.get(group, 0)), self.headcount.get(group, 0))

    @property
    def status(self) -> str:
        if self.share is None:
            return NO_DATA
        return OK if self.share >= THRESHOLD else OVERDUE


@dataclass
class AreaCoverage:
    area_id: int | None
    name: str
    organisations: int
    with_headcount: int
    overdue: int
    headcount: int
    trained: int

    @property
    def share(self) -> int | None:
        return share(self.trained, self.headcount)


@dataclass
class CoverageView:
    orgs: list[OrgCoverage]
    kreise: list[AreaCoverage]
    land: AreaCoverage | None
    since: datetime

    @property
    def overdue(self) -> list[OrgCoverage]:
        return [o for o in self.orgs if o.status == OVERDUE]


def kreis_map(db: Session, org_ids: set[int]) -> dict[int, tuple[int, str]]:
    """org id → (Kreis id, Kreis name); a Kreis is its own."""
    kreis = Organization.__table__.alias("kreis")
    rows = db.execute(select(OrgAncestry.org_id, kreis.c.id, kreis.c.name).join(
        kreis, kreis.c.id == OrgAncestry.ancestor_id).where(kreis.c.kind.in_(KREIS_KINDS),
                                                              OrgAncestry.org_id.in_(org_ids)))
    return {o: (k, n) for o, k, n in rows}


def _rows(db: Session, org_ids: set[int], now: datetime) -> list[OrgCoverage]:
    if not org_ids:
        return []
    kreise = kreis_map(db, org_ids)
    rows = {}
    for org_id, name, kind in db.execute(select(Organization.id, Organization.name, Organization.kind).where(
            Organization.id.in_(org_ids))):
        kreis_id, kreis_name = kreise.get(org_id, (None, ""))
        rows[org_id] = OrgCoverage(org_id, name, kind, kreis_id, kreis_name)
    for org_id, group, n in db.execute(select(AwarenessProfile.owner_org_id, AwarenessHeadcount.target_group,
                                              AwarenessHeadcount.count).join(
            AwarenessProfile, AwarenessProfile.id == AwarenessHeadcount.profile_id).where(
            AwarenessProfile.owner_org_id.in_(org_ids))):
        rows[org_id].headcount[group] = n
    since = now - WINDOW
    for org_id, group, n, last in db.execute(
            select(AwarenessAttendance.org_id, AwarenessAttendance.target_group, func.sum(AwarenessAttendance.count),
                   func.max(AwarenessEvent.starts_at))
            .join(AwarenessEvent, AwarenessEvent.id == AwarenessAttendance.event_id)
            .where(AwarenessAttendance.org_id.in_(org_ids), AwarenessEvent.starts_at >= since,
                   AwarenessEvent.starts_at <= now, AwarenessEvent.cancelled_at.is_(None))
            .group_by(AwarenessAttendance.org_id, AwarenessAttendance.target_group)):
        row = rows[org_id]
        head = row.headcount.get(group)
        row.trained[group] = min(int(n), head) if head is not None else int(n)
        if last is not None and (row.last_training is None or last > row.last_training):
            row.last_training = last
    return sorted(rows.values(), key=lambda r: (r.kreis_name.lower(), r.kreis_id != r.org_id, r.name.lower()))


def _area(area_id: int | None, name: str, rows: list[OrgCoverage]) -> AreaCoverage:
    return AreaCoverage(area_id, name, len(rows), sum(1 for r in rows if r.total_headcount > 0),
                        sum(1 for r in rows if r.status == OVERDUE), sum(r.total_headcount for r in rows),
                        sum(r.total_trained for r in rows))


def coverage(db: Session, actor: Actor, *, now: datetime | None = None) -> CoverageView:
    """Every organisation the reader may see, the Kreise the reader is at or above, and the Land for the Land
    and the CERTs."""
    now = now or utcnow()
    rows = _rows(db, access.visible_org_ids(db, actor), now)
    by_kreis: dict[int, list[OrgCoverage]] = defaultdict(list)
    names: dict[int, str] = {}
    for r in rows:
        if r.kreis_id is not None:
            by_kreis[r.kreis_id].append(r)
            names[r.kreis_id] = r.kreis_name
    kreise = [_area(k, names[k], rs) for k, rs in by_kreis.items()
              if actor.is_cert or access.is_above(db, actor, k)]
    land = None
    if rows and (actor.is_cert or (actor.org_kind is not None and OrgKind(actor.org_kind) == OrgKind.land)):
        land = _area(None, "Land", rows)
    return CoverageView(orgs=rows, kreise=sorted(kreise, key=lambda a: a.name.lower()), land=land, since=now - WINDOW)


def org_coverage(db: Session, actor: Actor, org_id: int, *, now: datetime | None = None) -> OrgCoverage:
    """One organisation; 404 for whoever may not see its awareness facts."""
    org = db.get(Organization, org_id)
    if org is None or not access.sees_org(db, actor, org_id):
        raise NotFound()
    return _rows(db, {org_id}, now or utcnow())[0]
