from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kommcert.errors import InvalidInput
from kommcert.indicators.formats.misp import read_event
from kommcert.indicators.formats.records import GroupInfo, IndicatorRecord, Reject, Skip
from kommcert.indicators.types import IndicatorType as T
from kommcert.sharing.tlp import TLP

FIXTURE = Path(__file__).parent / "fixtures" / "misp_event.json"


def _read(doc: object) -> list:
    return list(read_event(io.BytesIO(json.dumps(doc).encode())))


def _event(*attributes: dict, tags: list[str] | None = None) -> dict:
    return {"Event": {"uuid": "5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "info": "Test",
                      "Tag": [{"name": t} for t in tags or []], "Attribute": list(attributes)}}


def _attr(misp_type: str, value: str, *, to_ids: bool = True, uuid: str = "a1", **extra: object) -> dict:
    return {"uuid": uuid, "type": misp_type, "value": value, "to_ids": to_ids, "timestamp": "1769904000", **extra}


def test_it_reads_the_fixture_event_in_order_with_group_info_first() -> None:
    with FIXTURE.open("rb") as stream:
        out = list(read_event(stream))
    group = out[0]
    assert isinstance(group, GroupInfo)
    assert group.title == "Phishing-Kampagne gegen Kommunalverwaltungen"
    assert group.summary is None
    assert group.tlp == TLP.amber
    assert group.external_id == "5f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
    assert group.source == "CERT Musterland"
    assert group.tags == ['misp-galaxy:threat-actor="Fictional Bear"', "mitre-attack-pattern:T1566.001"]
    records = [r for r in out if isinstance(r, IndicatorRecord)]
    assert [(r.type, r.value, r.tlp, r.block) for r in records] == [
        (T.ipv4, "203.0.113.45", TLP.amber, True),
        (T.ipv4_cidr, "198.51.100.0/24", TLP.amber, True),
        (T.ipv6, "2001:db8::10", TLP.green, True),
        (T.domain, "update-dienst.example", TLP.amber, True),
        (T.hostname, "login.stadtwerke-abrechnung.example", TLP.amber, False),
        (T.url, "https://login.stadtwerke-abrechnung.example/portal", TLP.amber, True),
        (T.email, "rechnung@stadtwerke-abrechnung.example", TLP.amber, True),
        (T.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", TLP.amber, True),
        (T.domain, "cdn.verwaltung-portal.example", TLP.amber, True),
        (T.ipv4, "192.0.2.77", TLP.amber, True),
        (T.sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", TLP.red, True),
    ]
    first = records[0]
    assert first.comment == "C2"
    assert first.source_ref == "a0000001-0000-4000-8000-000000000001"
    assert first.valid_from == datetime(2019, 2, 1, tzinfo=UTC)
    assert first.valid_until is None
    assert records[1].comment is None
    assert records[2].tags == ("kill-chain:command-and-control",)
    # both halves of domain|ip carry the attribute's uuid
    assert records[8].source_ref == records[9].source_ref == "a0000001-0000-4000-8000-000000000009"


def test_it_skips_unknown_detection_types_and_rejects_bad_values_naming_the_attribute() -> None:
    with FIXTURE.open("rb") as stream:
        out = list(read_event(stream))
    rejects = [r for r in out if isinstance(r, Reject)]
    skips = [r for r in out if isinstance(r, Skip)]
    # link (a reference) and text without to_ids are left out silently; mutex with to_ids is named
    assert [r.where for r in skips] == ["Attribut a0000001-0000-4000-8000-00000000000c"]
    assert "MISP attribute type 'mutex' is not blockable" in skips[0].en
    assert "mutex" in skips[0].de
    # a malformed value is a reject
    assert [r.where for r in rejects] == ["Attribut a0000001-0000-4000-8000-00000000000d"]
    assert "MD5" in rejects[0].en


def test_it_accepts_a_bare_event_and_an_api_response_with_several_events() -> None:
    bare = _event(_attr("md5", "d41d8cd98f00b204e9800998ecf8427e"))["Event"]
    assert [r.value for r in _read(bare) if isinstance(r, IndicatorRecord)] == ["d41d8cd98f00b204e9800998ecf8427e"]
    response = {"response": [_event(_attr("domain", "a.example")), _event(_attr("domain", "b.example"))]}
    out = _read(response)
    assert [type(r).__name__ for r in out] == ["GroupInfo", "IndicatorRecord", "GroupInfo", "IndicatorRecord"]
    assert [r.value for r in out if isinstance(r, IndicatorRecord)] == ["a.example", "b.example"]


def test_it_maps_tlp_white_and_amber_strict_and_keeps_unknown_tlp_tags_as_tags() -> None:
    out = _read(_event(_attr("domain", "a.example", Tag=[{"name": "TLP:AMBER+STRICT"}]),
                       _attr("domain", "b.example"), tags=["tlp:white", "tlp:ex:chr"]))
    assert out[0].tlp == TLP.clear
    assert out[0].tags == ["tlp:ex:chr"]
    assert [r.tlp for r in out[1:]] == [TLP.amber_strict, TLP.clear]


def test_it_reads_api_style_event_tags_and_string_to_ids() -> None:
    doc = _event(_attr("ip-src", "192.0.2.1", to_ids="0"))  # type: ignore[arg-type]
    doc["Event"]["EventTag"] = [{"Tag": {"name": "tlp:green"}}]
    out = _read(doc)
    assert out[0].tlp == TLP.green
    assert out[1].block is False and out[1].tlp == TLP.green


def test_it_skips_deleted_attributes_and_rejects_broken_composites() -> None:
    out = _read(_event(_attr("domain", "gone.example", deleted=True),
                       _attr("filename|md5", "no-separator", uuid="a9"),
                       _attr("ip-dst", "2001:db8::/32", uuid="a10")))
    assert isinstance(out[1], Reject) and out[1].where == "Attribut a9"
    assert isinstance(out[2], IndicatorRecord) and (out[2].type, out[2].value) == (T.ipv6_cidr, "2001:db8::/32")
    assert len(out) == 3


def test_it_names_the_place_of_malformed_json() -> None:
    with pytest.raises(InvalidInput) as err:
        list(read_event(io.BytesIO(b'{"Event": {"info": "x",\n "Attribute": [}}'), name="e.json"))
    assert "e.json" in err.value.en and "line 2" in err.value.en
    assert "Zeile 2" in err.value.de


def test_it_refuses_json_that_is_no_event() -> None:
    with pytest.raises(InvalidInput) as err:
        _read({"type": "bundle", "objects": []})
    assert "not a MISP event" in err.value.en
