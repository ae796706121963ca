from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kommcert.errors import InvalidInput
from kommcert.indicators import service as indicators_service
from kommcert.indicators.models import Indicator, Provenance
from kommcert.indicators.types import IndicatorType
from kommcert.reports.models import Report
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP


def _count(db, model) -> int:  # noqa: ANN001
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_it_imports_a_stix_bundle_into_one_report(db, personas, import_stix) -> None:  # noqa: ANN001
    result = import_stix("land_cert_analyst", ["[ipv4-addr:value = '198.51.100.7']",
                                               "[domain-name:value = 'Evil.Example']",
                                               "[url:value = 'hxxp://evil[.]example/a']"])
    assert (result.imported, result.new_indicators, len(result.reports)) == (3, 3, 1)
    values = set(db.scalars(select(Indicator.value)))
    assert values == {"198.51.100.7", "evil.example", "http://evil.example/a"}
    report = db.get(Report, result.reports[0])
    assert report.tlp == TLP.amber and report.owner_org_id == personas.orgs["land_cert"].id


def test_it_keeps_one_indicator_for_many_sources(db, personas, import_stix) -> None:  # noqa: ANN001
    import_stix("land_cert_analyst", ["[ipv4-addr:value = '198.51.100.7']"], tlp=TLP.green)
    second = import_stix("kreis_a_admin", ["[ipv4-addr:value = '198.51.100.7']"])
    assert second.new_indicators == 0  # the Kreis saw it before (GREEN)
    assert _count(db, Indicator) == 1 and _count(db, Provenance) == 2


def test_a_value_known_only_from_hidden_reports_counts_as_new(db, personas, import_stix) -> None:  # noqa: ANN001
    import_stix("land_cert_analyst", ["[ipv4-addr:value = '198.51.100.8']"])  # AMBER, no audience: CERTs only
    second = import_stix("kreis_a_admin", ["[ipv4-addr:value = '198.51.100.8']"])
    assert second.new_indicators == 1
    assert _count(db, Indicator) == 1 and _count(db, Provenance) == 2


def test_it_imports_nothing_from_a_bundle_with_a_bad_pattern(db, personas, import_stix) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput) as exc:
        import_stix("land_cert_analyst", ["[ipv4-addr:value = '198.51.100.7']", "[ipv4-addr:value = '198.51.100.8'"])
    assert "incomplete pattern" in exc.value.en and "indicator--" in exc.value.en
    assert _count(db, Indicator) == 0


def test_it_imports_the_valid_part_with_skip_invalid(db, personas, import_stix) -> None:  # noqa: ANN001
    result = import_stix("land_cert_analyst", ["[ipv4-addr:value = '198.51.100.7']", "[file:name = 'x.exe']",
                                               "[ipv4-addr:value = '999.1.1.1']"], skip_invalid=True)
    assert result.imported == 1 and len(result.rejects) == 1 and result.skipped_count == 1
    assert "999.1.1.1" in result.rejects[0].en
    assert "file:name" in result.skipped[0].en


def test_it_flags_warninglisted_values(db, personas, import_stix) -> None:  # noqa: ANN001
    result = import_stix("land_cert_analyst", ["[ipv4-addr:value = '10.1.2.3']", "[ipv4-addr:value = '8.8.8.8']",
                                               "[domain-name:value = 'update.microsoft.com']",
                                               "[ipv4-addr:value = '198.51.100.7']"])
    assert result.warninglisted == 3
    flagged = dict(db.execute(select(Indicator.value, Indicator.warninglist)).all())
    assert flagged["198.51.100.7"] is None and flagged["8.8.8.8"] == "Public DNS resolvers"


def test_it_gives_values_without_validity_a_lifetime_per_type(db, personas, import_stix, settings) -> None:  # noqa: ANN001
    import_stix("land_cert_analyst", ["[ipv4-addr:value = '198.51.100.7']",
                                      "[file:hashes.'SHA-256' = '" + "a" * 64 + "']"])
    spans = {p.indicator_id: (p.valid_until - p.valid_from).days for p in db.scalars(select(Provenance))}
    by_value = dict(db.execute(select(Indicator.value, Indicator.id)).all())
    assert spans[by_value["198.51.100.7"]] == settings.ioc_lifetime_days["ipv4"]
    assert spans[by_value["a" * 64]] == settings.ioc_lifetime_days["sha256"]


