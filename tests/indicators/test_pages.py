from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kommcert.indicators.models import Indicator, Sighting
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from tests.indicators.conftest import stix_bundle
from tests.personas import csrf_from


def test_it_searches_only_visible_indicators(client, personas, import_stix, login) -> None:  # noqa: ANN001
    import_stix("kreis_a_admin", ["[ipv4-addr:value = '198.51.100.7']"],
                audience=Audience(orgs=(personas.orgs["kreis_a"].id,)))
    import_stix("land_cert_analyst", ["[domain-name:value = 'evil.example']"], tlp=TLP.green)
    login("gemeinde_b1_member")
    page = client.get("/indicators")
    assert "evil.example" in page.text and "198.51.100.7" not in page.text
    assert "evil.example" not in client.get("/indicators?type=ipv4").text


def test_it_shows_the_detail_and_takes_a_sighting(client, db, personas, import_stix, login) -> None:  # noqa: ANN001
    import_stix("land_cert_analyst", ["[domain-name:value = 'evil.example']"], tlp=TLP.green)
    indicator = db.scalar(select(Indicator))
    login("gemeinde_a1_member")
    page = client.get(f"/indicators/{indicator.id}")
    assert page.status_code == 200 and "Noch von niemandem gemeldet." in page.text
    client.post(f"/indicators/{indicator.id}/sighting", data={"csrf_token": csrf_from(page.text), "kind": "seen",
                                                              "log_source": "Firewall"})
    assert db.scalar(select(Sighting.log_source)) == "Firewall"
    assert "Gesehen von 1 Organisation in 1 Kreis," in client.get(f"/indicators/{indicator.id}").text


def test_it_answers_404_for_an_indicator_page_of_another_kreis(client, db, personas, import_stix, login) -> None:  # noqa: ANN001
    import_stix("kreis_a_admin", ["[ipv4-addr:value = '198.51.100.7']"],
                audience=Audience(orgs=(personas.orgs["kreis_a"].id,)))
    indicator = db.scalar(select(Indicator))
    login("gemeinde_b1_member")
    page = client.get(f"/indicators/{indicator.id}", headers={"accept": "text/html"})
    assert page.status_code == 404 and "198.51.100.7" not in page.text


def test_it_previews_then_imports_a_file(client, db, personas, login) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    page = client.get("/indicators/import")
    body = stix_bundle(["[ipv4-addr:value = '198.51.100.7']", "[domain-name:value = 'evil.example']"])
    preview = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": "stix",
                                                      "action": "preview", "tlp": "green"},
                          files={"file": ("b.json", body, "application/json")})
    assert "2 Indikatoren gefunden" in preview.text
    assert db.scalars(select(Indicator)).all() == []  # nothing written by the preview
    upload = re.search(r'name="upload" value="([0-9a-f]{32})"', preview.text).group(1)
    done = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": "stix",
                                                   "action": "import", "upload": upload,
                                                   "tlp": "green"})
    assert "2 Indikatoren übernommen" in done.text
    assert len(db.scalars(select(Indicator)).all()) == 2


def test_a_bad_record_after_the_first_batch_leaves_nothing_behind(client, db, personas, login,  # noqa: ANN001
                                                                   monkeypatch) -> None:  # noqa: ANN001
    from kommcert.indicators import importing
    from kommcert.reports.models import Report

    monkeypatch.setattr(importing, "BATCH", 2)
    login("land_cert_analyst")
    page = client.get("/indicators/import")
    body = stix_bundle([f"[ipv4-addr:value = '198.51.100.{n}']" for n in range(1, 6)]
                       + ["[ipv4-addr:value = '198.51.100.256']"])
    response = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": "stix",
                                                       "action": "import", "tlp": "green"},
                           files={"file": ("b.json", body, "application/json")})
    assert response.status_code == 422
    assert db.scalars(select(Indicator)).all() == [] and db.scalars(select(Report)).all() == []


