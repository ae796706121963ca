"""Plain records that readers yield and writers take: no database, no ORM."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

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

    def __reduce__(self) -> tuple:
        # Records cross from the reader process to the importer by the million: plain values
        # pickle several times faster than a dataclass with enum members.
        return _record, (self.type.value, self.value, self.valid_from, self.valid_until, self.confidence,
                         self.tlp.value if self.tlp is not None else None, self.tags, self.comment,
                         self.source_ref, self.block)


_TYPES = {t.value: t for t in IndicatorType}
_TLPS = {t.value: t for t in TLP}


def _record(kind: str, value: str, valid_from: datetime | None, valid_until: datetime | None,
            confidence: int | None, tlp: str | None, tags: tuple[str, ...], comment: str | None,
            source_ref: str | None, block: bool) -> IndicatorRecord:
    return IndicatorRecord(_TYPES[kind], value, valid_from, valid_until, confidence,
                           None if tlp is None else _TLPS[tlp], tags, comment, source_ref, block)


@dataclass(slots=True)
class Reject:
    """A malformed entry: a value that does not parse as its type, a field of the wrong JSON type.
    It fails a strict import; ``--skip-invalid`` leaves it out and lists it."""

    where: str  # "Objekt indicator--… " / "Zeile 17"
    de: str
    en: str


@dataclass(slots=True)
class Skip:
    """A valid entry that carries nothing a blocklist can use (a STIX pattern on ``file:name``, a
    Sigma rule, a MISP ``filename`` attribute). Never fails an import; every import names it."""

    where: str
    de: str
    en: str


@dataclass(slots=True)
class GroupInfo:
    """What a source says about the report its indicators belong to.

    With ``starts_report`` (a MISP event) the records that follow, up to the next such group, form
    reports of their own: their own TLP and title, never those of the group before."""

    title: str | None = None
    summary: str | None = None
    tlp: TLP | None = None
    source: str | None = None
    external_id: str | None = None
    tags: list[str] = field(default_factory=list)
    starts_report: bool = False


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


class ValueRow(NamedTuple):
    """What block lists, RPZ zones and Suricata rules need of an indicator, and nothing more: the
    exports that appliances poll most read only these columns (see ``service.export_rows(lean=True)``)."""

    id: int
    type: IndicatorType
    value: str
    tlp: TLP


# A writer that needs only type, value and TLP takes either row.
AnyRow = ValueRow | ExportRow


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
