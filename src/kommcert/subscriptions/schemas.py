"""Input and output of subscriptions. The secret goes in, never out: reads say ``has_secret``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from kommcert.advisories.schemas_sources import AudienceEntry
from kommcert.sharing.tlp import TLP
from kommcert.subscriptions.models import SubscriptionKind


class SubscriptionIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: SubscriptionKind
    url: str = Field(min_length=1, max_length=2000, description="TAXII: the collection's address (or the API root "
                                                                 "with `collection`); MISP: the feed directory; "
                                                                 "CSV/text: the list")
    collection: str = Field("", max_length=200, description="TAXII: the collection id, when `url` is the API root")
    username: str = Field("", max_length=200)
    secret: str = Field("", max_length=2000, description="Password or token; with a user name HTTP Basic, alone "
                                                          "`Authorization: Bearer`. Never shown again.")
    tlp: TLP = TLP.amber
    audience: list[AudienceEntry] = Field(default_factory=list, max_length=200)
    confidence: int | None = Field(None, ge=0, le=100)
    lifetime_days: int | None = Field(None, ge=1, le=3650)
    tags: list[str] = Field(default_factory=list, max_length=20)
    interval_minutes: int = Field(60, ge=5, le=7 * 24 * 60)
    enabled: bool = True


class SubscriptionUpdate(BaseModel):
    """Only the fields given change; ``secret`` replaces the stored one, ``clear_secret`` removes it."""

    name: str | None = Field(None, min_length=1, max_length=200)
    url: str | None = Field(None, min_length=1, max_length=2000)
    collection: str | None = Field(None, max_length=200)
    username: str | None = Field(None, max_length=200)
    secret: str | None = Field(None, max_length=2000)
    clear_secret: bool = False
    tlp: TLP | None = None
    audience: list[AudienceEntry] | None = Field(None, max_length=200)
    confidence: int | None = Field(None, ge=0, le=100)
    lifetime_days: int | None = Field(None, ge=1, le=3650)
    tags: list[str] | None = Field(None, max_length=20)
    interval_minutes: int | None = Field(None, ge=5, le=7 * 24 * 60)
    enabled: bool | None = None


class SubscriptionRead(BaseModel):
    id: int
    owner_org_id: int
    name: str
    kind: str
    url: str
    username: str
    has_secret: bool
    tlp: str
    audience: list[dict]
    confidence: int | None
    lifetime_days: int | None
    tags: list[str]
    interval_minutes: int
    enabled: bool
    report_id: int | None
    health: str  # ok | failing | new | disabled
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    failing_since: datetime | None
    last_error: str
    failures: int
    next_attempt_at: datetime | None
    last_imported: int
    last_removed: int
    total_imported: int
    created_at: datetime


class PullRead(BaseModel):
    subscription_id: int
    ok: bool
    not_modified: bool
    imported: int
    removed: int
    rejected: int
    error: str
