"""MISP event JSON reader: ``{"Event": {...}}``, a bare event, or an API search result
(``{"response": [{"Event": ...}, ...]}``).

MISP has no TLP field; TLP is a ``tlp:*`` tag on the event and, overriding it, on single attributes.
Only attribute types kommcert can enforce and export are read; other types that are not meant for
detection (``to_ids`` false, e.g. ``text``, ``comment``) carry no indicator and are left out silently,
but one flagged for detection (``filename``, ``regkey`` …) becomes a :class:`Skip`, so that an
analyst sees what was not taken. Parts of the wrong JSON type (``Attribute`` as text, a tag as a
number) are :class:`Reject` s naming the event or attribute.
Events are small (kilobytes to a few megabytes), so ``json.loads`` is fine here, after the
document passed the size and nesting limits of :mod:`guard`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from kommcert.errors import InvalidInput
from kommcert.indicators.formats import guard
from kommcert.indicators.formats.records import GroupInfo, IndicatorRecord, Reject, Skip, records_for
from kommcert.indicators.formats.stix import strictest
from kommcert.indicators.normalize import InvalidIndicator
from kommcert.indicators.types import IndicatorType
from kommcert.sharing.tlp import TLP

Record = IndicatorRecord | Reject | Skip | GroupInfo
MAX_EVENT_BYTES = 64 * 1024 * 1024  # one event file (json.loads holds it whole, several times its size)
# Attribute timestamps outside these bounds are broken, not dates (year 9999 + a lifetime overflows).
_EPOCH_MAX = 7_258_118_400  # 2200-01-01


class _Malformed(Exception):  # noqa: N818 - becomes a Reject, never leaves this module
    def __init__(self, de: str, en: str) -> None:
        super().__init__(en)
        self.de, self.en = de, en


def _list(obj: dict[str, Any], key: str) -> list[Any]:
    value = obj.get(key)
    if value is None or value == "":
        return []
    if not isinstance(value, list):
        raise _Malformed(f"„{key}“ ist keine Liste", f"'{key}' is not a list")
    return value

# MISP type -> our type; None means "an IP address, family decided by the value".
SIMPLE_TYPES: dict[str, IndicatorType | None] = {
    "ip-dst": None,
    "ip-src": None,
    "domain": IndicatorType.domain,
    "hostname": IndicatorType.hostname,
    "url": IndicatorType.url,
    "email": IndicatorType.email,
    "email-src": IndicatorType.email,
    "email-dst": IndicatorType.email,
    "md5": IndicatorType.md5,
    "sha1": IndicatorType.sha1,
    "sha256": IndicatorType.sha256,
}
# Composite types "a|b": per part its type, None = an IP address, False = a part we ignore.
COMPOSITE_TYPES: dict[str, tuple[IndicatorType | None | bool, ...]] = {
    "ip-dst|port": (None, False),
    "ip-src|port": (None, False),
    "hostname|port": (IndicatorType.hostname, False),
    "domain|ip": (IndicatorType.domain, None),
    "filename|md5": (False, IndicatorType.md5),
    "filename|sha1": (False, IndicatorType.sha1),
    "filename|sha256": (False, IndicatorType.sha256),
}
# References, not indicators: skipped even when flagged for detection.
ALWAYS_SKIPPED = frozenset({"link"})


def tlp_tag(name: str) -> TLP | None:
    """The TLP a MISP tag names, or None (``tlp:ex:chr`` and other non-TLP-2.0 tags stay tags)."""
    if not name.lower().startswith("tlp:"):
        return None
    try:
        return TLP.parse(name)
    except ValueError:
        return None


def _tag_names(obj: dict[str, Any]) -> list[str]:
    """Tag names from ``Tag`` (feed/export form) or ``EventTag``/``AttributeTag`` (API form)."""
    names: list[str] = []
    for tag in _list(obj, "Tag"):
        name = tag.get("name") if isinstance(tag, dict) else tag
        if isinstance(name, str) and name.strip():
            names.append(name.strip())
        elif name is not None:
            raise _Malformed("„Tag“ enthält einen Namen, der kein Text ist", "'Tag' holds a name that is not a string")
    for key in ("EventTag", "AttributeTag"):
        for wrapper in _list(obj, key):
            tag = wrapper.get("Tag") if isinstance(wrapper, dict) else None
            if isinstance(tag, dict) and isinstance(tag.get("name"), str):
                names.append(tag["name"].strip())
    return names


def _split_tags(obj: dict[str, Any]) -> tuple[TLP | None, list[str]]:
    tlps: list[TLP] = []
    others: list[str] = []
    for name in _tag_names(obj):
        tlp = tlp_tag(name)
        if tlp is not None:
            tlps.append(tlp)
        elif name not in others:
            others.append(name)
    return strictest(tlps), others[:50]


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def _epoch(value: Any) -> datetime | None:
    try:
        seconds = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if seconds <= 0:
        return None
    if seconds >= _EPOCH_MAX:
        raise _Malformed(f"Zeitstempel {seconds} liegt nach dem Jahr 2199", f"timestamp {seconds} lies after 2199")
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _ip_kind(value: str) -> IndicatorType:
    return IndicatorType.ipv6 if ":" in value else IndicatorType.ipv4


def _pairs(misp_type: str, value: str) -> list[tuple[IndicatorType, str]] | None:
    """(type, raw value) pairs an attribute holds; None for a type we do not read."""
    if misp_type in SIMPLE_TYPES:
        kind = SIMPLE_TYPES[misp_type]
        return [(kind or _ip_kind(value), value)]
    parts_spec = COMPOSITE_TYPES.get(misp_type)
    if parts_spec is None:
        return None
    parts = value.split("|")
    if len(parts) != len(parts_spec):
        raise InvalidIndicator(f"Wert „{value[:80]}“ passt nicht zum Typ {misp_type}",
                               f"value '{value[:80]}' does not fit type {misp_type}")
    pairs: list[tuple[IndicatorType, str]] = []
    for spec, part in zip(parts_spec, parts, strict=True):
        if spec is False:
            continue
        kind = spec if isinstance(spec, IndicatorType) else _ip_kind(part)
        pairs.append((kind, part))
    return pairs


def _attribute(attr: Any, event_tlp: TLP | None, where_event: tuple[str, str]
               ) -> Iterator[IndicatorRecord | Reject | Skip]:
    if not isinstance(attr, dict):
        yield Reject(where_event[0], f"{where_event[0]}: ein Attribut ist kein JSON-Objekt",
                     f"{where_event[1]}: an attribute is not a JSON object")
        return
    if _flag(attr.get("deleted")):
        return
    uuid = str(attr.get("uuid") or "?")[:100]
    where_de, where_en = f"Attribut {uuid}", f"attribute {uuid}"
    try:
        yield from list(_attribute_records(attr, event_tlp, where_de, where_en))
    except _Malformed as exc:
        yield Reject(where_de, f"{where_de}: {exc.de}", f"{where_en}: {exc.en}")


def _attribute_records(attr: dict[str, Any], event_tlp: TLP | None, where_de: str, where_en: str
                       ) -> Iterator[IndicatorRecord | Reject | Skip]:
    misp_type = attr.get("type") or ""
    if not isinstance(misp_type, str):
        raise _Malformed("„type“ ist kein Text", "'type' is not a string")
    value = attr.get("value")
    block = _flag(attr.get("to_ids"))
    if misp_type in ALWAYS_SKIPPED:
        return
    if not isinstance(value, str) and (misp_type in SIMPLE_TYPES or misp_type in COMPOSITE_TYPES):
        yield Reject(where_de, f"{where_de}: Wert fehlt", f"{where_en}: value missing")
        return
    try:
        pairs = _pairs(misp_type, value) if isinstance(value, str) else None
    except InvalidIndicator as exc:
        yield Reject(where_de, f"{where_de}: {exc.de}", f"{where_en}: {exc.en}")
        return
    if pairs is None:
        if block:  # meant for detection, but nothing a blocklist can hold
            yield Skip(where_de, f"{where_de}: MISP-Attributtyp „{misp_type[:40]}“ ist nicht blockierbar",
                       f"{where_en}: MISP attribute type '{misp_type[:40]}' is not blockable")
        return
    tlp, tags = _split_tags(attr)
    comment = attr.get("comment")
    common = {
        "valid_from": _epoch(attr.get("timestamp")),
        "tlp": tlp or event_tlp,
        "tags": tuple(tags),
        "comment": comment.strip() if isinstance(comment, str) and comment.strip() else None,
        "source_ref": attr["uuid"][:200] if isinstance(attr.get("uuid"), str) else None,
        "block": block,
    }
    yield from records_for(pairs, where_de=where_de, where_en=where_en, **common)


def event_records(event: dict[str, Any], *, starts_report: bool = False) -> Iterator[Record]:
    """One ``GroupInfo`` for the event, then its attributes (top-level first, then objects').

    ``starts_report``: the event is one of several in the source and gets reports of its own."""
    uuid = event.get("uuid") if isinstance(event.get("uuid"), str) else None
    where = (f"Ereignis {(uuid or '?')[:100]}", f"event {(uuid or '?')[:100]}")
    try:
        tlp, tags = _split_tags(event)
        attributes, objects = _list(event, "Attribute"), _list(event, "Object")
    except _Malformed as exc:
        yield Reject(where[0], f"{where[0]}: {exc.de}", f"{where[1]}: {exc.en}")
        return
    orgc = event.get("Orgc") if isinstance(event.get("Orgc"), dict) else {}
    info = event.get("info")
    yield GroupInfo(title=info.strip()[:300] or None if isinstance(info, str) else None, summary=None, tlp=tlp,
                    source=orgc.get("name") if isinstance(orgc.get("name"), str) else None,
                    external_id=uuid, tags=tags, starts_report=starts_report)
    for attr in attributes:
        yield from _attribute(attr, tlp, where)
    for obj in objects:
        if not isinstance(obj, dict):
            yield Reject(where[0], f"{where[0]}: ein Objekt ist kein JSON-Objekt",
                         f"{where[1]}: an object is not a JSON object")
            continue
        if _flag(obj.get("deleted")):
            continue
        try:
            object_attributes = _list(obj, "Attribute")
        except _Malformed as exc:
            yield Reject(where[0], f"{where[0]}: {exc.de}", f"{where[1]}: {exc.en}")
            continue
        for attr in object_attributes:
            yield from _attribute(attr, tlp, where)


def _events(doc: Any) -> list[dict[str, Any]] | None:
    if isinstance(doc, dict) and "response" in doc:
        doc = doc["response"]
    items = doc if isinstance(doc, list) else [doc]
    events = []
    for item in items:
        event = item.get("Event", item) if isinstance(item, dict) else None
        if not isinstance(event, dict) or not any(k in event for k in ("Attribute", "Object", "info", "uuid")):
            return None
        events.append(event)
    return events


def read_event(stream: IO[bytes], *, name: str | None = None, starts_report: bool | None = None) -> Iterator[Record]:
    """Yield records of one MISP event file (or several events of an API response) in input order.

    ``name`` (a file name or URL) is put into error messages so that a feed import names the file.
    Each event gets reports of its own when the source holds several (``starts_report`` None: when
    this file does).
    """
    place_de = f"{name}: " if name else ""
    try:
        doc = json.loads(guard.read_json_bytes(stream, name=name or "MISP", max_bytes=MAX_EVENT_BYTES))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{place_de}kein gültiges JSON (Zeile {exc.lineno}, Spalte {exc.colno}): {exc.msg}",
                           f"{place_de}invalid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{place_de}keine UTF-8-Textdatei", f"{place_de}not a UTF-8 text file") from None
    events = _events(doc)
    if not events:
        raise InvalidInput(f"{place_de}kein MISP-Ereignis (erwartet {{\"Event\": {{…}}}})",
                           f"{place_de}not a MISP event (expected {{\"Event\": {{…}}}})")
    several = len(events) > 1 if starts_report is None else starts_report
    for event in events:
        yield from event_records(event, starts_report=several)
