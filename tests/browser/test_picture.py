"""Issue 11, items 8-10 in Chromium: the Land-CERT analyst opens the Lagebild, drills down to a
Gemeinde and downloads a CSV; a Kreis admin's start page shows a sighting made since her last
visit; the Protokoll filtered by event kind."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from kommcert.db import utcnow
from kommcert.home import service as home_service
from kommcert.indicators import importing
from kommcert.indicators import service as indicators_service
from kommcert.indicators import sightings as sightings_service
from kommcert.indicators.sightings import SightingIn
from kommcert.sharing.tlp import TLP
from tests.browser.a11y import assert_accessible
from tests.indicators.conftest import stix_bundle
from tests.personas import build_personas

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(live_server):  # noqa: ANN001, ANN201
    with live_server.session() as db:
        p = build_personas(db)
        indicators_service.import_file(
            db, actor=p.actor("land_cert_analyst"), settings=live_server.settings, fmt="stix",
            stream=io.BytesIO(stix_bundle(["[domain-name:value = 'lagebild.example']"], tlp=TLP.green)),
            name="lage.json", options=importing.ImportOptions())
        sightings_service.record_sightings(db, actor=p.actor("gemeinde_b1_member"), items=[
            SightingIn(key="b1", type="domain", value="lagebild.example", count=2)])
        # Kreis A's admin was here three hours ago; Gemeinde A1 saw the value since.
        home_service.visit(db, user_id=p.users["kreis_a_admin"].id, now=utcnow() - timedelta(hours=3))
        sightings_service.record_sightings(db, actor=p.actor("gemeinde_a1_member"), items=[
            SightingIn(key="a1", type="domain", value="lagebild.example", count=6)])
        db.commit()
        return {name: p.users[name].email for name in ("land_cert_analyst", "land_cert_admin", "kreis_a_admin")}


def test_the_land_cert_drills_down_to_a_gemeinde_and_downloads_a_csv(live_server, browser, world) -> None:  # noqa: ANN001
    page = live_server.logged_in(browser, world["land_cert_analyst"], accept_downloads=True)
    page.click("nav >> text=Lagebild")
    page.wait_for_url("**/lagebild")
    assert page.locator("svg.chart").count() == 2
    areas = page.locator("table#gebiete tbody tr")
    assert areas.nth(0).inner_text().startswith("Kreis A") and areas.nth(1).inner_text().startswith("Kreis B")
    assert "lagebild.example" in page.inner_text("main")
    assert_accessible(page)
    page.click("table#gebiete >> text=Kreis A")
    page.click("table#gebiete >> text=VG A")
    assert page.locator("nav.crumbs [aria-current=page]").inner_text() == "VG A"
    assert "Kreis A" in page.locator("nav.crumbs").inner_text()
    row = page.locator("table#gebiete tbody tr").first.inner_text()
    assert row.startswith("Gemeinde A1") and "6" in row and "Kreis B" not in page.inner_text("main")
    with page.expect_download() as info:
        page.click("#h-gebiete ~ p >> text=Als CSV herunterladen")
    download = info.value
    assert download.suggested_filename == "lagebild-gebiete.csv"
    with open(download.path(), encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0][0] == "Gebiet" and rows[1][0] == "Gemeinde A1" and rows[1][2] == "6"
    page.context.close()


def test_a_kreis_admin_sees_the_new_sighting_since_her_last_visit(live_server, browser, world) -> None:  # noqa: ANN001
    page = live_server.logged_in(browser, world["kreis_a_admin"])
    news = page.locator("section[aria-labelledby=h-news]")
    text = news.inner_text()
    assert "Neu seit Ihrem letzten Besuch" in text and "6 neue Sichtungen in Ihrem Bereich" in text
    assert "Gemeinde A1" in text and "lagebild.example" in text and "Gemeinde B1" not in text
    assert_accessible(page)
    news.locator("text=lagebild.example").click()
    page.wait_for_url("**/indicators/*")
    page.context.close()


def test_the_protokoll_filtered_by_event_kind(live_server, browser, world) -> None:  # noqa: ANN001
    page = live_server.logged_in(browser, world["land_cert_admin"])
    page.goto(live_server.url + "/audit")
    page.select_option("#f-action", label="Anmeldung")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/audit?action=login*")
    kinds = {t.strip() for t in page.locator("table.audit tbody tr td:nth-child(2)").all_inner_texts()}
    assert kinds == {"Anmeldung"}
    assert "land_cert_admin" in page.inner_text("table.audit")  # names, not ids
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280  # no sideways scrolling
    assert_accessible(page)
    page.context.close()
