"""Exports and the log: the entry every export writes (feeds, CLI, the log's own CSV), and the CSV
export of the audit entries an admin may read."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from kommcert import timefmt
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.audit.schemas import AuditRead
from kommcert.sharing.actor import Actor
from kommcert.spreadsheet import safe_cell as _safe

COLUMNS = ["id", "created_at", "action", "actor_user_id", "org_id", "object_type", "object_id", "subject", "ip",
           "detail"]


def record_export(db: Session, *, actor: Actor, what: str, ip: str | None = None, via: str = "http",
                  detail: dict[str, Any] | None = None) -> None:
    """Every export of shared data is logged, whichever way it leaves: a feed over HTTP, the
    ``kommcert indicators export`` command, the MISP feed files."""
    audit_service.record(db, AuditEvent(events.EXPORTED, actor_user_id=actor.user_id, org_id=actor.org_id,
                                        object_type="feed", object_id=what, ip=ip,
                                        detail={**(detail or {}), **({"via": via} if via != "http" else {})}))
    if via == "http" and actor.org_id is not None:
        # Time to protection: a feed answer to another organisation may be the first to carry an
        # incident's published indicators (one indexed query while none waits for its first download).
        from kommcert.incidents import publish as incident_publish

        incident_publish.note_feed_download(db, actor=actor, what=what, types=(detail or {}).get("types") or ())


def to_csv(db: Session, *, actor: Actor, entries: Sequence[AuditRead], tz: ZoneInfo | None = None) -> str:
    """The entries for a spreadsheet: ``created_at`` in local time with its UTC offset (``KOMMCERT_TIMEZONE``)."""
    tz = tz or timefmt.zone(timefmt.DEFAULT_ZONE)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in entries:
        writer.writerow([e.id, timefmt.spreadsheet_time(e.created_at, tz), e.action, e.actor_user_id or "",
                         e.org_id or "", e.object_type or "", e.object_id or "", _safe(e.subject or ""), e.ip or "",
                         _safe(json.dumps(e.detail, ensure_ascii=False))])
    audit_service.record(db, AuditEvent(events.EXPORTED, actor_user_id=actor.user_id, org_id=actor.org_id,
                                        object_type="audit_log", detail={"rows": len(entries), "format": "csv"}))
    return out.getvalue()
