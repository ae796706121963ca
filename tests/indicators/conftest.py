from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from kommcert.indicators import importing
from kommcert.indicators import service as indicators_service
from kommcert.indicators.formats.stix import TLP_IDS
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP


def stix_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def stix_bundle(patterns: list[str], *, tlp: TLP | None = TLP.amber, valid_until: str | None = None) -> bytes:
    # Dates relative to the (test's) clock: a fixed valid_from expires under the default lifetimes.
    since = stix_time(datetime.now(UTC) - timedelta(days=1))
    objects: list[dict] = []
    for n, pattern in enumerate(patterns):
        obj = {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}",
               "created": since, "modified": since,
               "name": f"Indikator {n}", "pattern": pattern, "pattern_type": "stix",
               "valid_from": since, "labels": ["malicious-activity"]}
        if tlp is not None:
            obj["object_marking_refs"] = [TLP_IDS[tlp]]
        if valid_until:
            obj["valid_until"] = valid_until
        objects.append(obj)
    return json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": objects}).encode()


@pytest.fixture
def import_stix(db, personas, settings):  # noqa: ANN001, ANN201
    def _import(owner: str, patterns: list[str], *, audience: Audience | None = None, skip_invalid: bool = False,
                **kw):  # noqa: ANN003, ANN202
        return indicators_service.import_file(
            db, actor=personas.actor(owner), settings=settings, fmt="stix",
            stream=io.BytesIO(stix_bundle(patterns, **kw)), name="bundle.json",
            options=importing.ImportOptions(audience=audience or Audience(), skip_invalid=skip_invalid))

    return _import


def stix_report_bundle(value: str, tlp: TLP, *, title: str, description: str = "", label: str = "x",
                       kind: str = "domain-name", at: datetime | None = None) -> bytes:
    """One STIX report (its name becomes the report title) carrying one indicator with a description
    and a label, both marked ``tlp``; dated an hour before ``at`` (default now)."""
    stamp = ((at or datetime.now(UTC)).replace(microsecond=0) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    indicator = f"indicator--{uuid.uuid4()}"
    return json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}", "objects": [
        {"type": "report", "spec_version": "2.1", "id": f"report--{uuid.uuid4()}", "created": stamp,
         "modified": stamp, "name": title, "published": stamp, "object_refs": [indicator],
         "object_marking_refs": [TLP_IDS[tlp]]},
        {"type": "indicator", "spec_version": "2.1", "id": indicator, "created": stamp, "modified": stamp,
         "name": title, "description": description, "labels": [label], "pattern_type": "stix",
         "pattern": f"[{kind}:value = '{value}']", "valid_from": stamp, "object_marking_refs": [TLP_IDS[tlp]]},
    ]}).encode()