def test_it_splits_a_bundle_with_mixed_tlp_into_reports(db, personas, settings) -> None:  # noqa: ANN001
    import io
    import json

    from kommcert.indicators import importing
    from tests.indicators.conftest import stix_bundle

    # 198.51.100.1 comes under both TLPs in one batch: one indicator, a provenance in each report.
    green = json.loads(stix_bundle(["[ipv4-addr:value = '198.51.100.1']"], tlp=TLP.green))
    red = json.loads(stix_bundle(["[ipv4-addr:value = '198.51.100.2']", "[ipv4-addr:value = '198.51.100.1']"],
                                 tlp=TLP.red))
    bundle = {"type": "bundle", "id": green["id"], "objects": green["objects"] + red["objects"]}
    result = indicators_service.import_file(db, actor=personas.actor("land_cert_analyst"), settings=settings,
                                            fmt="stix", stream=io.BytesIO(json.dumps(bundle).encode()), name="b.json",
                                            options=importing.ImportOptions())
    assert sorted(db.get(Report, r).tlp for r in result.reports) == ["green", "red"]
    assert (result.imported, result.new_indicators, result.duplicates) == (3, 2, 0)
    assert _count(db, Indicator) == 2 and _count(db, Provenance) == 3


def test_it_shows_imported_indicators_only_through_visible_reports(db, personas, import_stix) -> None:  # noqa: ANN001
    import_stix("kreis_a_admin", ["[ipv4-addr:value = '198.51.100.7']"],
                audience=Audience(orgs=(personas.orgs["kreis_a"].id,)))
    seen_by = {name: [i.value for i in indicators_service.search(db, actor=personas.actor(name))]
               for name in ("gemeinde_a1_member", "gemeinde_b1_member", "land_cert_analyst", "anonymous")}
    assert seen_by == {"gemeinde_a1_member": ["198.51.100.7"], "gemeinde_b1_member": [],
                       "land_cert_analyst": ["198.51.100.7"], "anonymous": []}


def test_it_refuses_imports_with_a_read_only_actor(db, personas, settings) -> None:  # noqa: ANN001
    import io

    from kommcert.accounts.models import TokenScope
    from kommcert.errors import PermissionDenied
    from kommcert.indicators import importing

    personas.users["kreis_a_admin"].role = "reader"
    db.flush()
    with pytest.raises(PermissionDenied):
        indicators_service.import_file(db, actor=personas.actor("kreis_a_admin"), settings=settings, fmt="text",
                                       stream=io.BytesIO(b"198.51.100.7\n"), name="x",
                                       options=importing.ImportOptions())
    assert TokenScope.read  # the API path is covered in test_api


def test_it_imports_a_plain_list_and_names_bad_lines(db, personas, settings) -> None:  # noqa: ANN001
    import io

    from kommcert.indicators import importing

    body = b"# Sperrliste\n198.51.100.7\nevil[.]example\nhxxps://bad.example/login\nnot a value\n"
    with pytest.raises(InvalidInput) as exc:
        indicators_service.import_file(db, actor=personas.actor("land_cert_analyst"), settings=settings, fmt="text",
                                       stream=io.BytesIO(body), name="liste.txt", options=importing.ImportOptions())
    assert "liste.txt, Zeile 5" in exc.value.de
    result = indicators_service.import_file(
        db, actor=personas.actor("land_cert_analyst"), settings=settings, fmt="text", stream=io.BytesIO(body),
        name="liste.txt", options=importing.ImportOptions(skip_invalid=True))
    assert result.imported == 3


