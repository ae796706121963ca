"""Warnings for readers under /api/v1: my warnings, one warning (with its CSAF document), the own
organisation's status, the Land's/Kreis's picture, and the person's warning preferences.

Every route reads through ``kommcert.advisories.service`` (the sharing policy on the advisory; matches
and statuses only of organisations whose inventory the reader may see).
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from kommcert.advisories import picture, preferences, service, status
from kommcert.advisories.models import Advisory, AdvisoryStatus, OrgStatus, Risk
from kommcert.advisories.schemas import (
    AdvisoryCountRead,
    AdvisoryDetail,
    AdvisoryListItem,
    AdvisoryPage,
    CveRead,
    CvssRead,
    KreisCountRead,
    MatchedLineRead,
    OrgOpenRead,
    OrgStatusRead,
    OverviewRead,
    ProductRead,
    RevisionRead,
    StatusIn,
    StatusRead,
    WarningPreferenceIn,
    WarningPreferenceRead,
)
from kommcert.api.auth import PersonActor, UserActor, WriterActor
from kommcert.deps import DbSession, client_ip
from kommcert.sharing.actor import Actor
from kommcert.validation import Id

router = APIRouter(tags=["warnings"])


def _item(a: Advisory, result: str | None, own: str | None) -> AdvisoryListItem:
    return AdvisoryListItem(id=a.id, title=a.title, risk=a.risk, tlp=str(a.tlp), publisher_name=a.publisher_name,
                            tracking_id=a.tracking_id, version=a.version, cves=list(a.cves or []),
                            current_release_date=a.current_release_date, result=result,
                            status=OrgStatus(own) if own else None)


def _status(row: AdvisoryStatus) -> StatusRead:
    return StatusRead(advisory_id=row.advisory_id, org_id=row.org_id, status=row.status, comment=row.comment,
                      set_at=row.set_at)


@router.get("/advisories", response_model=AdvisoryPage)
def list_advisories(db: DbSession, actor: UserActor, risk: Risk | None = None, status: OrgStatus | None = None,
                    relevance: str = Query("all", pattern="^(all|relevant)$"),
                    page: int = Query(1, ge=1, le=100000), per_page: int = Query(50, ge=1, le=200)) -> AdvisoryPage:
    """Published warnings you may see; your organisation's affected ones first, then possibly
    affected, then the rest, newest first. ``risk``: at least this risk; ``status``: your
    organisation's status (``open`` includes "not set")."""
    found = service.my_warnings(db, actor, risk=risk, status=status, relevance=relevance, page=page,
                                per_page=per_page)
    return AdvisoryPage(items=[_item(i.advisory, i.result, i.status) for i in found.items], total=found.total,
                        page=found.page, per_page=found.per_page)


def _kreis(k: picture.KreisCount) -> KreisCountRead:
    return KreisCountRead(kreis_id=k.kreis_id, name=k.name, affected=k.affected, open=k.open)


@router.get("/advisories/overview", response_model=OverviewRead)
def overview(db: DbSession, actor: UserActor) -> OverviewRead:
    """Per warning the organisations affected and still open (by Kreis), per Kreis and per
    organisation — only organisations whose inventory you may see."""
    return OverviewRead(
        advisories=[AdvisoryCountRead(advisory_id=c.advisory.id, title=c.advisory.title, risk=c.advisory.risk,
                                      affected=c.affected, open=c.open, by_kreis=[_kreis(k) for k in c.by_kreis])
                    for c in picture.overview(db, actor)],
        by_kreis=[_kreis(k) for k in picture.open_by_kreis(db, actor)],
        organisations=[OrgOpenRead(org_id=o.org_id, name=o.name, kreis=o.kreis, affected=o.affected, open=o.open)
                       for o in picture.open_by_org(db, actor)])


def _detail(db: Session, actor: Actor, advisory_id: int) -> AdvisoryDetail:
    d = service.detail(db, actor, advisory_id)
    a = d.advisory
    return AdvisoryDetail(
        **_item(a, d.result, str(d.status.status) if d.status else None).model_dump(),
        category=a.category, summary=a.summary, measures=a.measures, references=list(a.references or []),
        withdrawn_at=a.withdrawn_at,
        matched_lines=[MatchedLineRead(item_id=m.item.id, vendor=m.item.vendor, product=m.item.product,
                                       version=m.item.version, where_used=m.item.where_used, product_id=m.product_id,
                                       product_name=m.product_name, result=m.result, why=m.why) for m in d.lines],
        products=[ProductRead(product_id=p.product_id, name=p.name, vendor=p.vendor, product=p.product,
                              version=p.version, cpe=p.cpe, purl=p.purl, status=p.status) for p in d.products],
        cve_scores=[CveRead(id=c.id, scores=[CvssRead(version=v, base_score=s, vector=x) for v, s, x in c.scores])
                    for c in d.cves],
        revisions=[RevisionRead(version=r.version, current_release_date=r.current_release_date,
                                received_at=r.received_at) for r in d.revisions],
        own_status=_status(d.status) if d.status else None)


@router.get("/advisories/{advisory_id:int}", response_model=AdvisoryDetail)
def read_advisory(advisory_id: Id, db: DbSession, actor: UserActor) -> AdvisoryDetail:
    return _detail(db, actor, advisory_id)


@router.get("/advisories/{advisory_id:int}/csaf")
def advisory_csaf(advisory_id: Id, db: DbSession, actor: UserActor) -> Response:
    """The current revision's CSAF 2.0 document, as received (or as published by kommcert)."""
    advisory, document = service.csaf_document(db, actor, advisory_id)
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in advisory.tracking_id.lower())[:100] or "advisory"
    return Response(json.dumps(document, ensure_ascii=False, indent=2), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}.json"'})


@router.get("/advisories/{advisory_id:int}/organisations", response_model=list[OrgStatusRead])
def advisory_organisations(advisory_id: Id, db: DbSession, actor: UserActor) -> list[OrgStatusRead]:
    """The affected organisations whose inventory you may see, with their result and status."""
    return [OrgStatusRead(org_id=r.org_id, name=r.name, kreis=r.kreis, result=r.result,
                          status=OrgStatus(r.status) if r.status else None, comment=r.comment,
                          set_at=r.set_at)  # type: ignore[arg-type]
            for r in picture.organisations(db, actor, advisory_id)]


@router.put("/advisories/{advisory_id:int}/status", response_model=StatusRead)
def put_status(advisory_id: Id, body: StatusIn, request: Request, db: DbSession, actor: WriterActor) -> StatusRead:
    """Your organisation's status on a warning (offen, in Bearbeitung, behoben, nicht betroffen)."""
    return _status(status.set_status(db, actor=actor, advisory_id=advisory_id, status=body.status,
                                     comment=body.comment, ip=client_ip(request)))


@router.get("/me/warning-preferences", response_model=WarningPreferenceRead)
def get_preferences(db: DbSession, actor: PersonActor) -> WarningPreferenceRead:
    p = preferences.get(db, user_id=actor.user_id)  # type: ignore[arg-type]
    return WarningPreferenceRead(min_risk=p.min_risk, delivery=p.delivery, scope=p.scope)  # type: ignore[arg-type]


@router.put("/me/warning-preferences", response_model=WarningPreferenceRead)
def put_preferences(body: WarningPreferenceIn, db: DbSession, actor: WriterActor) -> WarningPreferenceRead:
    p = preferences.set_preference(db, actor=actor, min_risk=body.min_risk, delivery=body.delivery, scope=body.scope)
    return WarningPreferenceRead(min_risk=p.min_risk, delivery=p.delivery, scope=p.scope)  # type: ignore[arg-type]
