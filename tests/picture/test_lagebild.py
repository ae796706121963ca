"""The Lagebild: per area with drill-down, over time, most-sighted and newest, CSV exports; only
from what the reader may see."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from kommcert.audit.models import AuditEntry
from kommcert.db import utcnow
from kommcert.indicators import picture
from kommcert.indicators import sightings as sightings_service
from kommcert.indicators.sightings import SightingIn


def _since():  # noqa: ANN202
    return utcnow() - timedelta(days=30)


def test_it_counts_per_area_and_drills_down_to_the_gemeinde(db, personas, seen) -> None:  # noqa: ANN001
    cert = personas.actor("land_cert_analyst")
    land = picture.root_area(db)
    assert land == personas.orgs["land"].id
    top = picture.by_area(db, actor=cert, since=_since(), area_id=land)
    assert [(r.name, r.sightings, r.indicators) for r in top] == [("Kreis A", 8, 2), ("Kreis B", 2, 1)]
    kreis = picture.by_area(db, actor=cert, since=_since(), area_id=personas.orgs["kreis_a"].id)
    assert [(r.name, r.sightings, r.has_children) for r in kreis] == [("VG A", 8, True)]
    vg = picture.by_area(db, actor=cert, since=_since(), area_id=personas.orgs["vg_a"].id)
    assert [(r.name, r.sightings, r.has_children) for r in vg] == [("Gemeinde A1", 8, False)]
    path = picture.area_path(db, area_id=personas.orgs["vg_a"].id)
    assert [o.name for o in path] == ["Testland", "Kreis A", "VG A"]


def test_it_counts_the_days_and_the_most_sighted(db, personas, seen) -> None:  # noqa: ANN001
    cert = personas.actor("land_cert_analyst")
    series = picture.over_time(db, actor=cert, since=_since(), until=utcnow(), area_id=None)
    assert len(series) == 31 and sum(n for _, n in series) == 10 and series[-1] == (utcnow().date(), 10)
    top = picture.most_sighted(db, actor=cert, since=_since(), area_id=None)
    assert [(r.indicator.value, r.sightings, r.organisations) for r in top] == [
        ("lage.example", 7, 2), ("nur-a1.example", 3, 1)]


def test_it_hides_the_value_of_a_seen_indicator_the_reader_may_not_see(db, personas, seen) -> None:  # noqa: ANN001
    kreis = personas.actor("kreis_a_admin")  # sees A1's sightings (upward), not A1's own AMBER report
    top = picture.most_sighted(db, actor=kreis, since=_since(), area_id=None)
    assert [(r.indicator.value, r.indicator.type, r.sightings) for r in top] == [
        ("lage.example", "domain", 5), (None, None, 3)]
    recent = picture.recent_sightings(db, actor=kreis, since=_since(), area_id=None)
    assert {r.indicator.value for r in recent} == {"lage.example", None}


def test_its_counts_do_not_move_with_sightings_hidden_from_the_reader(db, personas, seen) -> None:  # noqa: ANN001
    reader = personas.actor("kreis_b_admin")

    def snapshot():  # noqa: ANN202
        return (picture.by_area(db, actor=reader, since=_since(), area_id=picture.root_area(db)),
                picture.over_time(db, actor=reader, since=_since(), until=utcnow(), area_id=None),
                picture.most_sighted(db, actor=reader, since=_since(), area_id=None),
                picture.recent_sightings(db, actor=reader, since=_since(), area_id=None))

    before = snapshot()
    sightings_service.record_sightings(db, actor=personas.actor("gemeinde_a1_member"), items=[
        SightingIn(key="more", indicator_id=seen["green"].id, count=50)])
    assert snapshot() == before
    assert [(r.name, r.sightings) for r in before[0]] == [("Kreis B", 2)]


def test_the_land_cert_sees_charts_tables_and_links(client, personas, login, seen) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    page = client.get("/lagebild").text
    assert page.count("<svg") == 2 and 'role="img"' in page and "<title id=\"gebiete-t\">" in page
    assert f'href="/lagebild?days=30&amp;org={personas.orgs["kreis_a"].id}"' in page
    assert "lage.example" in page and "nur-a1.example" in page and "Domain" in page
    drilled = client.get(f"/lagebild?org={personas.orgs['vg_a'].id}").text
    assert "Gemeinde A1" in drilled and "Kreis B" not in drilled and 'aria-current="page">VG A' in drilled
    assert "style=" not in page and "<script>" not in page  # the CSP allows neither inline


def test_it_exports_each_table_as_csv_and_logs_the_export(client, db, personas, login, seen) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    for table in ("verlauf", "gebiete", "meistgesehen", "neue-indikatoren", "sichtungen"):
        response = client.get(f"/lagebild/{table}.csv?days=7")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.text), delimiter=";"))
        assert len(rows) > 1, table
    areas = list(csv.reader(io.StringIO(client.get("/lagebild/gebiete.csv").text), delimiter=";"))
    assert areas[0][:3] == ["Gebiet", "Art", "Sichtungen"] and areas[1][:3] == ["Kreis A", "Landkreis", "8"]
    logged = db.query(AuditEntry).filter(AuditEntry.action == "exported", AuditEntry.object_id == "lagebild gebiete")
    assert logged.count() == 2


def test_a_kreis_admin_exports_no_hidden_value(client, personas, login, seen) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    for table in ("meistgesehen", "sichtungen"):
        text = client.get(f"/lagebild/{table}.csv").text
        assert "nur-a1.example" not in text and "für Sie nicht sichtbar" in text and "lage.example" in text
    assert "nur-a1.example" not in client.get("/lagebild").text


def test_it_keeps_other_kreise_out(client, personas, login, seen) -> None:  # noqa: ANN001
    login("kreis_b_admin")
    page = client.get("/lagebild").text
    assert "Kreis B" in page and "Kreis A" not in page and "Gemeinde A1" not in page
    drilled = client.get(f"/lagebild?org={personas.orgs['kreis_a'].id}").text
    assert 'aria-current="page">Kreis A' in drilled  # the breadcrumb names the area (the tree is no secret) …
    assert "VG A" not in drilled and "Keine Sichtungen." in drilled  # … but none of its sightings
    assert "Gemeinde A1" not in client.get(f"/lagebild/gebiete.csv?org={personas.orgs['vg_a'].id}").text


@pytest.mark.parametrize("path", ["/lagebild", "/lagebild/gebiete.csv"])
def test_it_sends_anonymous_readers_to_the_login(client, path) -> None:  # noqa: ANN001
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_it_refuses_unknown_tables_areas_and_periods(client, login, personas) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    assert client.get("/lagebild/passwoerter.csv").status_code == 404
    assert client.get("/lagebild?org=999999").status_code == 404
    assert client.get("/lagebild?days=0").status_code == 422
    assert client.get("/lagebild?days=100000").status_code == 422
