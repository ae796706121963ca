"""Gemeinde A1 logs in with a real browser, sees its own organisation, and a Kreis B AMBER
report answers 404 although its id is known."""

from __future__ import annotations

import os

import pytest

from kommcert.reports import service as reports_service
from kommcert.reports.schemas import ReportCreate
from kommcert.sharing.tlp import TLP
from tests.personas import PASSWORD, build_personas

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("KOMMCERT_SCREENSHOTS")


@pytest.fixture(scope="module")
def world(live_server):  # noqa: ANN001, ANN201
    with live_server.session() as db:
        p = build_personas(db)
        kreis_b = reports_service.create_report(
            db, actor=p.actor("kreis_b_admin"),
            report_in=ReportCreate(title="Geheimer Vorfall in Kreis B", tlp=TLP.amber,
                                   audience_orgs=[p.orgs["kreis_b"].id]),
        )
        kreis_a = reports_service.create_report(
            db, actor=p.actor("kreis_a_admin"),
            report_in=ReportCreate(title="Warnung an die Gemeinden in Kreis A", tlp=TLP.amber,
                                   audience_orgs=[p.orgs["kreis_a"].id]),
        )
        db.commit()
        return {"kreis_b_report": kreis_b.id, "kreis_a_report": kreis_a.id,
                "email": p.users["gemeinde_a1_member"].email}


def _login(page, live_server, email: str) -> None:  # noqa: ANN001
    page.goto(live_server.url + "/")
    assert page.url.startswith(live_server.url + "/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")


def test_it_logs_in_and_shows_the_own_organisation(page, live_server, world) -> None:  # noqa: ANN001
    _login(page, live_server, world["email"])
    assert page.locator("h1").inner_text() == "Gemeinde A1"
    assert "Warnung an die Gemeinden in Kreis A" in page.content()
    assert "Geheimer Vorfall in Kreis B" not in page.content()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/home.png", full_page=True)


def test_it_answers_404_for_an_amber_report_of_another_kreis(page, live_server, world) -> None:  # noqa: ANN001
    _login(page, live_server, world["email"])
    response = page.goto(f"{live_server.url}/reports/{world['kreis_b_report']}")
    assert response is not None and response.status == 404
    assert "Nicht gefunden" in page.content()
    assert "Geheimer Vorfall" not in page.content()
    own = page.goto(f"{live_server.url}/reports/{world['kreis_a_report']}")
    assert own is not None and own.status == 200
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/404.png", full_page=True)


def test_it_switches_to_english(page, live_server, world) -> None:  # noqa: ANN001
    page.goto(live_server.url + "/login?lang=en")
    assert page.locator("h1").inner_text() == "Sign in"
    page.goto(live_server.url + "/login")
    assert page.locator("h1").inner_text() == "Sign in"  # remembered in a cookie
