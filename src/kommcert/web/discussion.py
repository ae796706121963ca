"""What the discussion partial (``templates/discussion/_thread.html``) needs, for any kind of thread.

A page that shows a discussion puts ``thread_view`` into its context (:func:`thread_view`, called
after the parent was fetched through the sharing policy) and includes the partial; the partial reads
nothing else, so it cannot collide with the page's own names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from kommcert.discussion import service as discussion_service
from kommcert.discussion.kinds import Thread
from kommcert.errors import DomainError
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor


@dataclass(frozen=True)
class ThreadView:
    thread: Thread
    parent: Any
    actor: Actor
    discussion: discussion_service.Discussion
    may_comment: bool
    may_attach: bool
    body: str = ""  # the text of a refused comment, kept for the next try
    error: DomainError | None = None

    @property
    def key(self) -> str:
        return self.thread.key

    @property
    def base(self) -> str:
        return f"{self.thread.page_prefix}/{self.parent.id}"

    @property
    def files_url(self) -> str:
        return f"{self.base}/{self.thread.file_segment}"

    def file_url(self, attachment: Any) -> str:
        return f"{self.files_url}/{attachment.id}"

    def may_remove_file(self, attachment: Any) -> bool:
        return discussion_service.may_remove(self.actor, author_id=attachment.uploaded_by_id, org_id=attachment.org_id)

    def may_remove_comment(self, comment: Any) -> bool:
        return discussion_service.may_remove(self.actor, author_id=comment.author_id, org_id=comment.org_id)


def thread_view(db: Session, *, thread: Thread, actor: Actor, parent: Any, body: str = "",
                error: DomainError | None = None) -> ThreadView:
    """The discussion of a parent the caller fetched through the sharing policy."""
    return ThreadView(thread=thread, parent=parent, actor=actor,
                      discussion=discussion_service.discussion(db, thread=thread, parent=parent),
                      may_comment=policy.can(db, actor, policy.COMMENT, parent),
                      may_attach=policy.can(db, actor, policy.EDIT, parent), body=body, error=error)
