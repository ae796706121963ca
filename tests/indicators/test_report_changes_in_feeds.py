"""Editing, narrowing and withdrawing a report takes effect at once in every feed, search and scan set."""

from __future__ import annotations

from sqlalchemy import select

from kommcert.accounts.models import TokenScope
from kommcert.indicators import service as indicators_service
from kommcert.reports.models import Report
from kommcert.sharing.tlp import TLP

ONLY_HERE = "[domain-name:value = 'only-in-one-report.example']"
ALSO_ELSEWHERE = "[ipv4-addr:value = '203.0.113.77']"


def _feed(client, personas, who: str, fmt: str = "txt", etag: str | None = None):  # noqa: ANN001, ANN202
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(f"/feeds/{fmt}?token={personas.token(who, TokenScope.read)}", headers=headers)


def _report(db, result) -> Report:  # noqa: ANN001
    return db.get(Report, result.reports[0])


def test_it_takes_a_narrowed_report_out_of_another_kreises_feed_at_once(client, db, personas,  # noqa: ANN001
                                                                        import_stix) -> None:
    report = _report(db, import_stix("gemeinde_a1_member", [ONLY_HERE], tlp=TLP.green))
    before = _feed(client, personas, "gemeinde_b1_member")
    assert "only-in-one-report.example" in before.text
    response = client.patch(f"/api/v1/reports/{report.id}", headers=personas.auth("gemeinde_a1_member"),
                            json={"tlp": "amber", "upward": True})
    assert response.status_code == 200 and response.json()["tlp"] == "amber"
    after = _feed(client, personas, "gemeinde_b1_member", etag=before.headers["ETag"])
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert "only-in-one-report.example" not in after.text
    # … while its own Kreis (upward) and the CERTs still get it
    assert "only-in-one-report.example" in _feed(client, personas, "kreis_a_admin").text
    assert "only-in-one-report.example" in _feed(client, personas, "land_cert_analyst").text


def test_a_retitled_report_changes_the_feed_state_of_its_readers(client, db, personas, import_stix) -> None:  # noqa: ANN001
    report = _report(db, import_stix("land_cert_analyst", [ONLY_HERE], tlp=TLP.green))
    before = _feed(client, personas, "gemeinde_b1_member", fmt="csv")
    client.patch(f"/api/v1/reports/{report.id}", headers=personas.auth("land_cert_analyst"),
                 json={"title": "Neuer Titel"})
    after = _feed(client, personas, "gemeinde_b1_member", fmt="csv", etag=before.headers["ETag"])
    assert after.status_code == 200 and "Neuer Titel" in after.text


def test_withdrawing_takes_values_out_of_feeds_search_and_scan_set_only_where_no_other_report_has_them(
        client, db, personas, import_stix) -> None:  # noqa: ANN001
    report = _report(db, import_stix("land_cert_analyst", [ONLY_HERE, ALSO_ELSEWHERE], tlp=TLP.green))
    import_stix("kreis_b_admin", [ALSO_ELSEWHERE], tlp=TLP.green)
    before = _feed(client, personas, "gemeinde_b1_member", fmt="scan")
    assert "only-in-one-report.example" in before.text
    response = client.post(f"/api/v1/reports/{report.id}/withdraw", headers=personas.auth("land_cert_analyst"))
    assert response.status_code == 200 and response.json()["withdrawn_at"] is not None
    scan = _feed(client, personas, "gemeinde_b1_member", fmt="scan", etag=before.headers["ETag"])
    assert scan.status_code == 200 and "only-in-one-report.example" not in scan.text
    assert "203.0.113.77" in scan.text  # still carried by Kreis B's report
    txt = _feed(client, personas, "gemeinde_b1_member").text
    assert "only-in-one-report.example" not in txt and "203.0.113.77" in txt
    actor = personas.actor("gemeinde_b1_member")
    assert [i.value for i in indicators_service.search(db, actor=actor, q="only-in-one")] == []
    # The report stays readable to its audience, marked as withdrawn.
    page = client.get(f"/api/v1/reports/{report.id}", headers=personas.auth("gemeinde_b1_member"))
    assert page.status_code == 200 and page.json()["withdrawn_at"] is not None


def test_restoring_brings_the_values_back(client, db, personas, import_stix) -> None:  # noqa: ANN001
    report = _report(db, import_stix("land_cert_analyst", [ONLY_HERE], tlp=TLP.green))
    headers = personas.auth("land_cert_analyst")
    client.post(f"/api/v1/reports/{report.id}/withdraw", headers=headers)
    assert "only-in-one-report.example" not in _feed(client, personas, "gemeinde_b1_member").text
    assert client.post(f"/api/v1/reports/{report.id}/restore", headers=headers).json()["withdrawn_at"] is None
    assert "only-in-one-report.example" in _feed(client, personas, "gemeinde_b1_member").text


def test_a_withdrawn_report_cannot_be_extended_or_edited_until_restored(client, db, personas,  # noqa: ANN001
                                                                        import_stix) -> None:
    report = _report(db, import_stix("land_cert_analyst", [ONLY_HERE], tlp=TLP.green))
    headers = personas.auth("land_cert_analyst")
    client.post(f"/api/v1/reports/{report.id}/withdraw", headers=headers)
    assert client.patch(f"/api/v1/reports/{report.id}", headers=headers, json={"title": "x"}).status_code == 409
    assert db.scalar(select(Report.title).where(Report.id == report.id)) != "x"


def test_the_indicator_page_still_shows_a_withdrawn_source_marked(client, db, personas, import_stix,  # noqa: ANN001
                                                                 login) -> None:
    report = _report(db, import_stix("land_cert_analyst", [ONLY_HERE], tlp=TLP.green))
    client.post(f"/api/v1/reports/{report.id}/withdraw", headers=personas.auth("land_cert_analyst"))
    indicator_id = indicators_service.report_indicators(db, report_id=report.id)[0][0].id
    login("gemeinde_b1_member")
    page = client.get(f"/indicators/{indicator_id}")
    assert page.status_code == 200 and "zurückgezogen" in page.text
