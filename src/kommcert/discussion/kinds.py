"""The kinds of discussion: what differs between the report's and the warning's, and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from kommcert.advisories.models import Advisory, AdvisoryAttachment, AdvisoryComment, AdvisoryState
from kommcert.reports.models import Attachment, Report, ReportComment
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor


@dataclass(frozen=True)
class Thread:
    """One kind of discussion. ``key`` is also the parent's share type and the audit ``object_type``."""

    key: str
    parent: type[Any]  # a ``Shared`` model
    comment: type[Any]  # id, <parent_column>, org_id, author_id, body, created_at
    attachment: type[Any]  # id, <parent_column>, comment_id, org_id, uploaded_by_id, filename, … content
    parent_column: str
    page_prefix: str  # "/reports": the pages live below "{page_prefix}/{id}"
    file_segment: str  # "attachments" or "files": "{page_prefix}/{id}/{file_segment}/{file_id}"
    api_prefix: str  # "/api/v1/reports"
    # Beyond the sharing policy's VIEW: a parent that exists but is not open for discussion to this
    # actor (a warning's draft) is "not found" as well.
    readable: Callable[[Session, Actor, Any], bool] | None = None

    def parent_id_of(self, part: Any) -> int:
        return getattr(part, self.parent_column)

    def comment_fk(self) -> Any:
        return getattr(self.comment, self.parent_column)

    def attachment_fk(self) -> Any:
        return getattr(self.attachment, self.parent_column)


def _advisory_readable(db: Session, actor: Actor, advisory: Advisory) -> bool:
    # A draft of the CERT's own warning is its writers' work in progress, not a thing to discuss.
    return advisory.state != AdvisoryState.draft or policy.can(db, actor, policy.EDIT, advisory)


REPORTS = Thread(key="report", parent=Report, comment=ReportComment, attachment=Attachment,
                 parent_column="report_id", page_prefix="/reports", file_segment="attachments",
                 api_prefix="/api/v1/reports")
ADVISORIES = Thread(key="advisory", parent=Advisory, comment=AdvisoryComment, attachment=AdvisoryAttachment,
                    parent_column="advisory_id", page_prefix="/advisories", file_segment="files",
                    api_prefix="/api/v1/advisories", readable=_advisory_readable)
