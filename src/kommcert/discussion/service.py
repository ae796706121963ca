"""Use cases of a discussion (comments and attached files), the same for every kind of thread.

Comments and files are parts of their parent (a report, a warning): whoever may see the parent sees
them (the caller fetched the parent through the sharing policy, or :func:`get_parent` does), and
nobody else. Writing a comment is the policy's ``COMMENT`` right; files on the parent itself are
``EDIT`` (the owner organisation's writers). Removing one is for its author, an admin of the
author's organisation, or a CERT admin (moderation). The audit log names files by id, size and
SHA-256, never by name or content: a TLP:RED file's name is TLP:RED. Nothing is written unless the
whole comment with all its files is acceptable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from kommcert.accounts.models import User
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.discussion.kinds import Thread
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.files import Upload, check_uploads, describe
from kommcert.orgs.models import Organization
from kommcert.sharing import policy
from kommcert.sharing import service as sharing_service
from kommcert.sharing.actor import Actor

MAX_COMMENT_CHARS = 20_000


@dataclass(frozen=True)
class CommentView:
    comment: Any
    org_name: str
    author: str | None
    attachments: tuple[Any, ...]


@dataclass(frozen=True)
class Discussion:
    """What a page and the API show below the parent."""

    files: tuple[Any, ...]  # attached to the parent itself
    comments: tuple[CommentView, ...]


def get_parent(db: Session, *, thread: Thread, actor: Actor, parent_id: int, ip: str | None = None) -> Any:
    """The parent through the sharing policy; unseen (or not open for discussion) is "not found"."""
    parent = sharing_service.get_or_404(db, thread.parent, parent_id, actor, ip=ip)
    if thread.readable is not None and not thread.readable(db, actor, parent):
        raise NotFound()
    return parent


def add_comment(db: Session, *, thread: Thread, actor: Actor, parent: Any, body: str,
                uploads: Sequence[Upload] = (), max_bytes: int) -> Any:
    """A comment, with or without files. Nothing is written unless all of it is acceptable."""
    _require(db, actor, policy.COMMENT, parent)
    body = body.strip()
    if not body and not uploads:
        raise InvalidInput("Bitte einen Text schreiben oder eine Datei wählen.",
                           "Please write a text or choose a file.")
    if len(body) > MAX_COMMENT_CHARS:
        raise InvalidInput(f"Der Kommentar ist länger als {MAX_COMMENT_CHARS:,} Zeichen.".replace(",", "."),
                           f"The comment is longer than {MAX_COMMENT_CHARS:,} characters.")
    check_uploads(uploads, max_bytes)
    comment = thread.comment(**{thread.parent_column: parent.id}, org_id=actor.org_id, author_id=actor.user_id,
                             body=body)
    db.add(comment)
    db.flush()
    _audit(db, thread, actor, parent, events.COMMENT_ADDED, {"comment_id": comment.id, "files": len(uploads)})
    _store(db, thread, actor, parent, uploads, comment_id=comment.id)
    return comment


def add_files(db: Session, *, thread: Thread, actor: Actor, parent: Any, uploads: Sequence[Upload],
              max_bytes: int) -> list[Any]:
    """Files on the parent itself: for the owner organisation's writers (others comment with a file)."""
    _require(db, actor, policy.EDIT, parent)
    if not uploads:
        raise InvalidInput("Bitte eine Datei wählen.", "Please choose a file.")
    check_uploads(uploads, max_bytes)
    return _store(db, thread, actor, parent, uploads, comment_id=None)


def discussion(db: Session, *, thread: Thread, parent: Any) -> Discussion:
    """The parent's files and comments, oldest first. The caller fetched the parent through the policy."""
    comment, attachment = thread.comment, thread.attachment
    files = db.scalars(select(attachment).where(thread.attachment_fk() == parent.id).order_by(attachment.id)).all()
    rows = db.execute(
        select(comment, Organization.name, User.name)
        .join(Organization, Organization.id == comment.org_id)
        .outerjoin(User, User.id == comment.author_id)
        .where(thread.comment_fk() == parent.id).order_by(comment.id)).all()
    by_comment: dict[int, list[Any]] = {}
    for f in files:
        if f.comment_id is not None:
            by_comment.setdefault(f.comment_id, []).append(f)
    return Discussion(
        files=tuple(f for f in files if f.comment_id is None),
        comments=tuple(CommentView(c, org, author, tuple(by_comment.get(c.id, ()))) for c, org, author in rows))