def test_it_imports_a_misp_stix_export_with_its_objects(db, personas, settings) -> None:  # noqa: ANN001
    # MISP writes events as groupings and its objects (file, domain|ip, ip-dst|port) as AND patterns.
    from pathlib import Path

    from stix2validator import validate_file

    from kommcert.indicators import importing

    fixture = Path(__file__).parent / "formats" / "fixtures" / "misp_export_stix21.json"
    assert validate_file(str(fixture)).is_valid
    with fixture.open("rb") as stream:
        result = indicators_service.import_file(db, actor=personas.actor("land_cert_analyst"), settings=settings,
                                                fmt="stix", stream=stream, name=fixture.name,
                                                options=importing.ImportOptions())
    assert (result.imported, result.rejects) == (10, [])
    report = db.get(Report, result.reports[0])
    assert report.title == "Phishing-Welle „Rechnung November“ gegen Kommunalverwaltungen" and report.tlp == "green"
    values = dict(db.execute(select(Indicator.value, Indicator.type)).all())
    assert values["2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"] == "sha256"
    assert values["203.0.113.77"] == "ipv4" and values["198.51.100.24"] == "ipv4"
    assert "Rechnung_2026-11.exe" not in values and "8443" not in values  # describing, not blockable
    tags = set(db.scalars(select(Provenance.tags)))
    assert "kill-chain:Payload delivery" in "\n".join(tags)


# --- §2.6: every MISP event keeps its own TLP and becomes its own report -------------------------

def _misp_event(uuid: str, info: str, value: str, *, tags: list[str] | None = None) -> dict:
    return {"Event": {"uuid": uuid, "info": info, "Orgc": {"name": "Partner-CERT"},
                      "Tag": [{"name": t} for t in tags or []],
                      "Attribute": [{"uuid": f"{uuid[:-4]}0001", "type": "domain", "category": "Network activity",
                                     "to_ids": True, "value": value}]}}


def _misp_feed_dir(directory, events: list[dict]):  # noqa: ANN001, ANN202
    import json

    directory.mkdir()
    (directory / "manifest.json").write_text(json.dumps({e["Event"]["uuid"]: {"info": e["Event"]["info"]}
                                                         for e in events}))
    for event in events:
        (directory / f"{event['Event']['uuid']}.json").write_text(json.dumps(event))
    return directory


EVENT_A = "a5000000-0000-4000-8000-00000000000a"
EVENT_B = "b5000000-0000-4000-8000-00000000000b"


def test_it_gives_every_misp_feed_event_its_own_report_and_tlp(db, personas, settings, tmp_path) -> None:  # noqa: ANN001
    from kommcert.indicators import importing

    feed = _misp_feed_dir(tmp_path / "feed", [
        _misp_event(EVENT_A, "Öffentliche Kampagne", "public-one.example.net", tags=["tlp:clear"]),
        _misp_event(EVENT_B, "Interne Kampagne", "secret-two.example.net")])
    result = indicators_service.import_feed(db, actor=personas.actor("kreis_a_admin"), settings=settings,
                                            base=str(feed), options=importing.ImportOptions(tlp=TLP.amber))
    reports = [db.get(Report, r) for r in result.reports]
    assert [(r.title, r.tlp) for r in reports] == [("Öffentliche Kampagne", "clear"), ("Interne Kampagne", "amber")]
    carried = dict(db.execute(select(Indicator.value, Provenance.report_id)
                              .join(Provenance, Provenance.indicator_id == Indicator.id)).all())
    assert carried == {"public-one.example.net": reports[0].id, "secret-two.example.net": reports[1].id}


def test_it_shows_an_untagged_feed_event_only_to_its_audience(db, personas, settings, tmp_path) -> None:  # noqa: ANN001
    from kommcert.indicators import importing

    feed = _misp_feed_dir(tmp_path / "feed", [
        _misp_event(EVENT_A, "Öffentlich", "public-one.example.net", tags=["tlp:clear"]),
        _misp_event(EVENT_B, "Intern", "secret-two.example.net")])
    indicators_service.import_feed(db, actor=personas.actor("kreis_a_admin"), settings=settings, base=str(feed),
                                   options=importing.ImportOptions(
                                       tlp=TLP.amber, audience=Audience(orgs=(personas.orgs["kreis_a"].id,))))
    exported = {name: sorted(r.value for r in indicators_service.export_rows(db, actor=personas.actor(name)))
                for name in ("gemeinde_a1_member", "gemeinde_b1_member", "anonymous")}
    assert exported == {"gemeinde_a1_member": ["public-one.example.net", "secret-two.example.net"],
                        "gemeinde_b1_member": ["public-one.example.net"],
                        "anonymous": ["public-one.example.net"]}


