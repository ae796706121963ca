"""What is new for the reader since the last visit of the start page, the appliances' last feed
fetches, the one next step, and the provider's view of the clients that opted in.

Every count and list goes through the sharing policy (sightings and reports the reader may see,
indicator values only where a report of the reader's carries them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kommcert.accounts.models import ApiToken
from kommcert.db import utcnow
from kommcert.home.models import StartPageVisit
from kommcert.indicators import picture
from kommcert.indicators import service as indicators_service
from kommcert.indicators.models import Provenance, Sighting
from kommcert.orgs.models import OrgAncestry, Organization
from kommcert.reports.models import Report
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor

NEW_VISIT_AFTER = timedelta(hours=1)
FIRST_VISIT_LOOKBACK = timedelta(days=7)
STALE_FEED = timedelta(days=2)
SHOWN = 5
COUNT_CAP = 10_000


def visit(db: Session, *, user_id: int, now: datetime | None = None) -> datetime:
    """Record this visit; answer since when things count as new (the previous visit, or a week
    back on the first one). Visits within the hour keep the same mark."""
    now = now or utcnow()
    row = db.get(StartPageVisit, user_id)
    if row is None:
        row = StartPageVisit(user_id=user_id, seen_at=now, since=now - FIRST_VISIT_LOOKBACK)
        db.add(row)
    elif now - row.seen_at > NEW_VISIT_AFTER or row.since is None:
        row.since, row.seen_at = row.seen_at, now
    else:
        row.seen_at = now
    db.flush()
    return row.since  # type: ignore[return-value]


@dataclass
class Device:
    name: str
    organisation: bool  # an organisation's service token (else a person's)
    last_used_at: datetime | None


@dataclass
class Step:
    text: str
    href: str | None = None


@dataclass
class News:
    since: datetime
    sightings: int = 0  # sightings (their counts) in the reader's area since
    sighting_rows: list[picture.RecentRow] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    report_count: int = 0
    indicators: int = 0  # new values in the reader's feeds (capped at COUNT_CAP + 1)
    devices: list[Device] = field(default_factory=list)
    step: Step | None = None


@dataclass
class Client:
    org: Organization
    granted: bool
    sightings: int = 0
    last_seen: datetime | None = None
    devices: list[Device] = field(default_factory=list)


def _subtree(area_id: int):  # noqa: ANN202
    return select(OrgAncestry.org_id).where(OrgAncestry.ancestor_id == area_id)


def _area_sightings(db: Session, actor: Actor, since: datetime, area_id: int | None) -> tuple[int, list]:
    stmt = select(Sighting.id).where(Sighting.created_at > since)
    if area_id is not None:
        stmt = stmt.where(Sighting.owner_org_id.in_(_subtree(area_id)))
    seen = select(policy.visible(stmt, Sighting, actor).subquery().c.id)
    total = db.scalar(select(func.coalesce(func.sum(Sighting.count), 0)).where(Sighting.id.in_(seen))) or 0
    rows = db.execute(select(Sighting.owner_org_id, Organization.name, Sighting.indicator_id, Sighting.last_seen,
                             Sighting.count).join(Organization, Organization.id == Sighting.owner_org_id)
                      .where(Sighting.id.in_(seen)).order_by(Sighting.created_at.desc(), Sighting.id.desc())
                      .limit(SHOWN)).all()
    shown = picture.shown_indicators(db, actor=actor, ids={r[2] for r in rows})
    return int(total), [picture.RecentRow(o, n, shown[i], last, c) for o, n, i, last, c in rows]


def _new_reports(db: Session, actor: Actor, since: datetime, area_id: int | None) -> tuple[int, list[Report]]:
    stmt = select(Report).where(Report.created_at > since)
    if actor.user_id is not None:
        stmt = stmt.where(or_(Report.created_by_id.is_(None), Report.created_by_id != actor.user_id))
    if area_id is not None:
        stmt = stmt.where(Report.owner_org_id.in_(_subtree(area_id)))
    stmt = policy.visible(stmt, Report, actor)
    count = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return count, list(db.scalars(stmt.order_by(Report.id.desc()).limit(SHOWN)))


def _new_indicators(db: Session, actor: Actor, since: datetime) -> int:
    new = (select(Provenance.indicator_id).where(Provenance.created_at > since,
                                                 Provenance.report_id.in_(indicators_service.visible_reports(actor)))
           .distinct().limit(COUNT_CAP + 1))
    return db.scalar(select(func.count()).select_from(new.subquery())) or 0


def devices(db: Session, *, org_id: int, user_id: int | None = None) -> list[Device]:
    """The organisation's service tokens (and the person's own tokens), newest use first."""
    owner = ApiToken.org_id == org_id if user_id is None else or_(ApiToken.org_id == org_id,
                                                                   ApiToken.user_id == user_id)
    now = utcnow()
    tokens = db.scalars(select(ApiToken).where(owner, ApiToken.revoked_at.is_(None),
                                               or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now))).all()
    out = [Device(t.name, t.user_id is None, t.last_used_at) for t in tokens]
    return sorted(out, key=lambda d: (d.last_used_at is None, -(d.last_used_at.timestamp() if d.last_used_at else 0)))


def _step(actor: Actor, news: News) -> Step:
    """The one thing to do first, from the most basic up."""
    if not news.devices:
        if actor.is_admin:
            return Step("Organisations-Token für Firewall oder DNS-Server anlegen und die Feed-Adresse eintragen",
                        "/tokens")
        return Step("Ihre Administration um ein Organisations-Token für die Firewall bitten", "/feeds")
    last = max((d.last_used_at for d in news.devices if d.last_used_at), default=None)
    if last is None or utcnow() - last > STALE_FEED:
        return Step("Ihre Geräte holen die Feeds nicht ab: Feed-Adresse und Token in Firewall oder DNS-Server prüfen",
                    "/feeds")
    if news.sightings:
        return Step("Neue Sichtungen ansehen und prüfen, ob ein Gerät betroffen ist", f"/lagebild?org={actor.org_id}")
    if news.report_count:
        return Step("Neue Meldungen lesen", "/reports")
    return Step("Nichts zu tun: Ihre Geräte holen die Feeds regelmäßig ab.")


def news_for(db: Session, *, actor: Actor, since: datetime, area_wide: bool = False) -> News:
    """What is new for a municipal or CERT reader: sightings and reports in the own area (the whole
    Land for a CERT: ``area_wide``), new values in the feeds, the appliances, the next step."""
    area_id = None if area_wide else actor.org_id
    news = News(since=since)
    news.sightings, news.sighting_rows = _area_sightings(db, actor, since, area_id)
    news.report_count, news.reports = _new_reports(db, actor, since, None)
    news.indicators = _new_indicators(db, actor, since)
    if not area_wide and actor.org_id is not None:
        news.devices = devices(db, org_id=actor.org_id, user_id=actor.user_id)
        news.step = _step(actor, news)
    return news


def clients_for(db: Session, *, actor: Actor, since: datetime) -> list[Client]:
    """An IT service provider's clients: for those that opted in, their sightings since (through
    the policy) and their appliances' last feed fetch; the others by name only."""
    from kommcert.orgs.models import org_serves

    if actor.org_id is None:
        return []
    orgs = db.scalars(select(Organization).join(org_serves, org_serves.c.client_id == Organization.id)
                      .where(org_serves.c.provider_id == actor.org_id).order_by(Organization.name)).all()
    granted = set(actor.served_org_ids)
    out = []
    for org in orgs:
        client = Client(org, org.id in granted)
        if client.granted:
            seen = select(policy.visible(select(Sighting.id).where(Sighting.owner_org_id == org.id,
                                                                   Sighting.created_at > since),
                                         Sighting, actor).subquery().c.id)
            total, last = db.execute(select(func.coalesce(func.sum(Sighting.count), 0), func.max(Sighting.last_seen))
                                     .where(Sighting.id.in_(seen))).one()
            client.sightings, client.last_seen = int(total), last
            client.devices = devices(db, org_id=org.id)
        out.append(client)
    return out
