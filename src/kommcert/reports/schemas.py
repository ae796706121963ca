from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kommcert.discussion.schemas import AttachmentRead, CommentRead, DiscussionRead  # noqa: F401 (the API's names)
from kommcert.sharing.tlp import TLP
from kommcert.validation import Id, NonBlank


class ReportCreate(BaseModel):
    title: NonBlank = Field(max_length=300)
    summary: str = Field("", max_length=100_000)
    tlp: TLP = TLP.amber
    audience_orgs: list[Id] = Field(default_factory=list, description="Addressed, with subtree.")
    audience_orgs_strict: list[Id] = Field(default_factory=list, description="Addressed, without subtree.")
    audience_users: list[Id] = Field(default_factory=list)
    upward: bool = False


class ReportUpdate(BaseModel):
    """A change to a report: only the fields given change. An audience list given replaces that list."""

    title: NonBlank | None = Field(None, max_length=300)
    summary: str | None = Field(None, max_length=100_000)
    tlp: TLP | None = None
    audience_orgs: list[Id] | None = Field(None, description="Addressed, with subtree.")
    audience_orgs_strict: list[Id] | None = Field(None, description="Addressed, without subtree.")
    audience_users: list[Id] | None = None
    upward: bool | None = None


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uuid: uuid.UUID
    title: str
    summary: str
    tlp: TLP
    owner_org_id: int
    upward: bool
    created_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None = Field(None, description="Set when the owner withdrew the report: its "
                                          "indicators leave every feed that had them only from it.")


class SeenByRead(BaseModel):
    org_id: int
    name: str
    below: int = Field(description="With all this many organisations below it.")


class VisibilityRead(BaseModel):
    """Who sees a report (or a proposed one), by the sharing policy."""

    tlp: TLP
    scope: str = Field(description="public (anyone), members (every logged-in member), orgs (the list), "
                       "persons (TLP:RED: the creator and the named people)")
    orgs: list[SeenByRead]
    org_count: int = Field(description="Organisations whose members see it, subtrees counted.")
    persons: list[str] = Field(description="Named people; only for the owner organisation.")
    person_count: int
    text: str = Field(description="The same in words (German).")
    text_en: str = Field(description="The same in words (English).")


class ReportPage(BaseModel):
    items: list[ReportRead]
    next_before_id: int | None = None
