"""STIX bundle export: validated by stix2-validator, parsed by stix2, read back by kommcert's reader."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import stix2
import stix2validator

from kommcert.indicators.formats import stix as stix_reader
from kommcert.indicators.formats.export_stix import (
    STIX_CONTENT_TYPE,
    TLP2_EXTENSION,
    identity_id,
    stix_time,
    write_stix_bundle,
)
from kommcert.indicators.formats.records import ExportRow, IndicatorRecord
from kommcert.indicators.types import IndicatorType as T
from kommcert.sharing.tlp import TLP

NOW = datetime(2019, 11, 1, 12, 0, 0, 123456, tzinfo=UTC)
SAMPLES = [
    (T.ipv4, "198.51.100.7"), (T.ipv4, "203.0.113.9"), (T.ipv6, "2001:db8::1"), (T.ipv6, "2001:db8:0:1::7"),
    (T.ipv4_cidr, "192.0.2.0/24"), (T.ipv4_cidr, "198.18.0.0/15"), (T.ipv6_cidr, "2001:db8::/32"),
    (T.ipv6_cidr, "2001:db8:1::/48"), (T.domain, "evil.example"), (T.domain, "xn--bcher-kva.example"),
    (T.hostname, "www.bad.example"), (T.hostname, "c2.evil.example"), (T.url, "http://evil.example/a/b?c=d"),
    (T.url, "https://bad.example:8443/x"), (T.email, "phish@evil.example"), (T.email, "ceo@bad.example"),
    (T.md5, "d41d8cd98f00b204e9800998ecf8427e"), (T.md5, "0" * 32),
    (T.sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    (T.sha1, "1" * 40), (T.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (T.sha256, "2" * 64),
]


def row(n: int, kind: T, value: str, **kw) -> ExportRow:  # noqa: ANN003
    base = {"id": n, "uuid": str(uuid.uuid4()), "type": kind, "value": value, "tlp": list(TLP)[n % len(TLP)],
            "created": NOW, "modified": NOW + timedelta(hours=1), "valid_from": NOW,
            "valid_until": NOW + timedelta(days=30), "confidence": 70, "tags": ("malware:emotet", "T1566"),
            "report_title": "Welle <script>", "comment": 'Kommentar "mit" Zeichen'}
    base.update(kw)
    return ExportRow(**base)


def sample_rows() -> list[ExportRow]:
    return [row(n, kind, value) for n, (kind, value) in enumerate(SAMPLES)]


def bundle_text(rows: list[ExportRow]) -> str:
    chunks = list(write_stix_bundle(rows, identity_name="Land-CERT Musterland", generated=NOW))
    assert all(isinstance(c, str) for c in chunks)
    return "".join(chunks)


def assert_valid(text: str) -> None:
    results = stix2validator.validate_string(text)
    if not results.is_valid or results.errors:
        stix2validator.print_results(results)
    assert results.is_valid
    assert not results.errors


def read_back(text: str) -> set[tuple[T, str, TLP | None]]:
    records = [r for r in stix_reader.read(io.BytesIO(text.encode())) if isinstance(r, IndicatorRecord)]
    return {(r.type, r.value, r.tlp) for r in records}


def test_it_writes_a_bundle_the_validator_and_stix2_accept():
    text = bundle_text(sample_rows())
    assert_valid(text)
    bundle = stix2.parse(text, allow_custom=False)
    kinds = [obj.type for obj in bundle.objects]
    assert kinds.count("indicator") == len(SAMPLES)
    assert kinds.count("identity") == 1
    assert STIX_CONTENT_TYPE.startswith("application/stix+json")


def test_it_round_trips_through_the_kommcert_reader():
    rows = sample_rows()
    # STIX has no hostname object: hostnames come back as domain-name values
    expected = {(T.domain if r.type == T.hostname else r.type, r.value, r.tlp) for r in rows}
    assert read_back(bundle_text(rows)) == expected


def test_it_writes_indicator_fields_as_given():
    r = row(1, T.ipv4, "198.51.100.7", confidence=None, tags=())
    objs = json.loads(bundle_text([r]))["objects"]
    ind = next(o for o in objs if o["type"] == "indicator")
    assert ind["id"] == f"indicator--{r.uuid}"
    assert ind["created"] == "2019-11-01T12:00:00.123Z"
    assert ind["modified"] == "2019-11-01T13:00:00.123Z"
    assert ind["valid_until"] == "2019-12-01T12:00:00.123Z"
    assert ind["pattern"] == "[ipv4-addr:value = '198.51.100.7']"
    assert ind["name"] == "ipv4: 198.51.100.7"
    assert ind["created_by_ref"] == identity_id("Land-CERT Musterland")
    assert ind["object_marking_refs"] == ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]
    assert "confidence" not in ind and "labels" not in ind


def test_it_carries_only_the_tlp_markings_used_as_published():
    text = bundle_text([row(1, T.ipv4, "198.51.100.7", tlp=TLP.amber_strict)])
    markings = [o for o in json.loads(text)["objects"] if o["type"] == "marking-definition"]
    assert markings == [{
        "type": "marking-definition", "spec_version": "2.1",
        "id": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "created": "2022-10-01T00:00:00.000Z",
        "name": "TLP:AMBER+STRICT",
        "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": "amber+strict"}},
    }]
    assert_valid(text)


def test_it_keeps_the_identity_stable_and_the_bundle_id_fresh():
    one, two = json.loads(bundle_text(sample_rows())), json.loads(bundle_text(sample_rows()))
    assert one["objects"][0]["id"] == two["objects"][0]["id"] == identity_id("Land-CERT Musterland")
    assert one["id"] != two["id"] and one["id"].startswith("bundle--")


def test_it_stays_valid_with_hostile_values():
    rows = [
        row(1, T.url, "http://evil.example/a'b\\c\"d?e=\\'"),
        row(2, T.url, "http://evil.example/%27%5c/\u00e4\u20ac"),
        row(3, T.email, "o'brien@evil.example"),
        row(4, T.domain, "evil.example", tags=('"; DROP', "\\x"), comment="\\'\"\n\t"),
    ]
    text = bundle_text(rows)
    json.loads(text)
    assert_valid(text)
    stix2.parse(text, allow_custom=False)
    assert read_back(text) == {(r.type, r.value, r.tlp) for r in rows}


def test_it_leaves_out_an_indicator_that_would_never_be_valid():
    rows = [row(1, T.ipv4, "198.51.100.7", valid_until=NOW), row(2, T.ipv4, "198.51.100.8", valid_until=None)]
    text = bundle_text(rows)
    assert_valid(text)
    assert read_back(text) == {(T.ipv4, "198.51.100.8", TLP.amber)}


def test_it_writes_utc_with_milliseconds_for_naive_and_aware_times():
    naive = datetime(2019, 1, 2, 3, 4, 5, 678901)
    aware = datetime(2019, 1, 2, 5, 4, 5, 678901, tzinfo=UTC).astimezone(ZoneInfo("Europe/Berlin"))
    assert stix_time(naive) == "2019-01-02T03:04:05.678Z"
    assert stix_time(aware) == "2019-01-02T05:04:05.678Z"


def test_it_writes_a_valid_bundle_without_rows():
    text = bundle_text([])
    assert_valid(text)
    assert [o["type"] for o in json.loads(text)["objects"]] == ["identity"]
