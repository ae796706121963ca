"""The discussion of a warning (comments and files), as for reports: ``kommcert.discussion``."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from kommcert.api.auth import WriterActor
from kommcert.deps import CurrentActor, DbSession, SettingsDep, client_ip, file_download
from kommcert.discussion import service as discussion_service
from kommcert.discussion.kinds import ADVISORIES
from kommcert.discussion.schemas import AttachmentRead, CommentRead, DiscussionRead
from kommcert.files import Upload
from kommcert.sharing.actor import Actor
from kommcert.validation import Id

router = APIRouter(prefix="/advisories", tags=["warnings"])


def _advisory(db: DbSession, actor: Actor, request: Request, advisory_id: int):  # noqa: ANN202
    return discussion_service.get_parent(db, thread=ADVISORIES, actor=actor, parent_id=advisory_id,
                                         ip=client_ip(request))


@router.get("/{advisory_id}/comments", response_model=DiscussionRead)
def read_discussion(advisory_id: Id, request: Request, db: DbSession, actor: CurrentActor) -> DiscussionRead:
    """The warning's own files and its comments (each with its files), oldest first."""
    advisory = _advisory(db, actor, request, advisory_id)
    found = discussion_service.discussion(db, thread=ADVISORIES, parent=advisory)
    return DiscussionRead(files=[AttachmentRead.model_validate(f) for f in found.files],
                          comments=[CommentRead.of(c) for c in found.comments])


@router.post("/{advisory_id}/comments", response_model=CommentRead, status_code=201)
async def add_comment(
    advisory_id: Id, request: Request, db: DbSession, actor: WriterActor, settings: SettingsDep,
    body: str = Form(""), files: list[UploadFile] | None = File(None),
) -> CommentRead:
    """A comment (multipart form: ``body`` and any number of ``files``) by an organisation that sees the warning."""
    advisory = _advisory(db, actor, request, advisory_id)
    comment = discussion_service.add_comment(db, thread=ADVISORIES, actor=actor, parent=advisory, body=body,
                                             uploads=await _uploads(files), max_bytes=settings.max_attachment_bytes)
    found = discussion_service.discussion(db, thread=ADVISORIES, parent=advisory)
    return CommentRead.of(next(c for c in found.comments if c.comment.id == comment.id))


@router.post("/{advisory_id}/attachments", response_model=list[AttachmentRead], status_code=201)
async def add_files(
    advisory_id: Id, request: Request, db: DbSession, actor: WriterActor, settings: SettingsDep,
    files: list[UploadFile] = File(...),
) -> list[AttachmentRead]:
    """Files on the warning itself, by the owner organisation's writers."""
    advisory = _advisory(db, actor, request, advisory_id)
    stored = discussion_service.add_files(db, thread=ADVISORIES, actor=actor, parent=advisory,
                                          uploads=await _uploads(files), max_bytes=settings.max_attachment_bytes)
    return [AttachmentRead.model_validate(a) for a in stored]


@router.get("/{advisory_id}/attachments/{file_id}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
def download(advisory_id: Id, file_id: Id, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    advisory = _advisory(db, actor, request, advisory_id)
    attachment = discussion_service.get_file(db, thread=ADVISORIES, actor=actor, parent=advisory,
                                             attachment_id=file_id, ip=client_ip(request))
    return file_download(attachment.content, attachment.filename)


@router.delete("/{advisory_id}/comments/{comment_id}", status_code=204)
def delete_comment(advisory_id: Id, comment_id: Id, request: Request, db: DbSession, actor: WriterActor) -> None:
    advisory = _advisory(db, actor, request, advisory_id)
    discussion_service.delete_comment(db, thread=ADVISORIES, actor=actor, parent=advisory, comment_id=comment_id)


@router.delete("/{advisory_id}/attachments/{file_id}", status_code=204)
def delete_file(advisory_id: Id, file_id: Id, request: Request, db: DbSession, actor: WriterActor) -> None:
    advisory = _advisory(db, actor, request, advisory_id)
    discussion_service.delete_file(db, thread=ADVISORIES, actor=actor, parent=advisory, attachment_id=file_id)


async def _uploads(files: list[UploadFile] | None) -> list[Upload]:
    return [Upload(f.filename or "", f.content_type or "", await f.read()) for f in files or [] if f.filename]
