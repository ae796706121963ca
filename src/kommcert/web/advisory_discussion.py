"""The discussion of a warning on pages: comments and files below ``/advisories/{id}``.

The warning page shows it by including ``discussion/_thread.html`` with :func:`thread_context` in
its context; ``/advisories/{id}/discussion`` shows it on its own (also with a refused comment's
message and text, so this module needs nothing from the warning page).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from kommcert.deps import DbSession, SettingsDep, client_ip, file_download
from kommcert.discussion import service as discussion_service
from kommcert.discussion.kinds import ADVISORIES
from kommcert.errors import DomainError
from kommcert.files import Upload
from kommcert.sharing.actor import Actor
from kommcert.validation import Id
from kommcert.web import discussion as discussion_pages
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()


def thread_context(db: Session, *, actor: Actor, advisory: Any) -> dict[str, object]:
    """For the warning page (the advisory fetched through the sharing policy): ``{"thread_view": …}``."""
    return {"thread_view": discussion_pages.thread_view(db, thread=ADVISORIES, actor=actor, parent=advisory)}


def _advisory(db: Session, actor: Actor, request: Request, advisory_id: int) -> Any:
    return discussion_service.get_parent(db, thread=ADVISORIES, actor=actor, parent_id=advisory_id,
                                         ip=client_ip(request))


def _page(request: Request, db: Session, actor: Actor, advisory: Any, *, status_code: int = 200,
          error: DomainError | None = None, body: str = "") -> Response:
    view = discussion_pages.thread_view(db, thread=ADVISORIES, actor=actor, parent=advisory, body=body, error=error)
    return render(request, "discussion/advisory.html", {"advisory": advisory, "thread_view": view},
                  status_code=status_code)


@router.get("/advisories/{advisory_id}/discussion")
def discussion_page(advisory_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return _page(request, db, actor, _advisory(db, actor, request, advisory_id))


@router.post("/advisories/{advisory_id}/comments")
async def comment_add(advisory_id: Id, request: Request, db: DbSession, actor: PageActor,
                      settings: SettingsDep) -> Response:
    advisory = _advisory(db, actor, request, advisory_id)
    form = await request.form()
    body = str(form.get("body", ""))
    try:
        comment = discussion_service.add_comment(db, thread=ADVISORIES, actor=actor, parent=advisory, body=body,
                                                 uploads=await _uploads(form.getlist("files")),
                                                 max_bytes=settings.max_attachment_bytes)
    except DomainError as exc:
        db.rollback()
        return _page(request, db, actor, advisory, status_code=exc.status_code, error=exc, body=body)
    return RedirectResponse(f"/advisories/{advisory.id}#comment-{comment.id}", status_code=303)


@router.post("/advisories/{advisory_id}/files")
async def files_add(advisory_id: Id, request: Request, db: DbSession, actor: PageActor,
                    settings: SettingsDep) -> Response:
    advisory = _advisory(db, actor, request, advisory_id)
    form = await request.form()
    try:
        discussion_service.add_files(db, thread=ADVISORIES, actor=actor, parent=advisory,
                                     uploads=await _uploads(form.getlist("files")),
                                     max_bytes=settings.max_attachment_bytes)
    except DomainError as exc:
        db.rollback()
        return _page(request, db, actor, advisory, status_code=exc.status_code, error=exc)
    return RedirectResponse(f"/advisories/{advisory.id}#files", status_code=303)


@router.get("/advisories/{advisory_id}/files/{file_id}")
def file_get(advisory_id: Id, file_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    advisory = _advisory(db, actor, request, advisory_id)
    attachment = discussion_service.get_file(db, thread=ADVISORIES, actor=actor, parent=advisory,
                                             attachment_id=file_id, ip=client_ip(request))
    return file_download(attachment.content, attachment.filename)


@router.post("/advisories/{advisory_id}/comments/{comment_id}/delete")
def comment_delete(advisory_id: Id, comment_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    advisory = _advisory(db, actor, request, advisory_id)
    discussion_service.delete_comment(db, thread=ADVISORIES, actor=actor, parent=advisory, comment_id=comment_id)
    return RedirectResponse(f"/advisories/{advisory.id}#comments", status_code=303)


@router.post("/advisories/{advisory_id}/files/{file_id}/delete")
def file_delete(advisory_id: Id, file_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    advisory = _advisory(db, actor, request, advisory_id)
    discussion_service.delete_file(db, thread=ADVISORIES, actor=actor, parent=advisory, attachment_id=file_id)
    return RedirectResponse(f"/advisories/{advisory.id}#files", status_code=303)


async def _uploads(items: list) -> list[Upload]:  # type: ignore[type-arg]
    return [Upload(f.filename, f.content_type or "", await f.read())
            for f in items if isinstance(f, UploadFile) and f.filename]
