"""Plain records that readers yield and writers take: no database, no ORM."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kommcert.indicators.normalize import InvalidIndicator, normalize
from kommcert.indicators.types import IndicatorType
from kommcert.sharing.tlp import TLP


@dataclass(slots=True)
class IndicatorRecord:
    type: IndicatorType
    value: str  # normalised
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    confidence: int | None = None
    tlp: TLP | None = None
    tags: tuple[str, ...] = ()
    comment: str | None = None
    source_ref: str | None = None  # e.g. the STIX indicator id or MISP attribute uuid
    block: bool = True  # MISP to_ids; STIX indicators are always meant for detection


@dataclass(slots=True)
class Reject:
    where: str  # "Objekt indicator--… " / "Zeile 17"
    de: str
    en: str


@dataclass(slots=True)
class GroupInfo:
    """What a source says about the report its indicators belong to."""

    title: str | None = None
    summary: str | None = None
    tlp: TLP | None = None
    source: str | None = None
    external_id: str | None = None
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ExportRow:
    """One indicator as an export sees it: already filtered by the sharing policy, not expired,
    not warninglisted (for blocking exports). ``tlp`` is the least restrictive TLP under which the
    requester may see it; ``report_*`` name one report (Meldung) it came from."""

    id: int
    uuid: str  # stable per indicator, used for STIX ids (indicator--<uuid>)
    type: IndicatorType
    value: str
    tlp: TLP
    created: datetime
    modified: datetime
    valid_from: datetime
    valid_until: datetime | None = None
    confidence: int | None = None
    tags: tuple[str, ...] = ()
    report_uuid: str | None = None
    report_title: str | None = None
    comment: str | None = None


def records_for(pairs: Iterable[tuple[IndicatorType, str]], *, where_de: str, where_en: str,
                **common: Any) -> Iterator[IndicatorRecord | Reject]:
    """Normalise (type, raw value) pairs of one source object into records, or rejects naming it."""
    for kind, raw in pairs:
        try:
            got, value = normalize(kind, raw)
        except InvalidIndicator as exc:
            yield Reject(where_de, f"{where_de}: {exc.de}", f"{where_en}: {exc.en}")
            continue
        yield IndicatorRecord(type=got, value=value, **common)
