"""STIX 2.1 bundle writer: one ``indicator`` per row, written as JSON text.

Objects are serialised with ``json.dumps`` on small dicts — building ``stix2`` objects per row
costs ~100× more and a bundle may hold a million indicators (the tests check the output with
``stix2`` and ``stix2-validator``). The TLP 2.0 marking definitions are the objects published by
OASIS; only those actually referenced are written, after the indicators, since which ones are
used is only known at the end of the stream (object order in a bundle carries no meaning).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from kommcert.indicators.formats import stix_pattern
from kommcert.indicators.formats.export_text import chunked
from kommcert.indicators.formats.records import ExportRow
from kommcert.indicators.formats.stix import TLP_IDS
from kommcert.sharing.tlp import TLP

STIX_CONTENT_TYPE = "application/stix+json;version=2.1"
STIX_FILENAME = "kommcert-indicators.stix.json"

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"  # part of the published objects, like their ids
# The producer identity is the same object in every export: created is fixed, its id is uuid5 of the name.
IDENTITY_NAMESPACE = uuid.UUID("6f1c5d0e-3b0a-5d8e-9a8f-6b6f6d6d63e7")
IDENTITY_CREATED = "2026-01-01T00:00:00.000Z"

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


_TIMES: dict[datetime, str] = {}  # rows of one import share timestamps: formatting was 40 % of the writer


def stix_time(value: datetime) -> str:
    """RFC 3339 in UTC with milliseconds and ``Z``; naive datetimes are UTC."""
    text = _TIMES.get(value)
    if text is None:
        if value.tzinfo is None:
            text = value.isoformat(timespec="milliseconds") + "Z"
        else:
            utc = value.astimezone(UTC) if value.utcoffset() else value
            text = utc.isoformat(timespec="milliseconds")[:-6] + "Z"  # drop "+00:00"
        if len(_TIMES) >= 4096:
            _TIMES.clear()
        _TIMES[value] = text
    return text


def tlp_marking(tlp: TLP) -> dict[str, object]:
    """The TLP 2.0 marking-definition object as published in the OASIS TLP 2.0 extension."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP_IDS[tlp],
        "created": TLP2_CREATED,
        "name": tlp.label,
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": tlp.value}},
    }


def identity_id(name: str) -> str:
    return f"identity--{uuid.uuid5(IDENTITY_NAMESPACE, name)}"


def identity_object(name: str, generated: datetime) -> dict[str, object]:
    modified = max(stix_time(generated), IDENTITY_CREATED)
    return {"type": "identity", "spec_version": "2.1", "id": identity_id(name), "created": IDENTITY_CREATED,
            "modified": modified, "name": name, "identity_class": "organization"}


def indicator_object(row: ExportRow, created_by: str) -> dict[str, object] | None:
    """The indicator for one row; ``None`` for a row whose validity window is empty (STIX requires
    valid_until > valid_from, and such an indicator would never match anyway)."""
    created = stix_time(row.created)
    modified = max(stix_time(row.modified), created)
    valid_from = stix_time(row.valid_from)
    obj: dict[str, object] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{row.uuid}",
        "created_by_ref": created_by,
        "created": created,
        "modified": modified,
        "name": f"{row.type.value}: {row.value}",
        "indicator_types": ["malicious-activity"],
        "pattern": stix_pattern.write(row.type, row.value),
        "pattern_type": "stix",
        "pattern_version": "2.1",
        "valid_from": valid_from,
    }
    if row.valid_until is not None:
        valid_until = stix_time(row.valid_until)
        if valid_until <= valid_from:  # same fixed-width format: string order is time order
            return None
        obj["valid_until"] = valid_until
    if row.confidence is not None and 0 <= row.confidence <= 100:
        obj["confidence"] = row.confidence
    labels = [tag for tag in row.tags if tag]
    if labels:
        obj["labels"] = labels
    if row.comment:
        obj["description"] = row.comment
    obj["object_marking_refs"] = [TLP_IDS[row.tlp]]
    return obj


def _pieces(rows: Iterable[ExportRow], identity_name: str, generated: datetime) -> Iterator[str]:
    ident = identity_object(identity_name, generated)
    created_by = str(ident["id"])
    yield f'{{"type":"bundle","id":"bundle--{uuid.uuid4()}","objects":[\n'
    yield _dumps(ident)
    used: set[TLP] = set()
    for row in rows:
        obj = indicator_object(row, created_by)
        if obj is None:
            continue
        used.add(row.tlp)
        yield ",\n" + _dumps(obj)
    for tlp in TLP:  # enum order: stable output
        if tlp in used:
            yield ",\n" + _dumps(tlp_marking(tlp))
    yield "\n]}\n"


def write_stix_bundle(rows: Iterable[ExportRow], *, identity_name: str, generated: datetime) -> Iterator[str]:
    """Stream a STIX 2.1 bundle: the producer identity, one indicator per row, the TLP markings used.

    Hostnames become ``domain-name`` patterns (STIX has no separate hostname object), so a
    reader gets them back as domains.
    """
    return chunked(_pieces(rows, identity_name, generated))