def test_it_imports_a_csv_with_a_column_mapping(client, db, personas, login) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    page = client.get("/indicators/import")
    body = b"Indikator;Art;Notiz\n198.51.100.7;ipv4;C2\nevil.example;domain;Phishing\n"
    preview = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": "csv",
                                                      "action": "preview", "value_column": "Indikator",
                                                      "type_column": "Art"},
                          files={"file": ("iocs.csv", body, "text/csv")})
    assert "2 Indikatoren gefunden" in preview.text and 'value="Indikator"' in preview.text
    upload = re.search(r'name="upload" value="([0-9a-f]{32})"', preview.text).group(1)
    done = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": "csv",
                                                   "action": "import", "upload": upload,
                                                   "value_column": "Indikator", "type_column": "Art"})
    assert "2 Indikatoren übernommen" in done.text
    assert {(i.type, i.value) for i in db.scalars(select(Indicator))} == {("ipv4", "198.51.100.7"),
                                                                          ("domain", "evil.example")}
    wrong = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": "csv",
                                                    "action": "preview", "value_column": "Wert"},
                        files={"file": ("iocs.csv", body, "text/csv")})
    assert wrong.status_code == 422 and "Wert" in wrong.text


def test_it_extracts_iocs_from_pasted_text(client, db, personas, login) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    page = client.get("/indicators/import")
    text = "Bitte sperren: hxxps://login-rathaus[.]example/portal und 203.0.113[.]77, Version 1.2.3."
    preview = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": "freetext",
                                                      "text": text, "action": "preview"})
    assert "https://login-rathaus.example/portal" in preview.text and "203.0.113.77" in preview.text
    assert "1.2.3" not in re.sub(r"<[^>]+>", " ", preview.text).split("Vorschau", 1)[1].split("Jetzt importieren")[0]
    done = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "action": "import",
                                                   "values": ["203.0.113.77"], "tlp": "amber"})
    assert "1 Indikatoren übernommen" in done.text
    assert [i.value for i in db.scalars(select(Indicator))] == ["203.0.113.77"]


def test_it_names_the_error_of_a_bad_file_in_german(client, personas, login) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    page = client.get("/indicators/import")
    response = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": "stix",
                                                       "action": "import"},
                           files={"file": ("b.json", b'{"objects": [', "application/json")})
    assert response.status_code == 422 and "b.json: kein gültiges JSON" in response.text


def test_it_shows_the_feed_addresses_and_the_picture(client, personas, login, settings) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get("/feeds").text
    assert f"{settings.base_url}/feeds/rpz?token=TOKEN" in page
    assert f"export KOMMCERT_SERVER={settings.base_url}" in page and "kommcert scan /var/log" in page
    assert client.get("/lagebild").status_code == 200


def test_it_shows_a_reports_indicators_and_its_picture(client, db, personas, import_stix, login) -> None:  # noqa: ANN001
    from kommcert.indicators import sightings as sightings_service
    from kommcert.indicators.sightings import SightingIn
    from kommcert.reports.models import Report

    import_stix("land_cert_analyst", ["[domain-name:value = 'evil.example']"], tlp=TLP.green)
    sightings_service.record_sightings(db, actor=personas.actor("gemeinde_a1_member"), items=[
        SightingIn(key="k", type="domain", value="evil.example", count=7)])
    report = db.scalar(select(Report))
    login("land_cert_analyst")
    page = client.get(f"/reports/{report.id}")
    assert "evil.example" in page.text and "Sichtungen je Kreis" in page.text and "Kreis A" in page.text


def test_it_keeps_the_page_title_plain(client, db, personas, import_stix, login) -> None:  # noqa: ANN001
    from kommcert.reports.models import Report

    import_stix("land_cert_analyst", ["[domain-name:value = 'evil.example']"], tlp=TLP.green)
    login("land_cert_analyst")
    page = client.get(f"/reports/{db.scalar(select(Report)).id}").text
    title = page.split("<title>")[1].split("</title>")[0]
    assert "<" not in title and "evil.example" not in title


