"""An incident's legal deadlines and its final report under /api/v1/incidents/{id}.

Every route fetches the incident through the sharing policy first: whoever may not see it gets 404.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import PlainTextResponse

from kommcert.api.auth import UserActor, WriterActor
from kommcert.db import utcnow
from kommcert.deps import DbSession, SettingsDep, client_ip
from kommcert.incidents import deadline_service, final_report
from kommcert.incidents.deadline_schemas import DeadlineDone, DeadlineRead
from kommcert.validation import Id

router = APIRouter(prefix="/incidents", tags=["incidents"])

Key = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,62}$", description="The deadline rule's key.")]
Lang = Literal["de", "en"]


@router.get("/{incident_id}/deadlines", response_model=list[DeadlineRead])
def list_deadlines(incident_id: Id, request: Request, db: DbSession, actor: UserActor) -> list[DeadlineRead]:
    """The incident's legal deadlines, earliest first, with their state (open, done, overdue)."""
    found = deadline_service.list_deadlines(db, actor=actor, incident_id=incident_id, ip=client_ip(request))
    return [DeadlineRead.of(d, found.now) for d in found.deadlines]


@router.post("/{incident_id}/deadlines/{key}/done", response_model=DeadlineRead)
def mark_done(incident_id: Id, key: Key, db: DbSession, actor: WriterActor, change: DeadlineDone) -> DeadlineRead:
    """Mark a deadline done (``done: false`` opens it again): the CERT or the affected organisation."""
    deadline = deadline_service.set_done(db, actor=actor, incident_id=incident_id, key=key, done=change.done,
                                         done_at=change.done_at)
    return DeadlineRead.of(deadline, utcnow())


@router.get("/{incident_id}/deadlines/{key}/text", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {}}}})
def report_text(incident_id: Id, key: Key, db: DbSession, actor: UserActor, settings: SettingsDep,
                lang: Lang = Query("de", description="Language of the text."),
                download: bool = Query(False, description="As a file (Content-Disposition: attachment).")) -> Response:
    """The pre-filled report to send for this deadline; placeholders without a value stay as ``{name}``."""
    found = deadline_service.report_text(db, actor=actor, incident_id=incident_id, key=key, lang=lang,
                                         settings=settings)
    headers = {"Cache-Control": "private, no-store"}
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return PlainTextResponse(found.text, headers=headers)


@router.get("/{incident_id}/report.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def report_pdf(incident_id: Id, request: Request, db: DbSession, actor: UserActor, settings: SettingsDep,
               lang: Lang | None = Query(None, description="Language; default: the user's.")) -> Response:
    """The incident's final report as PDF: case data, deadlines, tasks, observables, evidence, timeline."""
    made = final_report.pdf(db, actor=actor, incident_id=incident_id, settings=settings,
                            lang=lang or final_report.language_of(db, actor, settings), ip=client_ip(request))
    return Response(made.data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{made.filename}"', "Cache-Control": "private, no-store"})
