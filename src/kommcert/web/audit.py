"""The Protokoll page and its CSV export."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from kommcert import i18n
from kommcert.accounts.models import User
from kommcert.audit import events, presentation
from kommcert.audit import export as audit_export
from kommcert.audit import reading as audit_reading
from kommcert.audit import service as audit_service
from kommcert.deps import DbSession, SettingsDep
from kommcert.sharing.actor import Actor
from kommcert.validation import Id, parse_id
from kommcert.web.auth import PageActor
from kommcert.web.templating import locale_of, render

router = APIRouter()
PAGE = 100


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(action: str, user_id: str, object_type: str, object_id: str, since: str, until: str
             ) -> dict:
    """The filters as the form sends them: an empty field (or one no id could be) filters nothing."""
    start, end = _day(since), _day(until)
    return {
        "action": action if action in events.LABELS_DE else None, "user_id": parse_id(user_id),
        "object_type": object_type if object_type in presentation.OBJECT_LABELS_DE else None,
        "object_id": object_id.strip()[:64] or None,
        "since": datetime.combine(start, time(), UTC) if start else None,
        "until": datetime.combine(end, time(), UTC) + timedelta(days=1) if end else None,
    }


def _users(db: DbSession, actor: Actor) -> list[tuple[int, str]]:
    stmt = select(User.id, User.name).order_by(User.name).limit(500)
    if not actor.is_cert_admin:
        stmt = stmt.where(User.org_id == actor.org_id)
    return [(i, n) for i, n in db.execute(stmt).all()]


@router.get("/audit")
def audit_page(request: Request, db: DbSession, actor: PageActor, action: str = "", user_id: str = "",
               object_type: str = "", object_id: str = "", since: str = "", until: str = "",
               before_id: Id | None = None) -> Response:
    filters = _filters(action, user_id, object_type, object_id, since, until)
    entries = audit_reading.readable(db, actor=actor, entries=audit_service.list_entries(
        db, actor=actor, before_id=before_id, limit=PAGE, **filters))
    rows = presentation.present(db, actor=actor, entries=entries, gettext=i18n.gettext_for(locale_of(request)))
    query = {"action": action, "user_id": filters["user_id"] or "", "object_type": object_type,
             "object_id": object_id, "since": since, "until": until}
    return render(request, "audit/list.html", {
        "rows": rows, "labels": events.LABELS_DE, "objects": presentation.OBJECT_LABELS_DE,
        "users": _users(db, actor), "f": query, "paged": before_id is not None,
        "query": urlencode({k: v for k, v in query.items() if v}),
        "next_before_id": entries[-1].id if len(entries) == PAGE else None})


@router.get("/audit.csv")
def audit_csv(db: DbSession, actor: PageActor, settings: SettingsDep, action: str = "", user_id: str = "",
              object_type: str = "", object_id: str = "", since: str = "", until: str = "") -> Response:
    filters = _filters(action, user_id, object_type, object_id, since, until)
    entries = audit_reading.readable(db, actor=actor, entries=audit_service.list_entries(
        db, actor=actor, limit=1000, **filters))
    return Response(audit_export.to_csv(db, actor=actor, entries=entries, tz=settings.tz),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="kommcert-protokoll.csv"'})
