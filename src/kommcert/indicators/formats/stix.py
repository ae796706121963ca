"""Streaming STIX 2.1 reader: bundles and TAXII envelopes of any size, one object at a time.

Reads ``indicator`` objects with STIX patterns (:mod:`stix_pattern`), the cyber observables
themselves (ipv4-addr, ipv6-addr, domain-name, url, email-addr, file hashes), TLP 1.0 and 2.0
marking definitions, identities (producer names) and reports or groupings (title). Other objects are
ignored. An indicator that is valid STIX but tests nothing blockable (``file:name``, a Sigma or YARA
rule) becomes a :class:`Skip`; one with fields of the wrong type or an unreadable pattern a
:class:`Reject`. The stream passes a :class:`guard.JsonGuard` first: nesting and object size are
bounded before ijson builds anything.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import IO, Any

import ijson

from kommcert.errors import InvalidInput
from kommcert.indicators.formats import guard, stix_pattern
from kommcert.indicators.formats.records import GroupInfo, IndicatorRecord, Reject, Skip, records_for
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
MAX_OBJECT_BYTES = 16 * 1024 * 1024  # one STIX object (an indicator is a few hundred bytes)
# Validity outside these years is a broken timestamp, not a plan (and year 9999 + a lifetime overflows).
EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)
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


class _Malformed(Exception):  # noqa: N818 - becomes a Reject, never leaves this module
    def __init__(self, de: str, en: str) -> None:
        super().__init__(en)
        self.de, self.en = de, en


def _field(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], what_de: str, what_en: str) -> Any:
    """``obj[key]`` if absent or of the expected JSON type; else the object is malformed."""
    value = obj.get(key)
    if value is None or isinstance(value, kind):
        return value
    raise _Malformed(f"„{key}“ ist {what_de}", f"'{key}' is {what_en}")


def _strings(obj: dict[str, Any], key: str) -> list[str]:
    value = _field(obj, key, list, "keine Liste", "not a list") or []
    if not all(isinstance(v, str) for v in value):
        raise _Malformed(f"„{key}“ enthält etwas anderes als Texte", f"'{key}' holds something other than strings")
    return value


def _time(obj: dict[str, Any], key: str) -> datetime | None:
    text = obj.get(key)
    if not text:
        return None
    value = _parse_time(text) if type(text) is str else None
    if value is not None and EARLIEST <= value < LATEST:  # the usual case, checked first
        return value
    _field(obj, key, str, "kein Text", "not a string")
    if value is None:
        raise _Malformed(f"„{key}“ ist kein Zeitpunkt nach RFC 3339", f"'{key}' is not an RFC 3339 timestamp")
    if not EARLIEST <= value < LATEST:
        raise _Malformed(f"„{key}“ liegt außerhalb der Jahre 1970–2199", f"'{key}' lies outside the years 1970–2199")
    return value


def _tlp_of(obj: dict[str, Any], extra_markings: dict[str, TLP]) -> TLP | None:
    refs = obj.get("object_marking_refs")
    if type(refs) is list and len(refs) == 1 and type(refs[0]) is str and refs[0] in TLP_MARKINGS:
        return TLP_MARKINGS[refs[0]]  # the usual case: one TLP marking
    refs = _strings(obj, "object_marking_refs")
    found = [TLP_MARKINGS.get(r) or extra_markings.get(r) for r in refs if isinstance(r, str)]
    return strictest([t for t in found if t is not None])


def _tags(obj: dict[str, Any]) -> tuple[str, ...]:
    labels, phases = obj.get("labels"), obj.get("kill_chain_phases")
    if labels is None and phases is None:
        return ()
    tags = list(_strings(obj, "labels"))
    for phase in _field(obj, "kill_chain_phases", list, "keine Liste", "not a list") or []:
        if isinstance(phase, dict) and isinstance(phase.get("phase_name"), str):
            tags.append(f"kill-chain:{phase['phase_name']}")
    return tuple(tags[:50])


def _indicator(obj: dict[str, Any], tlp: TLP | None, where: str, where_en: str
               ) -> list[IndicatorRecord | Reject | Skip]:
    pattern_type = obj.get("pattern_type", "stix")
    pattern = obj.get("pattern")
    if type(pattern_type) is not str or type(pattern) is not str:
        pattern_type = _field(obj, "pattern_type", str, "kein Text", "not a string") or "stix"
        pattern = _field(obj, "pattern", str, "kein Text", "not a string")
    if pattern_type != "stix":  # Sigma, YARA, Snort …: detection content, but no blockable value
        return [Skip(where, f"{where}: Mustersprache {pattern_type[:40]} enthält keine blockierbaren Werte",
                     f"{where_en}: pattern language {pattern_type[:40]} holds no blockable values")]
    if pattern is None:
        return [Reject(where, f"{where}: Muster fehlt", f"{where_en}: pattern missing")]
    try:
        pairs = stix_pattern.parse(pattern)
    except stix_pattern.UnsupportedPattern as exc:
        kind = Reject if exc.malformed else Skip
        return [kind(where, f"{where}: {exc.de}", f"{where_en}: {exc.en}")]
    confidence = obj.get("confidence")
    description, name = obj.get("description"), obj.get("name")
    if not (description is None or type(description) is str) or not (name is None or type(name) is str):
        description = _field(obj, "description", str, "kein Text", "not a string")
        name = _field(obj, "name", str, "kein Text", "not a string")
    common = {
        "valid_from": _time(obj, "valid_from"),
        "valid_until": _time(obj, "valid_until"),
        "confidence": confidence if isinstance(confidence, int) and 0 <= confidence <= 100 else None,
        "tlp": tlp,
        "tags": _tags(obj),
        "comment": description or name or None,
        "source_ref": obj.get("id"),
    }
    return list(records_for(pairs, where_de=where, where_en=where_en, **common))


def _observable(obj: dict[str, Any], tlp: TLP | None, where: str, where_en: str
                ) -> list[IndicatorRecord | Reject | Skip]:
    pairs: list[tuple[IndicatorType, str]] = []
    if obj["type"] == "file":
        hashes = _field(obj, "hashes", dict, "kein Objekt", "not an object") or {}
        for algo, value in hashes.items():
            kind = FILE_HASHES.get(str(algo).upper())
            if kind is not None:
                if not isinstance(value, str):
                    raise _Malformed(f"Prüfsumme {algo} ist kein Text", f"hash {algo} is not a string")
                pairs.append((kind, value))
        if not pairs:
            return [Skip(where, f"{where}: Datei ohne MD5-, SHA-1- oder SHA-256-Prüfsumme",
                         f"{where_en}: file without an MD5, SHA-1 or SHA-256 hash")]
    else:
        value = _field(obj, "value", str, "kein Text", "not a string")
        if value is None:
            raise _Malformed("„value“ fehlt", "'value' missing")
        pairs.append((SCO_TYPES[obj["type"]], value))
    return list(records_for(pairs, where_de=where, where_en=where_en, tlp=tlp, source_ref=obj.get("id")))


def _object(obj: dict[str, Any], extra_markings: dict[str, TLP], source: str
            ) -> list[IndicatorRecord | Reject | Skip | GroupInfo]:
    """The records of one object, all or none: a field of the wrong type raises :class:`_Malformed`."""
    kind = obj["type"]
    if kind == "indicator":
        where, where_en = _where(obj)
        return _indicator(obj, _tlp_of(obj, extra_markings), where, where_en)
    if kind in SCO_TYPES or kind == "file":
        where, where_en = _where(obj)
        return _observable(obj, _tlp_of(obj, extra_markings), where, where_en)
    if kind == "marking-definition":
        definition = _field(obj, "definition", dict, "kein Objekt", "not an object") or {}
        tlp_name = definition.get("tlp") if obj.get("definition_type") == "tlp" else None
        name = obj.get("name") or tlp_name
        marking_id = obj.get("id")
        if isinstance(marking_id, str) and marking_id not in TLP_MARKINGS and isinstance(name, str):
            with contextlib.suppress(ValueError):  # a marking that is no TLP
                extra_markings[marking_id] = TLP.parse(name)
    elif kind in ("report", "grouping"):  # MISP exports an event as a grouping
        title = obj.get("name")
        summary = obj.get("description")
        return [GroupInfo(title=title if isinstance(title, str) else None,
                          summary=summary if isinstance(summary, str) else None,
                          tlp=_tlp_of(obj, extra_markings), source=source,
                          external_id=obj.get("id") if isinstance(obj.get("id"), str) else None,
                          tags=list(_tags(obj)))]
    elif kind == "identity" and isinstance(obj.get("name"), str) and obj["name"]:
        return [GroupInfo(source=obj["name"])]
    return []


def _where(obj: dict[str, Any]) -> tuple[str, str]:
    ref = obj.get("id")
    if not isinstance(ref, str):
        raise _Malformed("„id“ ist kein Text", "'id' is not a string")
    ref = ref[:100]
    return f"Objekt {ref}", f"object {ref}"


def read(stream: IO[bytes], *, source: str = "STIX") -> Iterator[IndicatorRecord | Reject | Skip | GroupInfo]:
    """Yield records in file order. Malformed JSON raises :class:`InvalidInput` naming the place.

    Marking definitions other than the TLP ones must come before the objects that use them (as
    every producer we know writes them); an unknown marking is treated as no TLP.
    """
    extra_markings: dict[str, TLP] = {}
    index = -1
    checked = guard.GuardedStream(stream, guard.JsonGuard(source, item_depth=3, max_object_bytes=MAX_OBJECT_BYTES))
    try:
        for index, obj in enumerate(ijson.items(checked, "objects.item", use_float=True)):
            if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
                yield Reject(f"Objekt Nr. {index + 1}", f"Objekt Nr. {index + 1}: kein STIX-Objekt",
                             f"object no. {index + 1}: not a STIX object")
                continue
            try:
                if obj["type"] == "indicator" and type(obj.get("id")) is str:  # the hot path, one call less
                    ref = obj["id"][:100]
                    yield from _indicator(obj, _tlp_of(obj, extra_markings), f"Objekt {ref}", f"object {ref}")
                else:
                    yield from _object(obj, extra_markings, source)
            except _Malformed as exc:
                ref = obj.get("id") if isinstance(obj.get("id"), str) else f"Nr. {index + 1}"
                ref_en = ref if isinstance(obj.get("id"), str) else f"no. {index + 1}"
                yield Reject(f"Objekt {ref[:100]}", f"Objekt {ref[:100]}: {exc.de}", f"object {ref_en[:100]}: {exc.en}")
    except ijson.JSONError as exc:
        reason = exc.args[0] if exc.args else "?"
        reason = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        reason = (reason.splitlines() or ["?"])[0][:200]
        if "UTF8" in reason:
            raise InvalidInput(f"{source}: keine UTF-8-Datei (nach Objekt Nr. {index + 1})",
                               f"{source}: not a UTF-8 file (after object no. {index + 1})") from None
        raise InvalidInput(
            f"{source}: kein gültiges JSON nach Objekt Nr. {index + 1}: {reason}",
            f"{source}: invalid JSON after object no. {index + 1}: {reason}",
        ) from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{source}: keine UTF-8-Datei (nach Objekt Nr. {index + 1})",
                           f"{source}: not a UTF-8 file (after object no. {index + 1})") from None
    if index < 0:
        raise InvalidInput(f"{source}: Die Datei enthält kein STIX-Bundle mit Objekten ('objects').",
                           f"{source}: The file holds no STIX bundle with objects ('objects').")
