"""CSV export of the audit entries an admin may read (itself recorded as an export)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from sqlalchemy.orm import Session

from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.audit.models import AuditEntry
from kommcert.sharing.actor import Actor

COLUMNS = ["id", "created_at", "action", "actor_user_id", "org_id", "object_type", "object_id", "subject", "ip",
           "detail"]


def _safe(value: str) -> str:
    """Spreadsheet programs run cells that start with = + - @ as formulas."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def to_csv(db: Session, *, actor: Actor, entries: Sequence[AuditEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow([e.id, e.created_at.isoformat(), e.action, e.actor_user_id or "", e.org_id or "",
                         e.object_type or "", e.object_id or "", _safe(e.subject or ""), e.ip or "",
                         _safe(json.dumps(e.detail, ensure_ascii=False))])
    audit_service.record(db, AuditEvent(events.EXPORTED, actor_user_id=actor.user_id, org_id=actor.org_id,
                                        object_type="audit_log", detail={"rows": len(entries), "format": "csv"}))
    return out.getvalue()
