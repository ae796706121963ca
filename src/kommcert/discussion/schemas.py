"""What the API answers about a discussion (reports and warnings alike)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kommcert.discussion.service import CommentView


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uuid: uuid.UUID
    comment_id: int | None
    org_id: int
    filename: str
    content_type: str = Field(description="As the uploader declared it; downloads are always octet-stream.")
    size: int
    sha256: str
    created_at: datetime


class CommentRead(BaseModel):
    id: int
    org_id: int
    org_name: str
    author: str | None
    body: str
    created_at: datetime
    attachments: list[AttachmentRead]

    @classmethod
    def of(cls, view: CommentView) -> CommentRead:
        c = view.comment
        return cls(id=c.id, org_id=c.org_id, org_name=view.org_name, author=view.author, body=c.body,
                   created_at=c.created_at, attachments=[AttachmentRead.model_validate(a) for a in view.attachments])


class DiscussionRead(BaseModel):
    files: list[AttachmentRead] = Field(description="Files attached to the report (or warning) itself.")
    comments: list[CommentRead]
