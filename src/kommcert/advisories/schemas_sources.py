"""Input and output of CSAF sources, the quarantine and document imports."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from kommcert.validation import Id

SourceKind = Literal["provider", "aggregator", "directory", "rolie", "domain"]


class AudienceEntry(BaseModel):
    """An organisation (with its subtree unless ``subtree`` is false) or a person."""

    org_id: Id | None = None
    subtree: bool = True
    user_id: Id | None = None


class SourceIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=2000, description="provider-metadata.json, aggregator.json, directory "
                                                                 "or ROLIE feed address, or a domain for discovery")
    kind: SourceKind = "provider"
    enabled: bool = True
    default_audience: list[AudienceEntry] = Field(default_factory=list, max_length=200)
    public_keys: str = Field("", max_length=200_000, description="Armored OpenPGP public keys (empty: taken from "
                                                                  "the provider's metadata on the first pull)")
    key_fingerprints: list[str] = Field(default_factory=list, max_length=20)
    require_signature: bool = True
    interval_minutes: int = Field(60, ge=15, le=7 * 24 * 60)


class SourceUpdate(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    url: str | None = Field(None, min_length=1, max_length=2000)
    kind: SourceKind | None = None
    enabled: bool | None = None
    default_audience: list[AudienceEntry] | None = Field(None, max_length=200)
    public_keys: str | None = Field(None, max_length=200_000)
    key_fingerprints: list[str] | None = Field(None, max_length=20)
    require_signature: bool | None = None
    interval_minutes: int | None = Field(None, ge=15, le=7 * 24 * 60)


class SourceRead(BaseModel):
    id: int
    name: str
    url: str
    kind: str
    owner_org_id: int
    enabled: bool
    default_audience: list[dict]
    key_fingerprints: list[str]
    require_signature: bool
    interval_minutes: int
    last_pull_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    last_counts: dict
    quarantined: int  # documents in the quarantine, not dismissed


class QuarantineRead(BaseModel):
    id: int
    source_id: int | None
    name: str
    sha256: str
    size: int
    publisher_namespace: str
    tracking_id: str
    reasons: list[str]
    received_at: datetime
    dismissed_at: datetime | None


class ImportResultRead(BaseModel):
    name: str
    status: str  # new | updated | unchanged | older | quarantined
    advisory_id: int | None
    quarantine_id: int | None
    tracking_id: str
    version: str
    reasons: list[str]


class PullRead(BaseModel):
    source_id: int
    counts: dict[str, int]
    errors: list[str]