def test_it_prefixes_each_event_title_with_the_import_title(db, personas, settings, tmp_path) -> None:  # noqa: ANN001
    from kommcert.indicators import importing

    feed = _misp_feed_dir(tmp_path / "feed", [_misp_event(EVENT_A, "Erstes", "one.example.net"),
                                              _misp_event(EVENT_B, "Zweites", "two.example.net")])
    result = indicators_service.import_feed(db, actor=personas.actor("land_cert_analyst"), settings=settings,
                                            base=str(feed), options=importing.ImportOptions(title="Partnerfeed"))
    assert [db.get(Report, r).title for r in result.reports] == ["Partnerfeed: Erstes", "Partnerfeed: Zweites"]


def test_it_adds_feed_events_under_the_reports_tlp_to_the_report_it_extends(db, personas, settings,  # noqa: ANN001
                                                                            tmp_path) -> None:
    from kommcert.indicators import importing

    first = indicators_service.import_file(db, actor=personas.actor("land_cert_analyst"), settings=settings,
                                           fmt="text", stream=__import__("io").BytesIO(b"198.51.100.7\n"), name="x",
                                           options=importing.ImportOptions(tlp=TLP.amber))
    target = first.reports[0]
    feed = _misp_feed_dir(tmp_path / "feed", [_misp_event(EVENT_A, "A", "one.example.net", tags=["tlp:clear"]),
                                              _misp_event(EVENT_B, "B", "two.example.net")])
    result = indicators_service.import_feed(db, actor=personas.actor("land_cert_analyst"), settings=settings,
                                            base=str(feed), options=importing.ImportOptions(report_id=target))
    in_target = set(db.scalars(select(Indicator.value).join(Provenance, Provenance.indicator_id == Indicator.id)
                               .where(Provenance.report_id == target)))
    assert in_target == {"198.51.100.7", "two.example.net"}
    assert [db.get(Report, r).tlp for r in result.reports] == ["clear"]


# --- §2b: warninglists apply to the type they were written for -----------------------------------

def test_it_does_not_warninglist_e_mail_addresses_at_common_mail_providers(db, personas, settings) -> None:  # noqa: ANN001
    import io

    from kommcert.indicators import importing

    body = b"evil.sender@outlook.com\nrechnung@t-online.de\npaket@web.de\nbank@gmx.de\noutlook.com\n"
    result = indicators_service.import_file(db, actor=personas.actor("land_cert_analyst"), settings=settings,
                                            fmt="text", stream=io.BytesIO(body), name="absender.txt",
                                            options=importing.ImportOptions())
    flagged = dict(db.execute(select(Indicator.value, Indicator.warninglist)).all())
    assert result.warninglisted == 1 and flagged["outlook.com"] == "Very common domains"
    assert [v for v, wl in flagged.items() if wl is None] == [
        "evil.sender@outlook.com", "rechnung@t-online.de", "paket@web.de", "bank@gmx.de"]
    emails = [r.value for r in indicators_service.export_rows(db, actor=personas.actor("land_cert_analyst"),
                                                              types=[IndicatorType.email])]
    assert "evil.sender@outlook.com" in emails


def test_it_still_warninglists_urls_on_common_hosts_and_exact_strings_of_any_type() -> None:
    from kommcert.indicators.warninglists import Matcher

    match = Matcher([("Common", "hostname", ["outlook.com"]), ("Known", "string", ["abuse@outlook.com"])]).match
    assert match(IndicatorType.url, "https://login.outlook.com/x") == "Common"
    assert match(IndicatorType.hostname, "smtp.outlook.com") == "Common"
    assert match(IndicatorType.email, "evil.sender@outlook.com") is None
    assert match(IndicatorType.email, "abuse@outlook.com") == "Known"


# --- §2b: valid objects with nothing blockable are skipped and named -----------------------------

def _import_bytes(db, personas, settings, fmt: str, body: bytes, **options):  # noqa: ANN001, ANN003, ANN202
    import io

    from kommcert.indicators import importing

    return indicators_service.import_file(db, actor=personas.actor("land_cert_analyst"), settings=settings, fmt=fmt,
                                          stream=io.BytesIO(body), name="upload.json",
                                          options=importing.ImportOptions(**options))


