from __future__ import annotations

from fastapi import APIRouter, Query

from kommcert.api.auth import PersonActor
from kommcert.audit import reading as audit_reading
from kommcert.audit import service as audit_service
from kommcert.audit.schemas import AuditPage
from kommcert.deps import DbSession
from kommcert.validation import Id

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=AuditPage)
def list_audit(db: DbSession, actor: PersonActor, action: str | None = Query(None, max_length=64),
               org_id: Id | None = None, before_id: Id | None = None,
               limit: int = Query(100, ge=1, le=1000)) -> AuditPage:
    entries = audit_service.list_entries(db, actor=actor, org_id=org_id, action=action, limit=limit,
                                         before_id=before_id)
    return AuditPage(items=audit_reading.readable(db, actor=actor, entries=entries),
                     next_before_id=entries[-1].id if len(entries) == limit else None)
