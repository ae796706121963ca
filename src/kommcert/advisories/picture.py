"""The Land's (and a Kreis's) picture of the warnings: per advisory how many organisations are
affected (match betroffen or möglicherweise betroffen) and how many of them are still open (no status,
offen or in Bearbeitung), broken down by Kreis; per organisation its open warnings.

Every count runs over advisories the reader may see *and* organisations whose inventory the reader may
see (``service.org_readable``): a Kreis counts only its own subtree, the CERTs the whole Land, a
Gemeinde itself. So no number moves with another Kreis's data.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from kommcert.advisories import service
from kommcert.advisories.models import Advisory, AdvisoryMatch, AdvisoryStatus
from kommcert.orgs.models import OrgAncestry, Organization, OrgKind
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor

KREIS_KINDS = (OrgKind.kreis.value, OrgKind.kreisfreie_stadt.value)
NO_KREIS = "ohne Kreis"


def _kreis_of():  # noqa: ANN202
    """org id → its Kreis (or kreisfreie Stadt); a Kreis is its own (depth 0 in the closure table)."""
    kreis = Organization.__table__.alias("kreis")
    return (select(OrgAncestry.org_id.label("org_id"), kreis.c.id.label("kreis_id"), kreis.c.name.label("kreis_name"))
            .join(kreis, kreis.c.id == OrgAncestry.ancestor_id)
            .where(kreis.c.kind.in_(KREIS_KINDS)).subquery("kreis_of"))


def _open():  # noqa: ANN202
    return or_(AdvisoryStatus.status.is_(None), AdvisoryStatus.status.in_(service.OPEN))


def _pairs(actor: Actor, *, advisory_id: int | None = None):  # noqa: ANN202
    """(advisory, organisation) pairs with a relevant result, both readable by the actor."""
    stmt = (select(AdvisoryMatch.advisory_id, AdvisoryMatch.org_id)
            .join(Advisory, Advisory.id == AdvisoryMatch.advisory_id)
            .outerjoin(AdvisoryStatus, and_(AdvisoryStatus.advisory_id == AdvisoryMatch.advisory_id,
                                            AdvisoryStatus.org_id == AdvisoryMatch.org_id))
            .where(AdvisoryMatch.result.in_(service.RELEVANT), service.org_readable(AdvisoryMatch.org_id, actor)))
    if advisory_id is not None:
        stmt = stmt.where(AdvisoryMatch.advisory_id == advisory_id)
    return service.published(policy.visible(stmt, Advisory, actor))


@dataclass(frozen=True)
class KreisCount:
    kreis_id: int | None
    name: str
    affected: int
    open: int


@dataclass
class AdvisoryCount:
    advisory: Advisory
    affected: int
    open: int
    by_kreis: list[KreisCount]


def overview(db: Session, actor: Actor, *, limit: int = 200) -> list[AdvisoryCount]:
    """Advisories with at least one affected organisation the reader sees, most open first."""
    kreis = _kreis_of()
    is_open = case((_open(), 1), else_=0)
    stmt = (_pairs(actor).outerjoin(kreis, kreis.c.org_id == AdvisoryMatch.org_id)
            .with_only_columns(AdvisoryMatch.advisory_id, kreis.c.kreis_id, kreis.c.kreis_name,
                               func.count(), func.sum(is_open))
            .group_by(AdvisoryMatch.advisory_id, kreis.c.kreis_id, kreis.c.kreis_name))
    per: dict[int, list[KreisCount]] = {}
    for advisory_id, kreis_id, name, affected, still_open in db.execute(stmt):
        per.setdefault(advisory_id, []).append(KreisCount(kreis_id, name or NO_KREIS, affected, int(still_open or 0)))
    totals = sorted(((sum(k.open for k in ks), sum(k.affected for k in ks), a) for a, ks in per.items()),
                    key=lambda t: (-t[0], -t[1], -t[2]))[:limit]
    advisories = {a.id: a for a in db.scalars(select(Advisory).where(Advisory.id.in_([t[2] for t in totals])))}
    return [AdvisoryCount(advisories[a], affected, still_open,
                          sorted(per[a], key=lambda k: (k.kreis_id is None, k.name)))
            for still_open, affected, a in totals]


def open_by_kreis(db: Session, actor: Actor) -> list[KreisCount]:
    """Over all warnings: affected (advisory, organisation) pairs and the open ones, per Kreis."""
    kreis = _kreis_of()
    is_open = case((_open(), 1), else_=0)
    stmt = (_pairs(actor).outerjoin(kreis, kreis.c.org_id == AdvisoryMatch.org_id)
            .with_only_columns(kreis.c.kreis_id, kreis.c.kreis_name, func.count(), func.sum(is_open))
            .group_by(kreis.c.kreis_id, kreis.c.kreis_name))
    rows = [KreisCount(k, n or NO_KREIS, a, int(o or 0)) for k, n, a, o in db.execute(stmt)]
    return sorted(rows, key=lambda k: (-k.open, k.kreis_id is None, k.name))


@dataclass(frozen=True)
class OrgRow:
    org_id: int
    name: str
    kreis: str
    result: str
    status: str | None
    comment: str
    set_at: object


def organisations(db: Session, actor: Actor, advisory_id: int) -> list[OrgRow]:
    """One warning: each affected organisation the reader sees, its result and its status."""
    advisory = service.get_advisory(db, actor, advisory_id)
    kreis = _kreis_of()
    stmt = (_pairs(actor, advisory_id=advisory.id)
            .join(Organization, Organization.id == AdvisoryMatch.org_id)
            .outerjoin(kreis, kreis.c.org_id == AdvisoryMatch.org_id)
            .with_only_columns(Organization.id, Organization.name, func.coalesce(kreis.c.kreis_name, literal("")),
                               AdvisoryMatch.result, AdvisoryStatus.status, AdvisoryStatus.comment,
                               AdvisoryStatus.set_at)
            .order_by(func.coalesce(kreis.c.kreis_name, literal("")), Organization.name))
    return [OrgRow(i, n, k, r, s, c or "", t) for i, n, k, r, s, c, t in db.execute(stmt)]


@dataclass(frozen=True)
class OrgOpen:
    org_id: int
    name: str
    kreis: str
    affected: int
    open: int


def open_by_org(db: Session, actor: Actor, *, limit: int = 500) -> list[OrgOpen]:
    """Per organisation the reader sees: its relevant warnings and how many are still open."""
    kreis = _kreis_of()
    is_open = case((_open(), 1), else_=0)
    stmt = (_pairs(actor).join(Organization, Organization.id == AdvisoryMatch.org_id)
            .outerjoin(kreis, kreis.c.org_id == AdvisoryMatch.org_id)
            .with_only_columns(Organization.id, Organization.name, func.coalesce(kreis.c.kreis_name, literal("")),
                               func.count(), func.sum(is_open))
            .group_by(Organization.id, Organization.name, kreis.c.kreis_name))
    rows = [OrgOpen(i, n, k, a, int(o or 0)) for i, n, k, a, o in db.execute(stmt)]
    return sorted(rows, key=lambda r: (-r.open, r.kreis, r.name))[:limit]