def _stix(*objects: dict) -> bytes:
    import json

    return json.dumps({"type": "bundle", "id": "bundle--5e000000-0000-4000-8000-000000000000",
                       "objects": list(objects)}).encode()


def _indicator(n: int, pattern: str, pattern_type: str = "stix") -> dict:
    return {"type": "indicator", "spec_version": "2.1", "id": f"indicator--5e000000-0000-4000-8000-{n:012d}",
            "created": "2019-01-01T00:00:00Z", "modified": "2019-01-01T00:00:00Z", "pattern": pattern,
            "pattern_type": pattern_type, "valid_from": "2019-01-01T00:00:00Z"}


def test_it_skips_and_names_stix_indicators_without_blockable_values(db, personas, settings) -> None:  # noqa: ANN001
    body = _stix(_indicator(1, "[ipv4-addr:value = '198.51.100.7']"),
                 _indicator(2, "[email-message:subject = 'Ihre Rechnung']"),
                 _indicator(3, "[file:name = 'rechnung.exe']"),
                 _indicator(4, "title: Verdächtiger Prozess\ndetection: {}", pattern_type="sigma"),
                 _indicator(5, "rule x { condition: true }", pattern_type="yara"))
    result = _import_bytes(db, personas, settings, "stix", body)  # strict: still succeeds
    assert result.imported == 1 and result.rejects == [] and result.skipped_count == 4
    assert [s.where for s in result.skipped] == [f"Objekt indicator--5e000000-0000-4000-8000-{n:012d}"
                                                 for n in (2, 3, 4, 5)]
    assert "email-message:subject" in result.skipped[0].en and "sigma" in result.skipped[2].en


def test_it_names_what_it_skipped_when_nothing_is_blockable(db, personas, settings) -> None:  # noqa: ANN001
    body = _stix(_indicator(1, "[file:name = 'rechnung.exe']"), _indicator(2, "[x]", pattern_type="snort"))
    for skip_invalid in (False, True):
        with pytest.raises(InvalidInput) as exc:
            _import_bytes(db, personas, settings, "stix", body, skip_invalid=skip_invalid)
        assert "skipped (2)" in exc.value.en and "indicator--5e000000-0000-4000-8000-000000000001" in exc.value.en
        assert "file:name" in exc.value.de and "snort" in exc.value.de
    assert _count(db, Report) == 0


def test_it_names_every_reject_when_skip_invalid_leaves_nothing(db, personas, settings) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput) as exc:
        _import_bytes(db, personas, settings, "text", b"not a value\n999.1.1.1\n", skip_invalid=True)
    assert "Invalid (2)" in exc.value.en and "line 1" in exc.value.en and "line 2" in exc.value.en


def test_it_skips_misp_filename_attributes_and_imports_the_rest(db, personas, settings) -> None:  # noqa: ANN001
    import json

    event = {"Event": {"uuid": EVENT_A, "info": "Anhang", "Attribute": [
        {"uuid": "a5000000-0000-4000-8000-000000000101", "type": "filename", "to_ids": True, "value": "rechnung.exe"},
        {"uuid": "a5000000-0000-4000-8000-000000000102", "type": "md5", "to_ids": True,
         "value": "d41d8cd98f00b204e9800998ecf8427e"}]}}
    result = _import_bytes(db, personas, settings, "misp", json.dumps(event).encode())
    assert result.imported == 1 and result.skipped_count == 1
    assert "filename" in result.skipped[0].en and "a5000000-0000-4000-8000-000000000101" in result.skipped[0].where


def test_it_stores_a_refanged_url_unchanged_beyond_the_defanged_parts(db, personas, settings) -> None:  # noqa: ANN001
    _import_bytes(db, personas, settings, "text", b"hxxp://203.0.113.57:33136/http:/203.0.113.57/xx/vbc.exe\n")
    assert list(db.scalars(select(Indicator.value))) == ["http://203.0.113.57:33136/http:/203.0.113.57/xx/vbc.exe"]
