"""A CERT narrows and withdraws its report on the page and another Kreis's feed loses the values at
once; a Gemeinde watches the "who sees this" list follow the TLP while it fills in the form.
In Chromium against a live server (which reuses the feeds' data state for the default 10 s: new
values may take that long, narrowing and withdrawing take effect at once)."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import expect

from kommcert.accounts.models import TokenScope
from tests.personas import build_personas

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(live_server):  # noqa: ANN001, ANN201
    with live_server.session() as db:
        p = build_personas(db)
        tokens = {"cert": p.token("land_cert_analyst"), "feed_b": p.token("gemeinde_b1_member", TokenScope.read)}
        db.commit()
        emails = {name: p.users[name].email for name in ("land_cert_analyst", "gemeinde_a1_admin")}
        return {"tokens": tokens, "emails": emails}


def _import(live_server, world, value: str) -> int:  # noqa: ANN001
    response = httpx.post(f"{live_server.url}/api/v1/indicators/import",
                          headers={"Authorization": f"Bearer {world['tokens']['cert']}"},
                          data={"format": "text", "tlp": "green", "title": f"Meldung mit {value}"},
                          files={"file": ("iocs.txt", f"{value}\n".encode(), "text/plain")})
    assert response.status_code == 200, response.text
    return response.json()["reports"][0]


def _feed(live_server, world) -> str:  # noqa: ANN001
    return httpx.get(f"{live_server.url}/feeds/txt?token={world['tokens']['feed_b']}").text


def _arrives(live_server, world, value: str) -> bool:  # noqa: ANN001
    """A new import reaches the feeds within the data state's reuse (KOMMCERT_FEED_STATE_SECONDS, 10 s)."""
    deadline = time.monotonic() + 15
    while value not in _feed(live_server, world):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def test_narrowing_a_report_takes_it_out_of_another_kreises_feed(browser, live_server, world) -> None:  # noqa: ANN001
    report_id = _import(live_server, world, "narrowed.example")
    assert _arrives(live_server, world, "narrowed.example")

    cert = live_server.logged_in(browser, world["emails"]["land_cert_analyst"])
    cert.goto(f"{live_server.url}/reports/{report_id}")
    cert.click("a:has-text('Bearbeiten')")
    cert.fill("#title", "Nur noch für Kreis A")
    cert.check("input[name=tlp][value=amber]")
    cert.select_option("#orgs", value=cert.locator("#orgs option", has_text="Kreis A").get_attribute("value"))
    expect(cert.locator("#visibility")).to_contain_text("Kreis A mit allen")
    cert.click("#report-form button[type=submit]")
    cert.wait_for_url(f"{live_server.url}/reports/{report_id}")
    assert "TLP:AMBER" in cert.inner_text("main") and "Nur noch für Kreis A" in cert.inner_text("h1")
    assert "Kreis B" not in cert.inner_text("#visibility")

    assert "narrowed.example" not in _feed(live_server, world)


def test_withdrawing_a_report_after_confirming(browser, live_server, world) -> None:  # noqa: ANN001
    report_id = _import(live_server, world, "withdrawn.example")
    assert _arrives(live_server, world, "withdrawn.example")

    cert = live_server.logged_in(browser, world["emails"]["land_cert_analyst"])
    cert.goto(f"{live_server.url}/reports/{report_id}")
    cert.click("a:has-text('Zurückziehen')")
    assert "verschwinden aus allen Feeds" in cert.inner_text("main")
    cert.click("button:has-text('Ja, zurückziehen')")
    cert.wait_for_url(f"{live_server.url}/reports/{report_id}")
    assert "Zurückgezogen" in cert.inner_text("main")

    assert "withdrawn.example" not in _feed(live_server, world)


def test_the_audience_list_follows_the_tlp_as_the_form_changes(browser, live_server, world) -> None:  # noqa: ANN001
    gemeinde = live_server.logged_in(browser, world["emails"]["gemeinde_a1_admin"])
    gemeinde.goto(f"{live_server.url}/reports/new")
    visibility = gemeinde.locator("#visibility")
    # A Gemeinde shares upward by default: its VG and Kreis are on the list.
    assert "sichtbar für: Gemeinde A1, VG A, Kreis A" in visibility.inner_text()

    gemeinde.check("input[name=tlp][value=green]")
    expect(visibility).to_contain_text("alle angemeldeten Organisationen")

    gemeinde.check("input[name=tlp][value=amber]")
    gemeinde.uncheck("input[name=upward]")
    expect(visibility).to_contain_text("sehen diese Meldung nicht")
    assert "Kreis A" not in visibility.locator("ul").inner_text()

    gemeinde.fill("#title", "Verdächtige Mail")
    gemeinde.check("input[name=upward]")
    expect(visibility.locator("ul")).to_contain_text("Kreis A")
    gemeinde.click("#report-form button[type=submit]")
    gemeinde.wait_for_url(f"{live_server.url}/reports/*")
    assert "sichtbar für: Gemeinde A1, VG A, Kreis A" in gemeinde.inner_text("#visibility")


def test_the_import_form_says_who_will_see_the_values(browser, live_server, world) -> None:  # noqa: ANN001
    gemeinde = live_server.logged_in(browser, world["emails"]["gemeinde_a1_admin"])
    gemeinde.goto(f"{live_server.url}/indicators/import")
    visibility = gemeinde.locator("#visibility")
    expect(visibility).to_contain_text("sichtbar für: Gemeinde A1, Landes-CERT, Kommunal-CERT")
    gemeinde.select_option("#orgs", value=gemeinde.locator("#orgs option", has_text="Kreis A").get_attribute("value"))
    expect(visibility).to_contain_text("Kreis A mit allen 2 untergeordneten Stellen")
    gemeinde.select_option("#tlp", value="green")
    expect(visibility).to_contain_text("alle angemeldeten Organisationen")
