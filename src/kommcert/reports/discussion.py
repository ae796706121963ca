"""A report's discussion: the general one (:mod:`kommcert.discussion`) with the report as parent.

Kept with the report's own signatures (``report=``) for the report pages, the API, the demo and the
tests; the rules themselves live in :mod:`kommcert.discussion.service`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from kommcert.discussion import service as _service
from kommcert.discussion.kinds import REPORTS
from kommcert.discussion.service import MAX_COMMENT_CHARS, CommentView, Discussion, may_remove
from kommcert.files import MAX_FILES, Upload, safe_filename
from kommcert.reports.models import Attachment, Report, ReportComment
from kommcert.sharing.actor import Actor

__all__ = ["MAX_COMMENT_CHARS", "MAX_FILES", "CommentView", "Discussion", "Upload", "add_comment", "add_files",
           "delete_comment", "delete_file", "discussion", "get_file", "may_remove", "safe_filename"]


def add_comment(db: Session, *, actor: Actor, report: Report, body: str,
                uploads: Sequence[Upload] = (), max_bytes: int) -> ReportComment:
    return _service.add_comment(db, thread=REPORTS, actor=actor, parent=report, body=body, uploads=uploads,
                                max_bytes=max_bytes)


def add_files(db: Session, *, actor: Actor, report: Report, uploads: Sequence[Upload],
              max_bytes: int) -> list[Attachment]:
    return _service.add_files(db, thread=REPORTS, actor=actor, parent=report, uploads=uploads, max_bytes=max_bytes)


def discussion(db: Session, *, report: Report) -> Discussion:
    return _service.discussion(db, thread=REPORTS, parent=report)


def get_file(db: Session, *, actor: Actor, report: Report, attachment_id: int, ip: str | None = None) -> Attachment:
    return _service.get_file(db, thread=REPORTS, actor=actor, parent=report, attachment_id=attachment_id, ip=ip)


def delete_comment(db: Session, *, actor: Actor, report: Report, comment_id: int) -> None:
    _service.delete_comment(db, thread=REPORTS, actor=actor, parent=report, comment_id=comment_id)


def delete_file(db: Session, *, actor: Actor, report: Report, attachment_id: int) -> None:
    _service.delete_file(db, thread=REPORTS, actor=actor, parent=report, attachment_id=attachment_id)
