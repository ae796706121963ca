"""What a reader sees of the warnings: "Meine Warnungen" (the own organisation's relevant ones first)
and one warning's detail with the matched inventory lines.

Advisories are read through the one policy (``visible`` / ``get_or_404``). Match results and statuses
belong to an advisory *and* an organisation: they are shown only for organisations whose inventory
the reader may see — its own, those below it, every one for the CERTs (``org_readable``), which is
the inventory's AMBER+STRICT ``upward`` rule — never sideways.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from kommcert.advisories.models import (
    RISK_ORDER,
    Advisory,
    AdvisoryMatch,
    AdvisoryProduct,
    AdvisoryRevision,
    AdvisoryState,
    AdvisoryStatus,
    MatchResult,
    OrgStatus,
    Risk,
)
from kommcert.errors import InvalidInput, NotFound
from kommcert.inventory.models import Inventory, InventoryItem
from kommcert.orgs.models import OrgAncestry
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import get_or_404

RESULT_LABELS_DE = {
    MatchResult.affected: "betroffen",
    MatchResult.possibly: "möglicherweise betroffen",
    MatchResult.not_affected: "nicht betroffen",
    MatchResult.fixed: "behoben",
}
STATUS_LABELS_DE = {
    OrgStatus.open: "offen",
    OrgStatus.in_progress: "in Bearbeitung",
    OrgStatus.done: "behoben",
    OrgStatus.not_affected: "nicht betroffen",
}
RISK_LABELS_DE = {r: r.value for r in RISK_ORDER}
RELEVANT = (MatchResult.affected.value, MatchResult.possibly.value)
OPEN = (OrgStatus.open.value, OrgStatus.in_progress.value)
PAGE_SIZE = 50


def org_readable(org_column: Any, actor: Actor) -> ColumnElement[bool]:
    """SQL truth of "the actor may see this organisation's inventory, matches and statuses": the own
    organisation, those below it, all for a CERT, and organisations whose ``Inventory`` the policy
    shows the actor (an IT service provider keeping it on their behalf is addressed there)."""
    if not actor.is_authenticated or actor.org_id is None:
        return false()
    if actor.is_cert:
        return org_column.is_not(None)
    below = select(OrgAncestry.org_id).where(OrgAncestry.ancestor_id == actor.org_id)
    inventories = policy.visible(select(Inventory.owner_org_id), Inventory, actor)
    return or_(org_column.in_(below), org_column.in_(inventories))


def published(stmt: Any) -> Any:
    return stmt.where(Advisory.state == AdvisoryState.published, Advisory.withdrawn_at.is_(None))


def risks_from(min_risk: Risk | str | None) -> list[str]:
    if min_risk is None or min_risk == "":
        return [r.value for r in RISK_ORDER]
    try:
        rank = Risk(min_risk).rank
    except ValueError:
        raise InvalidInput("Unbekannte Risikostufe (niedrig, mittel, hoch, kritisch).",
                           "Unknown risk (niedrig, mittel, hoch, kritisch).") from None
    return [r.value for r in RISK_ORDER[rank:]]


@dataclass(frozen=True)
class Item:
    advisory: Advisory
    result: str | None  # the own organisation's match result
    status: str | None  # the own organisation's status


@dataclass(frozen=True)
class Page:
    items: list[Item]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def my_warnings(db: Session, actor: Actor, *, risk: Risk | str | None = None, status: OrgStatus | str | None = None,
                relevance: str = "all", page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """Published, not withdrawn advisories the actor may see: the own organisation's affected ones
    first, then the possibly affected, then the rest, each newest first. ``status`` filters by the own
    organisation's status (``open`` includes "no status yet"); ``relevance="relevant"`` keeps only
    affected and possibly affected ones."""
    if relevance not in ("all", "relevant"):
        raise InvalidInput("Relevanz: „all“ oder „relevant“.", "Relevance: 'all' or 'relevant'.")
    if status not in (None, ""):
        try:
            status = OrgStatus(status)
        except ValueError:
            raise InvalidInput("Unbekannter Status.", "Unknown status.") from None
    page, per_page = max(1, page), min(max(1, per_page), 200)
    org_id = actor.org_id if actor.org_id is not None else -1
    own_match = and_(AdvisoryMatch.advisory_id == Advisory.id, AdvisoryMatch.org_id == org_id)
    own_status = and_(AdvisoryStatus.advisory_id == Advisory.id, AdvisoryStatus.org_id == org_id)
    stmt = (select(Advisory, AdvisoryMatch.result, AdvisoryStatus.status)
            .outerjoin(AdvisoryMatch, own_match).outerjoin(AdvisoryStatus, own_status)
            .where(Advisory.risk.in_(risks_from(risk))))
    stmt = published(policy.visible(stmt, Advisory, actor))
    if relevance == "relevant":
        stmt = stmt.where(AdvisoryMatch.result.in_(RELEVANT))
    if status == OrgStatus.open:
        stmt = stmt.where(or_(AdvisoryStatus.status.is_(None), AdvisoryStatus.status == OrgStatus.open))
    elif status:
        stmt = stmt.where(AdvisoryStatus.status == status)
    total = db.scalar(select(func.count()).select_from(stmt.with_only_columns(Advisory.id).subquery())) or 0
    rank = case((AdvisoryMatch.result == MatchResult.affected, 0), (AdvisoryMatch.result == MatchResult.possibly, 1),
                else_=2)
    newest = func.coalesce(Advisory.current_release_date, Advisory.created_at)
    rows = db.execute(stmt.order_by(rank, newest.desc(), Advisory.id.desc())
                      .limit(per_page).offset((page - 1) * per_page)).all()
    return Page([Item(a, r, s) for a, r, s in rows], total, page, per_page)


# ---------------------------------------------------------------- detail

@dataclass(frozen=True)
class MatchedLine:
    item: InventoryItem
    product_id: str
    product_name: str
    result: str
    why: str


@dataclass(frozen=True)
class Cve:
    id: str
    scores: list[tuple[str, float | None, str]]  # (CVSS version, base score, vector)


@dataclass
class Detail:
    advisory: Advisory
    result: str | None
    lines: list[MatchedLine]
    hidden_lines: int  # reasons naming lines the reader may not see (counted only for the own org)
    products: list[AdvisoryProduct]
    cves: list[Cve]
    revisions: list[AdvisoryRevision]
    status: AdvisoryStatus | None
    may_set_status: bool
    notes: list[tuple[str, str]] = field(default_factory=list)  # (title, text) from the CSAF document


def cves_of(advisory: Advisory) -> list[Cve]:
    """CVE ids with the CVSS scores the document carries (v3.x and v4.0); ids listed only on the
    advisory (own warnings before publishing) come without scores."""
    seen: dict[str, Cve] = {}
    for vuln in (advisory.document or {}).get("vulnerabilities", []) or []:
        if not isinstance(vuln, dict) or not isinstance(vuln.get("cve"), str):
            continue
        scores: list[tuple[str, float | None, str]] = []
        for score in vuln.get("scores", []) or []:
            for key in ("cvss_v4", "cvss_v3"):
                data = score.get(key) if isinstance(score, dict) else None
                if isinstance(data, dict):
                    value = data.get("baseScore")
                    scores.append((str(data.get("version", key[-1])),
                                   float(value) if isinstance(value, int | float) else None,
                                   str(data.get("vectorString", ""))))
        seen.setdefault(vuln["cve"], Cve(vuln["cve"], scores))
    for cve in advisory.cves or []:
        seen.setdefault(cve, Cve(cve, []))
    return list(seen.values())


def notes_of(advisory: Advisory) -> list[tuple[str, str]]:
    notes = (advisory.document or {}).get("document", {}).get("notes", []) or []
    return [(str(n.get("title") or n.get("category", "")), str(n.get("text", "")))
            for n in notes if isinstance(n, dict) and n.get("text")][:20]


def visible_items(db: Session, actor: Actor, item_ids: set[int]) -> dict[int, InventoryItem]:
    """Inventory lines by id, only those of inventories the actor may see (lines are parts of it)."""
    if not item_ids:
        return {}
    stmt = (select(InventoryItem).join(Inventory, Inventory.id == InventoryItem.inventory_id)
            .where(InventoryItem.id.in_(item_ids)))
    return {i.id: i for i in db.scalars(policy.visible(stmt, Inventory, actor))}


def matched_lines(db: Session, actor: Actor, match: AdvisoryMatch | None) -> tuple[list[MatchedLine], int]:
    if match is None:
        return [], 0
    reasons = [r for r in match.reasons or [] if isinstance(r, dict)]
    wanted = {int(r["item_id"]) for r in reasons if isinstance(r.get("item_id"), int)}
    items = visible_items(db, actor, wanted)
    names = dict(db.execute(select(AdvisoryProduct.product_id, AdvisoryProduct.name)
                            .where(AdvisoryProduct.advisory_id == match.advisory_id)).all())
    lines = [MatchedLine(items[r["item_id"]], str(r.get("product_id", "")),
                         names.get(str(r.get("product_id", "")), ""), str(r.get("result", match.result)),
                         str(r.get("why", "")))
             for r in reasons if r.get("item_id") in items]
    return lines, len(wanted - set(items))


def get_advisory(db: Session, actor: Actor, advisory_id: int) -> Advisory:
    """A published advisory the actor may see (withdrawn ones stay readable, marked). Drafts are the
    authoring pages' business: here they are "not found"."""
    advisory = get_or_404(db, Advisory, advisory_id, actor)
    if advisory.state != AdvisoryState.published:
        raise NotFound()
    return advisory


