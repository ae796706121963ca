"""Use cases of a report's discussion: comments and attached files.

Both are parts of their report. Whoever may see the report sees them (the report is always fetched
through the sharing policy first); writing one is the policy's ``COMMENT`` right. Removing one is
for its author, an admin of the author's organisation, or a CERT admin (moderation). The audit log
names files by id, size and SHA-256, never by name or content: a TLP:RED file's name is TLP:RED.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from kommcert.accounts.models import User
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.files import MAX_FILES, Upload, check_uploads, describe, safe_filename
from kommcert.orgs.models import Organization
from kommcert.reports.models import Attachment, Report, ReportComment
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor

T = TypeVar("T", ReportComment, Attachment)
MAX_COMMENT_CHARS = 20_000
__all__ = ["MAX_FILES", "Upload", "safe_filename"]  # kept here for the callers that import them from reports


@dataclass(frozen=True)
class CommentView:
    comment: ReportComment
    org_name: str
    author: str | None
    attachments: tuple[Attachment, ...]


@dataclass(frozen=True)
class Discussion:
    """What the report page and the API show below a report."""

    files: tuple[Attachment, ...]  # attached to the report itself
    comments: tuple[CommentView, ...]


def add_comment(db: Session, *, actor: Actor, report: Report, body: str,
                uploads: Sequence[Upload] = (), max_bytes: int) -> ReportComment:
    """A comment, with or without files. Nothing is written unless all of it is acceptable."""
    _require(db, actor, policy.COMMENT, report)
    body = body.strip()
    if not body and not uploads:
        raise InvalidInput("Bitte einen Text schreiben oder eine Datei wählen.",
                           "Please write a text or choose a file.")
    if len(body) > MAX_COMMENT_CHARS:
        raise InvalidInput(f"Der Kommentar ist länger als {MAX_COMMENT_CHARS:,} Zeichen.".replace(",", "."),
                           f"The comment is longer than {MAX_COMMENT_CHARS:,} characters.")
    check_uploads(uploads, max_bytes)
    comment = ReportComment(report_id=report.id, org_id=actor.org_id, author_id=actor.user_id, body=body)
    db.add(comment)
    db.flush()
    audit_service.record(db, AuditEvent(
        events.COMMENT_ADDED, actor_user_id=actor.user_id, org_id=report.owner_org_id, object_type="report",
        object_id=report.id, detail={"comment_id": comment.id, "files": len(uploads)}))
    _store(db, actor, report, uploads, comment_id=comment.id)
    return comment


def add_files(db: Session, *, actor: Actor, report: Report, uploads: Sequence[Upload],
              max_bytes: int) -> list[Attachment]:
    """Files on the report itself: for the report owner's writers (others comment with a file)."""
    _require(db, actor, policy.EDIT, report)
    if not uploads:
        raise InvalidInput("Bitte eine Datei wählen.", "Please choose a file.")
    check_uploads(uploads, max_bytes)
    return _store(db, actor, report, uploads, comment_id=None)


def discussion(db: Session, *, report: Report) -> Discussion:
    """The report's files and comments, oldest first. The caller fetched the report through the policy."""
    files = db.scalars(select(Attachment).where(Attachment.report_id == report.id)
                       .order_by(Attachment.id)).all()
    rows = db.execute(
        select(ReportComment, Organization.name, User.name)
        .join(Organization, Organization.id == ReportComment.org_id)
        .outerjoin(User, User.id == ReportComment.author_id)
        .where(ReportComment.report_id == report.id).order_by(ReportComment.id)).all()
    by_comment: dict[int, list[Attachment]] = {}
    for f in files:
        if f.comment_id is not None:
            by_comment.setdefault(f.comment_id, []).append(f)
    return Discussion(
        files=tuple(f for f in files if f.comment_id is None),
        comments=tuple(CommentView(c, org, author, tuple(by_comment.get(c.id, ()))) for c, org, author in rows))


def get_file(db: Session, *, actor: Actor, report: Report, attachment_id: int, ip: str | None = None) -> Attachment:
    """One file with its bytes, for download; the download is audited."""
    attachment = _part(db, Attachment, attachment_id, report, undefer(Attachment.content))
    audit_service.record(db, AuditEvent(
        events.ATTACHMENT_DOWNLOADED, actor_user_id=actor.user_id, org_id=report.owner_org_id,
        object_type="report", object_id=report.id, ip=ip, detail=_file_detail(attachment)))
    return attachment


def delete_comment(db: Session, *, actor: Actor, report: Report, comment_id: int) -> None:
    comment = _part(db, ReportComment, comment_id, report)
    # its files go with it (ON DELETE CASCADE)
    _remove(db, actor, report, comment, comment.author_id, events.COMMENT_DELETED,
            {"comment_id": comment.id, "author_org_id": comment.org_id})


def delete_file(db: Session, *, actor: Actor, report: Report, attachment_id: int) -> None:
    attachment = _part(db, Attachment, attachment_id, report)
    _remove(db, actor, report, attachment, attachment.uploaded_by_id, events.ATTACHMENT_DELETED,
            _file_detail(attachment))


def may_remove(actor: Actor, *, author_id: int | None, org_id: int) -> bool:
    """The author, an admin of the author's organisation, or a CERT admin (moderation)."""
    own = actor.user_id is not None and actor.user_id == author_id
    org_admin = actor.is_admin and actor.org_id == org_id
    return actor.can_write and (own or org_admin or actor.is_cert_admin)


def _part(db: Session, model: type[T], object_id: int, report: Report, *options: object) -> T:
    """A comment or file of this report (the caller fetched the report through the policy)."""
    found = db.scalar(select(model).options(*options).where(model.id == object_id, model.report_id == report.id))
    if found is None:
        raise NotFound()
    return found


def _remove(db: Session, actor: Actor, report: Report, part: ReportComment | Attachment, author_id: int | None,
            action: str, detail: dict[str, object]) -> None:
    if not may_remove(actor, author_id=author_id, org_id=part.org_id):
        raise PermissionDenied()
    audit_service.record(db, AuditEvent(action, actor_user_id=actor.user_id, org_id=report.owner_org_id,
                                        object_type="report", object_id=report.id, detail=detail))
    db.delete(part)
    db.flush()


def _require(db: Session, actor: Actor, action: str, report: Report) -> None:
    if actor.org_id is None or not policy.can(db, actor, action, report):
        raise PermissionDenied()


def _store(db: Session, actor: Actor, report: Report, uploads: Sequence[Upload],
           *, comment_id: int | None) -> list[Attachment]:
    stored = []
    for upload in uploads:
        stored_file = describe(upload)
        attachment = Attachment(
            report_id=report.id, comment_id=comment_id, org_id=actor.org_id, uploaded_by_id=actor.user_id,
            filename=stored_file.filename, content_type=stored_file.content_type, size=stored_file.size,
            sha256=stored_file.sha256, content=upload.data)
        db.add(attachment)
        db.flush()
        audit_service.record(db, AuditEvent(
            events.ATTACHMENT_ADDED, actor_user_id=actor.user_id, org_id=report.owner_org_id,
            object_type="report", object_id=report.id, detail=_file_detail(attachment)))
        stored.append(attachment)
    return stored


def _file_detail(attachment: Attachment) -> dict[str, object]:
    return {"attachment_id": attachment.id, "size": attachment.size, "sha256": attachment.sha256,
            "comment_id": attachment.comment_id}