def get_file(db: Session, *, thread: Thread, actor: Actor, parent: Any, attachment_id: int,
             ip: str | None = None) -> Any:
    """One file with its bytes, for download; the download is audited."""
    attachment = _part(db, thread, thread.attachment, attachment_id, parent, undefer(thread.attachment.content))
    _audit(db, thread, actor, parent, events.ATTACHMENT_DOWNLOADED, _file_detail(attachment), ip=ip)
    return attachment


def delete_comment(db: Session, *, thread: Thread, actor: Actor, parent: Any, comment_id: int) -> None:
    comment = _part(db, thread, thread.comment, comment_id, parent)
    # its files go with it (ON DELETE CASCADE)
    _remove(db, thread, actor, parent, comment, comment.author_id, events.COMMENT_DELETED,
            {"comment_id": comment.id, "author_org_id": comment.org_id})


def delete_file(db: Session, *, thread: Thread, actor: Actor, parent: Any, attachment_id: int) -> None:
    attachment = _part(db, thread, thread.attachment, attachment_id, parent)
    _remove(db, thread, actor, parent, attachment, attachment.uploaded_by_id, events.ATTACHMENT_DELETED,
            _file_detail(attachment))


def may_remove(actor: Actor, *, author_id: int | None, org_id: int) -> bool:
    """The author, an admin of the author's organisation, or a CERT admin (moderation)."""
    own = actor.user_id is not None and actor.user_id == author_id
    org_admin = actor.is_admin and actor.org_id == org_id
    return actor.can_write and (own or org_admin or actor.is_cert_admin)


def _part(db: Session, thread: Thread, model: type[Any], object_id: int, parent: Any, *options: Any) -> Any:
    """A comment or file of this parent (the caller fetched the parent through the policy)."""
    found = db.scalar(select(model).options(*options)
                      .where(model.id == object_id, getattr(model, thread.parent_column) == parent.id))
    if found is None:
        raise NotFound()
    return found


def _remove(db: Session, thread: Thread, actor: Actor, parent: Any, part: Any, author_id: int | None,
            action: str, detail: dict[str, object]) -> None:
    if not may_remove(actor, author_id=author_id, org_id=part.org_id):
        raise PermissionDenied()
    _audit(db, thread, actor, parent, action, detail)
    db.delete(part)
    db.flush()


def _require(db: Session, actor: Actor, action: str, parent: Any) -> None:
    if actor.org_id is None or not policy.can(db, actor, action, parent):
        raise PermissionDenied()


def _store(db: Session, thread: Thread, actor: Actor, parent: Any, uploads: Sequence[Upload],
           *, comment_id: int | None) -> list[Any]:
    stored = []
    for upload in uploads:
        stored_file = describe(upload)
        attachment = thread.attachment(
            **{thread.parent_column: parent.id}, comment_id=comment_id, org_id=actor.org_id,
            uploaded_by_id=actor.user_id, filename=stored_file.filename, content_type=stored_file.content_type,
            size=stored_file.size, sha256=stored_file.sha256, content=upload.data)
        db.add(attachment)
        db.flush()
        _audit(db, thread, actor, parent, events.ATTACHMENT_ADDED, _file_detail(attachment))
        stored.append(attachment)
    return stored


def _audit(db: Session, thread: Thread, actor: Actor, parent: Any, action: str, detail: dict[str, object],
           *, ip: str | None = None) -> None:
    audit_service.record(db, AuditEvent(action, actor_user_id=actor.user_id, org_id=parent.owner_org_id,
                                        object_type=thread.key, object_id=parent.id, ip=ip, detail=detail))


def _file_detail(attachment: Any) -> dict[str, object]:
    return {"attachment_id": attachment.id, "size": attachment.size, "sha256": attachment.sha256,
            "comment_id": attachment.comment_id}
