"""The deadline part of the incident page (``incidents/_deadlines.html``), its forms and downloads, and
the final report as PDF.

Every route fetches the incident through ``incidents.deadline_service`` / ``final_report`` (the sharing
policy: another Kreis gets 404). The case page (``web.incidents``) fills the part's context through
:func:`deadline_context`; without it, the part loads itself from ``GET /incidents/{id}/deadlines``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from kommcert.deps import DbSession, SettingsDep, client_ip
from kommcert.errors import DomainError, InvalidInput, NotFound
from kommcert.incidents import deadline_service, deadlines, final_report
from kommcert.incidents.models import Incident
from kommcert.sharing.actor import Actor
from kommcert.validation import Id
from kommcert.web.auth import PageActor
from kommcert.web.templating import locale_of, render, render_error

router = APIRouter()

KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


def _key(key: str) -> str:
    """A rule key as the rules spell them; anything else names no deadline."""
    if not key or len(key) > 63 or not set(key) <= KEY_CHARS or not key[0].isalpha():
        raise NotFound("Diese Frist gibt es bei diesem Vorfall nicht.", "This incident has no such deadline.")
    return key


def _texts(db: Session, actor: Actor, incident_id: int, settings: Any) -> Callable[[str, str], str]:  # noqa: ANN401
    def text(key: str, lang: str) -> str:
        try:
            return deadline_service.report_text(db, actor=actor, incident_id=incident_id, key=key, lang=lang,
                                                settings=settings).text
        except NotFound as exc:
            return exc.message(lang)

    return text


def deadline_context(db: Session, actor: Actor, incident: Incident, settings: Any = None) -> dict[str, Any]:  # noqa: ANN401
    """The names ``incidents/_deadlines.html`` needs, for an incident the caller fetched through the policy."""
    found = deadline_service.list_deadlines(db, actor=actor, incident_id=incident.id)
    return {"deadline_list": found, "deadline_text": _texts(db, actor, incident.id, settings),
            "deadline_state_words": deadlines.STATE_LABELS_DE}


def _register_with_case_page() -> None:
    """The case page (``web.incidents``) asks registered providers for its parts' context."""
    try:
        from kommcert.web import incidents as case_pages
    except ImportError:  # pragma: no cover - the case page is not there: the part loads itself
        return
    register = getattr(case_pages, "case_context", None)
    if register is not None:
        register(deadline_context)


_register_with_case_page()


@router.get("/incidents/{incident_id}/deadlines")
def deadlines_part(incident_id: Id, request: Request, db: DbSession, actor: PageActor,
                   settings: SettingsDep) -> Response:
    """The deadline part alone (htmx); a browser without htmx goes to the case page's part."""
    found = deadline_service.list_deadlines(db, actor=actor, incident_id=incident_id, ip=client_ip(request))
    if request.headers.get("HX-Request") != "true":
        return RedirectResponse(f"/incidents/{incident_id}#fristen", status_code=303)
    return render(request, "incidents/_deadlines.html", {
        "deadline_list": found, "deadline_text": _texts(db, actor, incident_id, settings),
        "deadline_state_words": deadlines.STATE_LABELS_DE})


@router.post("/incidents/{incident_id}/deadlines/{key}/done")
async def deadline_done(incident_id: Id, key: str, request: Request, db: DbSession, actor: PageActor) -> Response:
    """Mark a deadline done (``done=1``) or open again (``done=0``)."""
    form = await request.form()
    wanted = str(form.get("done", "1"))
    if wanted not in ("0", "1"):
        raise InvalidInput("Ungültige Angabe: erledigt oder offen?", "Invalid value: done or open?")
    try:
        deadline_service.set_done(db, actor=actor, incident_id=incident_id, key=_key(key), done=wanted == "1")
    except NotFound:
        raise
    except DomainError as exc:
        return render_error(request, exc.status_code, exc.de, exc.en)
    return RedirectResponse(f"/incidents/{incident_id}#frist-{key}", status_code=303)


@router.get("/incidents/{incident_id}/deadlines/{key}/text")
def deadline_text(incident_id: Id, key: str, request: Request, db: DbSession, actor: PageActor,
                  settings: SettingsDep, lang: str | None = None) -> Response:
    """The pre-filled report as a text file (UTF-8), in the page's language or ``?lang=``."""
    chosen = lang if lang in ("de", "en") else locale_of(request)
    found = deadline_service.report_text(db, actor=actor, incident_id=incident_id, key=_key(key), lang=chosen,
                                         settings=settings)
    return PlainTextResponse(found.text, headers={
        "Content-Disposition": f'attachment; filename="{found.filename}"', "Cache-Control": "private, no-store",
        "Content-Security-Policy": "sandbox; default-src 'none'"})


@router.get("/incidents/{incident_id}/report.pdf")
def report_pdf(incident_id: Id, request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    """The final report as PDF in the page's language, the incident's TLP on every page."""
    made = final_report.pdf(db, actor=actor, incident_id=incident_id, settings=settings, lang=locale_of(request),
                            ip=client_ip(request))
    return Response(made.data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{made.filename}"', "Cache-Control": "private, no-store"})
