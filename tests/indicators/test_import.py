from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kommcert.errors import InvalidInput
from kommcert.indicators import service as indicators_service
from kommcert.indicators.models import Indicator, Provenance
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
    import_stix("land_cert_analyst", ["[ipv4-addr:value = '198.51.100.7']"])
    second = import_stix("kreis_a_admin", ["[ipv4-addr:value = '198.51.100.7']"])
    assert second.new_indicators == 0
    assert _count(db, Indicator) == 1 and _count(db, Provenance) == 2


def test_it_imports_nothing_from_a_bundle_with_a_bad_pattern(db, personas, import_stix) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput) as exc:
        import_stix("land_cert_analyst", ["[ipv4-addr:value = '198.51.100.7']", "[file:name = 'x.exe']"])
    assert "file:name" in exc.value.en and "indicator--" in exc.value.en


def test_it_imports_the_valid_part_with_skip_invalid(db, personas, import_stix) -> None:  # noqa: ANN001
    result = import_stix("land_cert_analyst", ["[ipv4-addr:value = '198.51.100.7']", "[file:name = 'x.exe']",
                                               "[ipv4-addr:value = '999.1.1.1']"], skip_invalid=True)
    assert result.imported == 1 and len(result.rejects) == 2
    assert "999.1.1.1" in result.rejects[1].en


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