def own_match(db: Session, advisory_id: int, org_id: int | None) -> AdvisoryMatch | None:
    if org_id is None:
        return None
    return db.scalar(select(AdvisoryMatch).where(AdvisoryMatch.advisory_id == advisory_id,
                                                 AdvisoryMatch.org_id == org_id))


def own_status(db: Session, advisory_id: int, org_id: int | None) -> AdvisoryStatus | None:
    if org_id is None:
        return None
    return db.scalar(select(AdvisoryStatus).where(AdvisoryStatus.advisory_id == advisory_id,
                                                  AdvisoryStatus.org_id == org_id))


def detail(db: Session, actor: Actor, advisory_id: int) -> Detail:
    from kommcert.advisories import status as status_service

    advisory = get_advisory(db, actor, advisory_id)
    match = own_match(db, advisory.id, actor.org_id)
    lines, hidden = matched_lines(db, actor, match)
    products = list(db.scalars(select(AdvisoryProduct).where(AdvisoryProduct.advisory_id == advisory.id)
                               .order_by(AdvisoryProduct.vendor, AdvisoryProduct.product, AdvisoryProduct.id)
                               .limit(500)))
    revisions = list(db.scalars(select(AdvisoryRevision).where(AdvisoryRevision.advisory_id == advisory.id)
                                .order_by(AdvisoryRevision.received_at.desc(), AdvisoryRevision.id.desc())))
    return Detail(advisory=advisory, result=match.result if match else None, lines=lines, hidden_lines=hidden,
                  products=products, cves=cves_of(advisory), revisions=revisions,
                  status=own_status(db, advisory.id, actor.org_id),
                  may_set_status=status_service.may_set(actor) and advisory.withdrawn_at is None,
                  notes=notes_of(advisory))


def csaf_document(db: Session, actor: Actor, advisory_id: int) -> tuple[Advisory, dict]:
    """The current revision's CSAF document, for the download."""
    advisory = get_advisory(db, actor, advisory_id)
    if not advisory.document:
        raise NotFound("Zu dieser Warnung gibt es (noch) kein CSAF-Dokument.",
                       "This warning has no CSAF document (yet).")
    return advisory, advisory.document

