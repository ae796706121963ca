"""The audit log page and its CSV export."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from kommcert.audit import events
from kommcert.audit import export as audit_export
from kommcert.audit import reading as audit_reading
from kommcert.audit import service as audit_service
from kommcert.deps import DbSession
from kommcert.orgs.models import Organization
from kommcert.validation import Id
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()


@router.get("/audit")
def audit_page(request: Request, db: DbSession, actor: PageActor, action: str | None = None,
               before_id: Id | None = None) -> Response:
    entries = audit_reading.readable(db, actor=actor, entries=audit_service.list_entries(
        db, actor=actor, action=action or None, before_id=before_id, limit=200))
    org_ids = {e.org_id for e in entries if e.org_id is not None}
    org_names = dict(db.execute(select(Organization.id, Organization.name).where(Organization.id.in_(org_ids))).all())
    return render(request, "audit/list.html", {
        "entries": entries, "labels": events.LABELS_DE, "action": action or "", "org_names": org_names,
        "next_before_id": entries[-1].id if len(entries) == 200 else None})


@router.get("/audit.csv")
def audit_csv(db: DbSession, actor: PageActor, action: str | None = None) -> Response:
    entries = audit_reading.readable(db, actor=actor, entries=audit_service.list_entries(
        db, actor=actor, action=action or None, limit=1000))
    return Response(audit_export.to_csv(db, actor=actor, entries=entries), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="kommcert-protokoll.csv"'})