@pytest.fixture
def feed_server(tmp_path):  # noqa: ANN001, ANN201
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from kommcert.indicators.formats.misp_feed import write_feed
    from tests.indicators.formats.test_misp_feed import _events

    write_feed(_events(), tmp_path / "feed")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "feed"))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_it_imports_a_misp_feed_by_url_from_an_allowed_host_only(client, db, personas, login, settings,  # noqa: ANN001
                                                                 feed_server, monkeypatch) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    page = client.get("/indicators/import")
    refused = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "feed_url": feed_server})
    assert refused.status_code == 422 and "nicht freigegeben" in refused.text
    assert db.scalars(select(Indicator)).all() == []
    monkeypatch.setattr(settings, "outbound_hosts", "misp.example, 127.0.0.1")
    done = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "feed_url": feed_server,
                                                   "tlp": "amber"})
    assert done.status_code == 200 and "Indikatoren übernommen" in done.text
    assert len(db.scalars(select(Indicator)).all()) > 0
    other = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text),
                                                    "feed_url": "file:///etc/passwd"})
    assert other.status_code == 422


def test_it_adds_pasted_iocs_to_a_report_of_the_own_organisation(client, db, personas, login) -> None:  # noqa: ANN001
    from kommcert.indicators.models import Provenance
    from kommcert.reports import service as reports_service
    from kommcert.reports.schemas import ReportCreate

    report = reports_service.create_report(db, actor=personas.actor("kreis_a_admin"), report_in=ReportCreate(
        title="Angriff auf das Bürgerportal", tlp=TLP.amber, audience_orgs=[personas.orgs["kreis_a"].id]))
    login("kreis_a_admin")
    assert f"/indicators/import?report={report.id}" in client.get(f"/reports/{report.id}").text
    page = client.get(f"/indicators/import?report={report.id}")
    assert "Ergänzt die Meldung" in page.text and 'name="tlp"' not in page.text  # the report's TLP applies
    text = "Scans von 198.51.100[.]79 und hxxp://portal-scan[.]example/login"
    preview = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": "freetext",
                                                      "text": text, "action": "preview", "report": str(report.id)})
    assert f'name="report" value="{report.id}"' in preview.text
    done = client.post("/indicators/import", data={
        "csrf_token": csrf_from(page.text), "action": "import", "report": str(report.id),
        "values": ["198.51.100.79", "http://portal-scan.example/login"]})
    assert "2 Indikatoren übernommen" in done.text and f'href="/reports/{report.id}"' in done.text
    assert {p.report_id for p in db.scalars(select(Provenance))} == {report.id}
    assert "portal-scan.example/login" in client.get(f"/reports/{report.id}").text


@pytest.mark.parametrize("persona, status", [("gemeinde_a1_admin", 403), ("gemeinde_b1_member", 404)])
def test_it_adds_to_no_report_of_another_organisation(client, db, personas, login, persona, status) -> None:  # noqa: ANN001
    from kommcert.reports import service as reports_service
    from kommcert.reports.schemas import ReportCreate

    report = reports_service.create_report(db, actor=personas.actor("kreis_a_admin"), report_in=ReportCreate(
        title="Angriff auf das Bürgerportal", tlp=TLP.amber, audience_orgs=[personas.orgs["kreis_a"].id]))
    login(persona)
    assert client.get(f"/indicators/import?report={report.id}").status_code == status
    page = client.get("/indicators/import")
    response = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "action": "import",
                                                       "report": str(report.id), "values": ["198.51.100.79"]})
    assert response.status_code == status
    assert db.scalars(select(Indicator)).all() == []


def test_it_names_skipped_objects_in_the_preview_and_on_the_result_page(client, personas, login) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    body = stix_bundle(["[ipv4-addr:value = '198.51.100.7']", "[file:name = 'rechnung.exe']"])
    page = client.get("/indicators/import")
    preview = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": "stix",
                                                      "action": "preview", "tlp": "amber"},
                          files={"file": ("b.json", body, "application/json")})
    assert preview.status_code == 200 and "Nicht blockierbar, übersprungen" in preview.text
    assert "file:name" in preview.text
    done = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": "stix",
                                                   "action": "import", "tlp": "amber"},
                       files={"file": ("b.json", body, "application/json")})
    assert done.status_code == 200 and "Nicht blockierbar, übersprungen" in done.text and "file:name" in done.text

