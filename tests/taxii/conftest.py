"""TAXII helpers: the collections' addresses, headers for each way of logging in, STIX envelopes."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from kommcert.indicators.formats.stix import TLP_IDS
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from kommcert.taxii.collections import BY_ID, COLLECTIONS
from kommcert.taxii.media import TAXII

ROOT = "/taxii2/root"
IDS = {c.key: c.id for c in COLLECTIONS}
assert set(BY_ID) == set(IDS.values())


def objects_url(key: str) -> str:
    return f"{ROOT}/collections/{IDS[key]}/objects/"


def manifest_url(key: str) -> str:
    return f"{ROOT}/collections/{IDS[key]}/manifest/"


def basic(token: str, user: str = "siem") -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode(), "Accept": TAXII}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": TAXII}


def stix_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def indicator(value: str, *, kind: str = "domain-name", tlp: TLP | None = TLP.amber,
              pattern: str | None = None) -> dict:
    since = stix_time(datetime.now(UTC) - timedelta(days=1))
    obj = {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}", "created": since,
           "modified": since, "name": value, "pattern": pattern or f"[{kind}:value = '{value}']",
           "pattern_type": "stix", "valid_from": since}
    if tlp is not None:
        obj["object_marking_refs"] = [TLP_IDS[tlp]]
    return obj


def envelope(*objects: dict) -> bytes:
    return json.dumps({"objects": list(objects)}).encode()


@pytest.fixture
def publish(import_stix):  # noqa: ANN001, ANN201
    """``publish(owner, values, tlp=…, audience=…)``: one import (one report) of domain values."""

    def _publish(owner: str, values: list[str], *, tlp: TLP = TLP.amber, audience: Audience | None = None):  # noqa: ANN202
        return import_stix(owner, [f"[domain-name:value = '{v}']" for v in values], tlp=tlp, audience=audience)

    return _publish


@pytest.fixture
def import_stix(db, personas, settings):  # noqa: ANN001, ANN201
    import io

    from kommcert.indicators import importing
    from kommcert.indicators import service as indicators_service
    from tests.indicators.conftest import stix_bundle

    def _import(owner: str, patterns: list[str], *, audience: Audience | None = None, **kw):  # noqa: ANN003, ANN202
        return indicators_service.import_file(
            db, actor=personas.actor(owner), settings=settings, fmt="stix",
            stream=io.BytesIO(stix_bundle(patterns, **kw)), name="bundle.json",
            options=importing.ImportOptions(audience=audience or Audience()))

    return _import
