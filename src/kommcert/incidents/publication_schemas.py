"""Publishing an incident's observables and its time to protection, as the API speaks them."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from kommcert.incidents.schemas import ObservableRead
from kommcert.sharing.tlp import TLP
from kommcert.validation import Id


class PublishRequest(BaseModel):
    observable_ids: list[Id] | None = Field(
        None, max_length=10_000, description="Publish these observables; without it those marked to share.")
    tlp: TLP | None = Field(None, description="TLP of the community report (clear, green, amber; default green). "
                                              "Publishing again keeps the report's TLP.")
    title: str | None = Field(None, max_length=300, description="Default: category and date, never the "
                                                               "affected organisation.")


class LeftRead(BaseModel):
    observable_id: int
    value: str
    de: str
    en: str


class ProtectionRead(BaseModel):
    reported_at: datetime
    published_at: datetime | None
    first_download_at: datetime | None = Field(
        None, description="First feed answer (200) carrying the report to an organisation other than the "
                          "publishing CERT and the affected one.")
    seconds_to_publication: float | None
    seconds_to_first_download: float | None
    report_id: int | None


class PublishRead(BaseModel):
    report_id: int
    report_uuid: uuid.UUID
    tlp: TLP
    new_report: bool
    published: list[ObservableRead]
    skipped: list[LeftRead]
    warninglisted: list[str] = Field(description="Published values on a warninglist: blocking feeds leave them out.")
    protection: ProtectionRead
