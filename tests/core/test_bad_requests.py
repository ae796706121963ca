"""Requests a user (or an attacker) gets wrong answer 4xx with a clear message and change nothing.

Each case was a 500, or was silently "fixed", before: ids beyond what the database holds, NUL
characters, blank titles, sightings that end before they begin, an unknown TLP / a broken preview /
a non-numeric report in the import form, and a CSV import without its value column.
"""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kommcert.db import utcnow
from kommcert.indicators.models import Indicator, Sighting
from kommcert.reports.models import Report
from tests.personas import csrf_from

HTML = {"accept": "text/html"}
TOO_BIG = [2**31, 2**63, 10**30]  # INTEGER on PostgreSQL, INTEGER on SQLite, neither


def _counts(db) -> tuple[int, int, int]:  # noqa: ANN001
    return tuple(db.scalar(select(func.count()).select_from(m)) for m in (Report, Indicator, Sighting))  # type: ignore[return-value]


def _report(client, headers: dict[str, str], title: str = "Phishing-Welle") -> int:  # noqa: ANN001
    response = client.post("/api/v1/reports", headers=headers, json={"title": title, "tlp": "amber"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.parametrize("big", TOO_BIG)
def test_it_answers_ids_beyond_the_database_with_422(client, db, personas, big: int) -> None:  # noqa: ANN001
    headers = personas.auth("kreis_a_admin")
    for path in (f"/api/v1/reports/{big}", f"/api/v1/reports/1/attachments/{big}", f"/api/v1/indicators/{big}",
                 f"/api/v1/orgs/{big}/contacts", f"/api/v1/users/{big}", f"/api/v1/reports?before_id={big}",
                 f"/api/v1/audit?org_id={big}"):
        response = client.get(path, headers=headers)
        assert response.status_code == 422, (path, response.text)
        assert "2147483647" in response.json()["en"] and response.json()["de"].startswith("Ungültige Eingabe")
    before = _counts(db)
    created = client.post("/api/v1/reports", headers=headers, json={"title": "x", "audience_orgs": [big]})
    sighting = client.post("/api/v1/sightings", headers=headers,
                           json={"sightings": [{"key": "k1", "indicator_id": big}]})
    assert (created.status_code, sighting.status_code) == (422, 422)
    assert _counts(db) == before


@pytest.mark.parametrize("big", TOO_BIG)
def test_pages_answer_ids_beyond_the_database_with_a_german_422(client, db, personas, login, big: int) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    for path in (f"/reports/{big}", f"/indicators/{big}", f"/orgs/{big}", f"/users?org_id={big}",
                 f"/indicators/import?report={big}"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 422 and "Ungültige Eingabe" in page.text, path
    form = client.get("/indicators/import")
    response = client.post("/indicators/import", headers=HTML, data={
        "csrf_token": csrf_from(form.text), "format": "text", "action": "import", "text": "198.51.100.7",
        "report": str(big)})
    assert response.status_code == 422 and "keine gültige Nummer" in response.text
    assert _counts(db) == (0, 0, 0)


def test_the_same_refusal_for_everyone_reveals_nothing(client, personas) -> None:  # noqa: ANN001
    """A too-large id is refused before anything is looked up: for anonymous callers, another Kreis and
    the owner alike, so the answer says nothing about what exists."""
    owner = personas.auth("kreis_a_admin")
    report_id = _report(client, owner)
    other = personas.auth("gemeinde_b1_member")
    assert client.get(f"/api/v1/reports/{report_id}", headers=other).status_code == 404
    answers = {client.get(f"/api/v1/reports/{2**31}", headers=h).status_code for h in (owner, other, {})}
    assert answers == {422}


def test_it_refuses_nul_characters_in_json_query_form_and_path(client, db, personas) -> None:  # noqa: ANN001
    headers = personas.auth("kreis_a_admin")
    before = _counts(db)
    answers = [
        client.post("/api/v1/reports", headers=headers, json={"title": "Phishing\x00", "tlp": "amber"}),
        client.post("/api/v1/reports", headers=headers, json={"title": "ok", "summary": "a\x00b"}),
        client.get("/api/v1/indicators", headers=headers, params={"q": "evil\x00"}),
        client.get("/api/v1/orgs", headers=headers, params={"q": "\x00"}),
        client.post("/api/v1/indicators/import", headers=headers, data={"format": "text", "title": "Liste\x00"},
                    files={"file": ("l.txt", b"198.51.100.7\n")}),
        client.get("/feeds/misp/%00.json"),
        client.get("/feeds/txt", params={"token": "kc_\x00"}),
    ]
    for response in answers:
        assert response.status_code == 422, response.request.url
        assert response.json()["de"] == "Eingaben dürfen kein NUL-Zeichen (\\x00) enthalten."
    assert _counts(db) == before


def test_a_nul_in_an_imported_value_never_reaches_a_feed(client, db, personas) -> None:  # noqa: ANN001
    """Files may hold any bytes, so the value itself is checked: SQLite would store it and the text
    feed hand it to firewalls; PostgreSQL cannot store it at all."""
    headers = personas.auth("kreis_a_admin")
    stix = ('{"type": "bundle", "id": "bundle--0d6f5e0b-6b0a-4b8e-9a7e-2f7c2d1c0a01", "objects": [{"type": '
            '"indicator", "spec_version": "2.1", "id": "indicator--1d6f5e0b-6b0a-4b8e-9a7e-2f7c2d1c0a02", '
            '"created": "%s", "modified": "%s", "valid_from": "%s", "pattern_type": "stix", '
            '"pattern": "[url:value = \'http://evil.example/a\\u0000b\']"}]}')
    stamp = (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    before = _counts(db)
    response = client.post("/api/v1/indicators/import", headers=headers, data={"format": "stix", "tlp": "clear"},
                           files={"file": ("b.json", (stix % (stamp, stamp, stamp)).encode())})
    assert response.status_code == 422 and "NUL" in response.json()["en"]
    assert _counts(db) == before
    assert b"\x00" not in client.get("/feeds/txt").content


def test_pages_refuse_nul_characters_in_german(client, db, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    form = client.get("/reports/new")
    response = client.post("/reports", headers=HTML, data={"csrf_token": csrf_from(form.text),
                                                           "title": "Phishing\x00", "tlp": "amber"})
    assert response.status_code == 422 and "NUL-Zeichen" in response.text
    search = client.get("/indicators", headers=HTML, params={"q": "\x00"})
    assert search.status_code == 422 and "NUL-Zeichen" in search.text
    assert _counts(db) == (0, 0, 0)


def test_it_refuses_blank_titles_and_names(client, db, personas, login) -> None:  # noqa: ANN001
    headers = personas.auth("kreis_a_admin")
    org_id = personas.users["kreis_a_admin"].org_id
    refused = [
        client.post("/api/v1/reports", headers=headers, json={"title": "   ", "tlp": "amber"}),
        client.post("/api/v1/tokens", headers=headers, json={"name": " \t "}),
        client.post(f"/api/v1/orgs/{org_id}/contacts", headers=headers, json={"role": "isb", "name": "  "}),
    ]
    assert [r.status_code for r in refused] == [422, 422, 422]
    assert "title" in refused[0].json()["en"]
    kept = client.post("/api/v1/reports", headers=headers, json={"title": "  Phishing-Welle  ", "tlp": "amber"})
    assert kept.json()["title"] == "Phishing-Welle"  # the blanks around a title go, the title stays
    login("kreis_a_admin")
    form = client.get("/reports/new")
    page = client.post("/reports", data={"csrf_token": csrf_from(form.text), "title": "   ", "tlp": "amber"})
    assert page.status_code == 422 and "Bitte Titel" in page.text
    assert db.scalar(select(func.count()).select_from(Report)) == 1


def test_it_refuses_a_sighting_that_ends_before_it_begins(client, db, personas) -> None:  # noqa: ANN001
    headers = personas.auth("kreis_a_admin")
    now = utcnow()
    response = client.post("/api/v1/sightings", headers=headers, json={"sightings": [{
        "key": "log-1", "type": "ipv4", "value": "198.51.100.7",
        "first_seen": now.isoformat(), "last_seen": (now - timedelta(days=1)).isoformat()}]})
    assert response.status_code == 422 and "last_seen is before first_seen" in response.json()["en"]
    assert _counts(db) == (0, 0, 0)


def test_the_import_form_refuses_what_it_cannot_have_sent(client, db, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    form = client.get("/indicators/import")
    preview = client.post("/indicators/import", data={"csrf_token": csrf_from(form.text), "format": "text",
                                                      "action": "preview"},
                          files={"file": ("liste.txt", b"198.51.100.7\n", "text/plain")})
    upload = re.search(r'name="upload" value="([0-9a-f]{32})"', preview.text).group(1)
    base = {"csrf_token": csrf_from(form.text), "format": "text", "action": "import"}
    cases = [
        ({"upload": upload, "tlp": "amber-ish"}, 422, "Unbekannte TLP-Stufe"),
        ({"upload": upload, "report": "abc"}, 422, "keine gültige Nummer"),
        ({"upload": "not an upload at all!", "tlp": "green"}, 404, "nicht mehr da"),
        ({"upload": "0" * 32, "tlp": "green"}, 404, "nicht mehr da"),
        ({"upload": upload, "orgs": ["x1"]}, 422, "Unbekannte Organisation"),
    ]
    for fields, status, message in cases:
        response = client.post("/indicators/import", headers=HTML, data={**base, **fields})
        assert response.status_code == status and message in response.text, fields
    assert _counts(db) == (0, 0, 0)
    fine = client.post("/indicators/import", data={**base, "upload": upload, "tlp": "green"})
    assert fine.status_code == 200 and _counts(db)[:2] == (1, 1)


def test_another_kreis_cannot_import_into_a_report_by_its_number(client, db, personas, login) -> None:  # noqa: ANN001
    report_id = _report(client, personas.auth("kreis_a_admin"))
    login("gemeinde_b1_member")
    form = client.get("/indicators/import")
    response = client.post("/indicators/import", headers=HTML, data={
        "csrf_token": csrf_from(form.text), "format": "text", "action": "import", "tlp": "green",
        "content": base64.b64encode(b"198.51.100.7\n").decode(), "report": str(report_id)})
    assert response.status_code == 404
    assert _counts(db) == (1, 0, 0)


def test_the_api_refuses_a_csv_import_without_its_value_column(client, db, personas) -> None:  # noqa: ANN001
    headers = personas.auth("kreis_a_admin")
    for extra in ({}, {"value_column": "  "}):
        response = client.post("/api/v1/indicators/import", headers=headers, data={"format": "csv", **extra},
                               files={"file": ("l.csv", b"value\n198.51.100.7\n")})
        assert response.status_code == 422 and "value_column" in response.json()["en"]
        assert response.json()["de"].startswith("CSV braucht value_column")
    assert _counts(db) == (0, 0, 0)
    done = client.post("/api/v1/indicators/import", headers=headers, data={"format": "csv", "value_column": "value"},
                       files={"file": ("l.csv", b"value\n198.51.100.7\n")})
    assert done.status_code == 200 and done.json()["imported"] == 1


def test_a_read_only_token_meets_the_same_refusals_first(client, db, personas) -> None:  # noqa: ANN001
    """The input checks come before the write check, and neither writes anything."""
    from kommcert.accounts.models import TokenScope

    headers = personas.auth("kreis_a_admin", TokenScope.read)
    nul = client.post("/api/v1/reports", headers=headers, json={"title": "a\x00"})
    fine = client.post("/api/v1/reports", headers=headers, json={"title": "Phishing"})
    assert (nul.status_code, fine.status_code) == (422, 403)
    assert _counts(db) == (0, 0, 0)


def test_a_form_body_that_cannot_be_read_is_a_400(client, db, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    for content_type in ("multipart/form-data", "multipart/form-data; boundary=xx"):
        response = client.post("/indicators/import", content=b"--xx\r\nnot a part", headers={
            "content-type": content_type, "accept": "text/html"})
        assert response.status_code == 400 and "Die Anfrage ist nicht lesbar" in response.text, content_type
    assert _counts(db) == (0, 0, 0)


def test_a_search_far_above_the_newest_id_costs_no_more_than_a_first_page(client, engine, personas,  # noqa: ANN001
                                                                         monkeypatch) -> None:  # noqa: ANN001
    """Found by the schemathesis run: ``before_id`` near 2**31 walked the empty id windows above the
    newest indicator one query each (10 s and more), a cheap way to keep a worker busy."""
    from sqlalchemy import event

    from kommcert.indicators import service as indicators_service

    monkeypatch.setattr(indicators_service, "SEARCH_WINDOW", 2**24)  # 128 empty windows below 2**31
    headers = personas.auth("kreis_a_admin")
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001, ANN002
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get("/api/v1/indicators", headers=headers, params={"before_id": 2**31 - 1})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200 and response.json()["items"] == []
    assert len(statements) < 20
