"""JSON shapes of the warnings a reader sees: list, detail, status, picture, preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from kommcert.advisories.models import OrgStatus, Risk


class AdvisoryListItem(BaseModel):
    id: int
    title: str
    risk: Risk
    tlp: str
    publisher_name: str
    tracking_id: str
    version: str
    cves: list[str]
    current_release_date: datetime | None
    result: str | None = Field(None, description="Your organisation's match result (affected, possibly, ...).")
    status: OrgStatus | None = Field(None, description="Your organisation's status; none: not set (open).")


class AdvisoryPage(BaseModel):
    items: list[AdvisoryListItem]
    total: int
    page: int
    per_page: int


class MatchedLineRead(BaseModel):
    item_id: int
    vendor: str
    product: str
    version: str
    where_used: str
    product_id: str
    product_name: str
    result: str
    why: str


class ProductRead(BaseModel):
    product_id: str
    name: str
    vendor: str
    product: str
    version: str
    cpe: str
    purl: str
    status: str


class CvssRead(BaseModel):
    version: str
    base_score: float | None
    vector: str


class CveRead(BaseModel):
    id: str
    scores: list[CvssRead]


class RevisionRead(BaseModel):
    version: str
    current_release_date: datetime | None
    received_at: datetime


class StatusRead(BaseModel):
    advisory_id: int
    org_id: int
    status: OrgStatus
    comment: str
    set_at: datetime


class AdvisoryDetail(AdvisoryListItem):
    category: str
    summary: str
    measures: str
    references: list[dict]
    withdrawn_at: datetime | None
    matched_lines: list[MatchedLineRead]
    products: list[ProductRead]
    cve_scores: list[CveRead]
    revisions: list[RevisionRead]
    own_status: StatusRead | None


class StatusIn(BaseModel):
    status: OrgStatus
    comment: str = Field("", max_length=2000)


class KreisCountRead(BaseModel):
    kreis_id: int | None
    name: str
    affected: int
    open: int


class AdvisoryCountRead(BaseModel):
    advisory_id: int
    title: str
    risk: Risk
    affected: int
    open: int
    by_kreis: list[KreisCountRead]


class OrgOpenRead(BaseModel):
    org_id: int
    name: str
    kreis: str
    affected: int
    open: int


class OverviewRead(BaseModel):
    advisories: list[AdvisoryCountRead]
    by_kreis: list[KreisCountRead]
    organisations: list[OrgOpenRead]


class OrgStatusRead(BaseModel):
    org_id: int
    name: str
    kreis: str
    result: str
    status: OrgStatus | None
    comment: str
    set_at: datetime | None


class WarningPreferenceRead(BaseModel):
    min_risk: Risk
    delivery: Literal["immediate", "digest", "none"]
    scope: Literal["affected", "all"]


class WarningPreferenceIn(WarningPreferenceRead):
    pass
