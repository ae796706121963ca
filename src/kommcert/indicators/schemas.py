from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field, computed_field, model_validator

from kommcert.indicators.models import SightingKind
from kommcert.sharing.tlp import TLP
from kommcert.validation import Id


class IndicatorItem(BaseModel):
    id: int
    type: str
    value: str
    tlp: TLP
    valid_until: datetime | None
    warninglist: str | None
    review_state: str
    reports: int


class IndicatorPage(BaseModel):
    items: list[IndicatorItem]
    next_before_id: int | None = Field(None, description="before_id of the next, older page; empty on the last.")
    prev_after_id: int | None = Field(
        None, description="after_id of the previous, newer page (answered with after_id or with_total).")
    total: int | None = Field(None, description="With with_total: how many values match, counted up to 10,000.")
    total_capped: bool | None = Field(None, description="With with_total: true when more than total match.")


class ProvenanceRead(BaseModel):
    report_id: int
    report_title: str
    report_tlp: TLP
    valid_from: datetime
    valid_until: datetime | None
    confidence: int | None
    block: bool
    source: str | None
    tags: list[str]
    comment: str | None


class SightingCounts(BaseModel):
    organisations: int
    kreise: int
    first_seen: datetime | None
    last_seen: datetime | None
    false_positives: int


class SightingRead(BaseModel):
    org_name: str
    kind: SightingKind
    first_seen: datetime
    last_seen: datetime
    count: int
    log_source: str | None
    system: str | None


class IndicatorRead(BaseModel):
    id: int
    uuid: str
    type: str
    value: str
    warninglist: str | None
    warninglist_override: bool
    review_state: str
    provenances: list[ProvenanceRead]
    sightings: SightingCounts
    sightings_visible: list[SightingRead]


class RejectRead(BaseModel):
    where: str
    de: str
    en: str


class ImportResultRead(BaseModel):
    imported: int
    new_indicators: int
    duplicates: int
    warninglisted: int
    reports: list[int]
    rejects: list[RejectRead]
    rejected_count: int = 0
    skipped: list[RejectRead] = Field(default_factory=list,
                                      description="Valid entries with nothing blockable (first 1000).")
    skipped_count: int = 0

    @computed_field(description="Taken over and already known to the importer: imported = new_indicators + known.")
    @property
    def known(self) -> int:
        return self.imported - self.new_indicators


class ImportErrorRead(BaseModel):
    de: str
    en: str
    status: int


class ImportJobRead(BaseModel):
    """A large import running as a job (``202`` of POST /indicators/import; GET /indicators/imports/{id})."""

    id: int
    state: str = Field(description="queued, running, done or failed")
    filename: str
    size: int = Field(description="Bytes of the uploaded file (0 once it is removed).")
    values_read: int = 0
    values_expected: int | None = Field(None, description="Lines of a line format; null: unknown.")
    result: ImportResultRead | None = None
    error: ImportErrorRead | None = None


class SightingWrite(BaseModel):
    key: str = Field(min_length=1, max_length=120, description="Idempotency key chosen by the client.")
    indicator_id: Id | None = None
    type: str | None = Field(None, max_length=16)
    value: str | None = Field(None, max_length=2048)
    kind: SightingKind = SightingKind.seen
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    count: int = Field(1, ge=1, le=10**9)
    log_source: str | None = Field(None, max_length=200)
    system: str | None = Field(None, max_length=200)

    @model_validator(mode="after")
    def _seen_in_order(self) -> SightingWrite:
        first, last = self.first_seen, self.last_seen
        if first is not None and last is not None and _aware(last) < _aware(first):
            raise ValueError("last_seen is before first_seen")
        return self


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class SightingBatch(BaseModel):
    sightings: list[SightingWrite] = Field(max_length=10_000)


class SightingResultRead(BaseModel):
    created: int
    duplicates: int
    unknown: list[str]


class Curation(BaseModel):
    warninglist_override: bool | None = None
    review_state: str | None = Field(None, pattern="^(none|needs_review|false_positive|confirmed)$")
