"""Streaming STIX 2.1 reader: bundles and TAXII envelopes of any size, one object at a time.

Reads ``indicator`` objects with STIX patterns (:mod:`stix_pattern`), the cyber observables
themselves (ipv4-addr, ipv6-addr, domain-name, url, email-addr, file hashes), TLP 1.0 and 2.0
marking definitions, identities (producer names) and reports or groupings (title). Other objects are
skipped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from typing import IO, Any

import ijson

from kommcert.errors import InvalidInput
from kommcert.indicators.formats import stix_pattern
from kommcert.indicators.formats.records import GroupInfo, IndicatorRecord, Reject, records_for
from kommcert.indicators.types import IndicatorType
from kommcert.sharing.tlp import TLP

TLP_MARKINGS: dict[str, TLP] = {
    # TLP 1.0, defined in the STIX 2.1 specification
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.clear,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.green,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.amber,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.red,
    # TLP 2.0, OASIS extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": TLP.clear,
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": TLP.green,
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": TLP.amber,
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": TLP.amber_strict,
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": TLP.red,
}
TLP_IDS: dict[TLP, str] = {
    TLP.clear: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.green: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.amber: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.amber_strict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.red: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
_ORDER = [TLP.clear, TLP.green, TLP.amber, TLP.amber_strict, TLP.red]

SCO_TYPES = {
    "ipv4-addr": IndicatorType.ipv4,
    "ipv6-addr": IndicatorType.ipv6,
    "domain-name": IndicatorType.domain,
    "url": IndicatorType.url,
    "email-addr": IndicatorType.email,
}
FILE_HASHES = {"MD5": IndicatorType.md5, "SHA-1": IndicatorType.sha1, "SHA1": IndicatorType.sha1,
               "SHA-256": IndicatorType.sha256, "SHA256": IndicatorType.sha256}


def strictest(labels: list[TLP]) -> TLP | None:
    return max(labels, key=_ORDER.index) if labels else None


def parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    return _parse_time(text)


@lru_cache(maxsize=4096)
def _parse_time(text: str) -> datetime | None:
    # Feeds repeat a few timestamps many times; the cache also lets pickle send each one once.
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else None


def _tlp_of(obj: dict[str, Any], extra_markings: dict[str, TLP]) -> TLP | None:
    refs = obj.get("object_marking_refs") or []
    if len(refs) == 1 and refs[0] in TLP_MARKINGS:  # the usual case: one TLP marking
        return TLP_MARKINGS[refs[0]]
    found = [TLP_MARKINGS.get(r) or extra_markings.get(r) for r in refs if isinstance(r, str)]
    return strictest([t for t in found if t is not None])


def _tags(obj: dict[str, Any]) -> tuple[str, ...]:
    tags = [str(label) for label in obj.get("labels") or [] if isinstance(label, str)]
    for phase in obj.get("kill_chain_phases") or []:
        if isinstance(phase, dict) and phase.get("phase_name"):
            tags.append(f"kill-chain:{phase['phase_name']}")
    return tuple(tags[:50])


def _indicator(obj: dict[str, Any], tlp: TLP | None) -> Iterator[IndicatorRecord | Reject]:
    where = f"Objekt {obj.get('id', '?')}"
    where_en = f"object {obj.get('id', '?')}"
    if obj.get("pattern_type", "stix") != "stix":
        yield Reject(where, f"{where}: Mustertyp {obj.get('pattern_type')} wird nicht unterstützt",
                     f"{where_en}: pattern type {obj.get('pattern_type')} is not supported")
        return
    pattern = obj.get("pattern")
    if not isinstance(pattern, str):
        yield Reject(where, f"{where}: Muster fehlt", f"{where_en}: pattern missing")
        return
    try:
        pairs = stix_pattern.parse(pattern)
    except stix_pattern.UnsupportedPattern as exc:
        yield Reject(where, f"{where}: {exc.de}", f"{where_en}: {exc.en}")
        return
    confidence = obj.get("confidence")
    common = {
        "valid_from": parse_time(obj.get("valid_from")),
        "valid_until": parse_time(obj.get("valid_until")),
        "confidence": confidence if isinstance(confidence, int) and 0 <= confidence <= 100 else None,
        "tlp": tlp,
        "tags": _tags(obj),
        "comment": (obj.get("description") or obj.get("name") or None),
        "source_ref": obj.get("id"),
    }
    yield from records_for(pairs, where_de=where, where_en=where_en, **common)


def _observable(obj: dict[str, Any], tlp: TLP | None) -> Iterator[IndicatorRecord | Reject]:
    where = f"Objekt {obj.get('id', '?')}"
    pairs: list[tuple[IndicatorType, str]] = []
    if obj["type"] == "file":
        for algo, value in (obj.get("hashes") or {}).items():
            kind = FILE_HASHES.get(str(algo).upper())
            if kind is not None and isinstance(value, str):
                pairs.append((kind, value))
    elif isinstance(obj.get("value"), str):
        pairs.append((SCO_TYPES[obj["type"]], obj["value"]))
    yield from records_for(pairs, where_de=where, where_en=f"Object {obj.get('id', '?')}", tlp=tlp,
                           source_ref=obj.get("id"))


def read(stream: IO[bytes], *, source: str = "STIX") -> Iterator[IndicatorRecord | Reject | GroupInfo]:
    """Yield records in file order. Malformed JSON raises :class:`InvalidInput` naming the place.

    Marking definitions other than the TLP ones must come before the objects that use them (as
    every producer we know writes them); an unknown marking is treated as no TLP.
    """
    extra_markings: dict[str, TLP] = {}
    index = -1
    try:
        for index, obj in enumerate(ijson.items(stream, "objects.item", use_float=True)):
            if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
                yield Reject(f"Objekt Nr. {index + 1}", f"Objekt Nr. {index + 1}: kein STIX-Objekt",
                             f"object no. {index + 1}: not a STIX object")
                continue
            kind = obj["type"]
            if kind == "indicator":
                yield from _indicator(obj, _tlp_of(obj, extra_markings))
            elif kind in SCO_TYPES or kind == "file":
                yield from _observable(obj, _tlp_of(obj, extra_markings))
            elif kind == "marking-definition":
                tlp_name = (obj.get("definition") or {}).get("tlp") if obj.get("definition_type") == "tlp" else None
                name = obj.get("name") or tlp_name
                if obj.get("id") not in TLP_MARKINGS and isinstance(name, str):
                    with contextlib.suppress(ValueError):  # a marking that is no TLP
                        extra_markings[obj["id"]] = TLP.parse(name)
            elif kind in ("report", "grouping"):  # MISP exports an event as a grouping
                yield GroupInfo(title=obj.get("name"), summary=obj.get("description"),
                                tlp=_tlp_of(obj, extra_markings), source=source, external_id=obj.get("id"),
                                tags=list(_tags(obj)))
            elif kind == "identity" and obj.get("name"):
                yield GroupInfo(source=str(obj["name"]))
    except ijson.JSONError as exc:
        reason = (str(exc).splitlines() or ["?"])[0]
        raise InvalidInput(
            f"Kein gültiges JSON nach Objekt Nr. {index + 1}: {reason}",
            f"Invalid JSON after object no. {index + 1}: {reason}",
        ) from None
    if index < 0:
        raise InvalidInput("Die Datei enthält kein STIX-Bundle mit Objekten ('objects').",
                           "The file holds no STIX bundle with objects ('objects').")
