"""Issue 16 "Sensibilisierung", the "Done when" walk in real Chromium against a live server.

Personas (tests/personas.py), renamed in this module's database: Gemeinde A1 is **Kleinmusterdorf** (Kreis A),
a second Gemeinde of Kreis A, **Musterhausen**, is added, Gemeinde B1 is **Seedorf** (Kreis B). In order:

1. the Kreis A administrator (the coordinator) plans an event on the calendar page;
2. Kleinmusterdorf and Musterhausen register on the event page;
3. the event takes place (the test moves its start into the past, as time would), the coordinator records
   both Gemeinden's attendance on the attendance form;
4. the Landes-CERT's coverage page: the bars and numbers of both Gemeinden, of Kreis A and of the Land changed;
5. Kleinmusterdorf imports a GoPhish campaign: the page shows only sums, the group of four is nowhere, nor are
   the addresses in the file;
6. Seedorf cannot see Kleinmusterdorf's coverage (404), nor find it in the lists, nor the campaign.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from kommcert import timefmt
from kommcert.accounts.models import Role, User
from kommcert.awareness import profiles
from kommcert.awareness.models import AwarenessEvent
from kommcert.db import utcnow
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import OrgKind
from tests.awareness.conftest import gophish_csv
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import LiveServer
from tests.personas import build_personas, password_hash

pytestmark = pytest.mark.browser
TITLE = "Phishing erkennen – Kreis A"


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> dict:
    with live_server.session() as db:
        p = build_personas(db)
        p.orgs["gemeinde_a1"].name = "Kleinmusterdorf"
        p.orgs["gemeinde_b1"].name = "Seedorf"
        haus = orgs_service.create_org(db, key="gemeinde_a2", kind=OrgKind.ortsgemeinde, name="Musterhausen",
                                       parent=p.orgs["vg_a"], ars="991015001002")
        db.add(User(org=haus, email="musterhausen@example.test", name="Mia Muster", role=Role.admin,
                    password_hash=password_hash()))
        db.flush()
        profiles.set_headcount(db, actor=p.actor("gemeinde_a1_admin"), org_id=p.orgs["gemeinde_a1"].id,
                               counts={"beschaeftigte": 10, "fuehrung": 2})
        profiles.set_headcount(db, actor=p.actor("gemeinde_b1_member"), org_id=p.orgs["gemeinde_b1"].id,
                               counts={"beschaeftigte": 6})
        db.flush()
        haus_admin = db.scalar(select(User).where(User.email == "musterhausen@example.test"))
        from kommcert.accounts import service as accounts_service

        profiles.set_headcount(db, actor=accounts_service.actor_for(db, haus_admin), org_id=haus.id,
                               counts={"beschaeftigte": 8})
        db.commit()
        return {"email": {name: u.email for name, u in p.users.items()} | {"musterhausen": haus_admin.email},
                "klein": p.orgs["gemeinde_a1"].id, "haus": haus.id}


def _row(page, table: str, name: str) -> str:  # noqa: ANN001
    return page.locator(f"#{table} tbody tr", has_text=name).first.inner_text()


def _share(text: str) -> int | None:
    found = re.findall(r"(\d+) %", text)
    return int(found[-1]) if found else None


def _coverage(page, url: str) -> dict:  # noqa: ANN001
    page.goto(url + "/awareness/coverage")
    return {"areas_svg": page.locator("svg[aria-labelledby^='abdeckung-gebiete']").inner_html(),
            "orgs_svg": page.locator("svg[aria-labelledby^='abdeckung-organisationen']").inner_html(),
            "Kleinmusterdorf": _share(_row(page, "orgs", "Kleinmusterdorf")),
            "Musterhausen": _share(_row(page, "orgs", "Musterhausen")),
            "Kreis A": _share(_row(page, "areas", "Kreis A")), "Land": _share(_row(page, "areas", "Land"))}


def test_plan_register_attend_coverage_phishing_and_seedorf(browser, live_server: LiveServer, world: dict) -> None:  # noqa: ANN001
    url, people = live_server.url, world["email"]
    cert = live_server.logged_in(browser, people["land_cert_analyst"])
    before = _coverage(cert, url)
    assert (before["Kleinmusterdorf"], before["Musterhausen"], before["Kreis A"], before["Land"]) == (0, 0, 0, 0)

    # 1. The coordinator plans an event.
    coordinator = live_server.logged_in(browser, people["kreis_a_admin"])
    coordinator.goto(url + "/awareness")
    starts = (utcnow() + timedelta(days=7)).astimezone(timefmt.zone(timefmt.DEFAULT_ZONE))
    coordinator.fill("#title", TITLE)
    coordinator.select_option("#format", "praesenz")
    coordinator.fill("#starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    coordinator.fill("#place", "Kreishaus, Saal 1")
    coordinator.fill("#capacity", "25")
    coordinator.get_by_role("button", name="Termin anlegen").click()
    coordinator.wait_for_url(re.compile(r".*/awareness/events/\d+$"))
    event_url = coordinator.url
    assert "25 von 25 frei" in coordinator.locator("#places").inner_text()

    # 2. Two Gemeinden register.
    for person, count in (("gemeinde_a1_member", "6"), ("musterhausen", "4")):
        gemeinde = live_server.logged_in(browser, people[person])
        gemeinde.goto(url + "/awareness")
        gemeinde.get_by_role("link", name=TITLE).click()
        gemeinde.fill("#reg_beschaeftigte", count)
        gemeinde.get_by_role("button", name="Anmelden").click()
        gemeinde.wait_for_url(re.compile(r".*#anmeldung$"))
        gemeinde.context.close()
    coordinator.goto(event_url)
    assert "15 von 25 frei" in coordinator.locator("#places").inner_text()

    # 3. The event takes place; the coordinator records who came.
    event_id = int(event_url.rsplit("/", 1)[1])
    with live_server.session() as db:
        event = db.get(AwarenessEvent, event_id)
        event.starts_at = utcnow() - timedelta(hours=3)
        event.ends_at = utcnow() - timedelta(hours=1)
        db.commit()
    for org, staff, managers in ((world["klein"], "6", "1"), (world["haus"], "4", "")):
        coordinator.goto(event_url)
        coordinator.select_option("#att-org", str(org))
        coordinator.fill("#att_beschaeftigte", staff)
        if managers:
            coordinator.fill("#att_fuehrung", managers)
        coordinator.get_by_role("button", name="Teilnahme speichern").click()
        coordinator.wait_for_url(re.compile(r".*#teilnahme$"))
    lines = coordinator.locator("#lines").inner_text()
    assert "Kleinmusterdorf" in lines and "Musterhausen" in lines
    assert_accessible(coordinator, "event with the attendance form")
    coordinator.goto(url + "/awareness")
    assert_accessible(coordinator, "calendar with the planning form")

    # 4. The charts moved: both Gemeinden, their Kreis and the Land.
    after = _coverage(cert, url)
    assert (after["Kleinmusterdorf"], after["Musterhausen"]) == (58, 50)  # 7 of 12, 4 of 8
    assert after["Kreis A"] == 55 and after["Land"] == 42  # 11 of 20; 11 of 26 with Seedorf's 6
    assert after["areas_svg"] != before["areas_svg"] and after["orgs_svg"] != before["orgs_svg"]
    assert ">58<" in after["orgs_svg"] and ">55<" in after["areas_svg"]
    assert_accessible(cert, "coverage")

    # 5. Kleinmusterdorf imports a GoPhish campaign: sums only, the group of four hidden.
    klein = live_server.logged_in(browser, people["gemeinde_a1_admin"])
    klein.goto(url + "/awareness/phishing")
    data = gophish_csv({"Bauamt": [("Clicked Link", False)] * 3 + [("Email Opened", True)] * 5,
                        "Bürgerbüro": [("Email Sent", True)] * 7,
                        "Kasse": [("Submitted Data", False)] * 4})
    klein.set_input_files("#file", files=[{"name": "Herbst - Results.csv", "mimeType": "text/csv", "buffer": data}])
    klein.fill("#name", "Herbstübung")
    klein.get_by_role("button", name="Einlesen").click()
    klein.wait_for_url(re.compile(r".*#kampagne-\d+$"))
    campaign = klein.locator("article", has_text="Herbstübung").inner_text()
    assert "Bauamt" in campaign and "weitere Gruppen (zusammengefasst)" in campaign
    assert "Kasse" not in campaign and "person" not in klein.content() and "198.51.100" not in klein.content()
    assert "Bürgerbüro" not in campaign  # merged too, so that the four cannot be subtracted from the total
    assert_accessible(klein, "phishing")
    klein.goto(url + "/awareness/mine")
    assert "58 % geschult" in klein.locator("#share").inner_text()
    assert_accessible(klein, "own organisation with headcount and readiness forms")
    klein.goto(url + "/awareness/readiness")
    assert_accessible(klein, "readiness")

    # 6. Seedorf sees none of it.
    seedorf = live_server.logged_in(browser, people["gemeinde_b1_member"])
    response = seedorf.goto(f"{url}/awareness/coverage/{world['klein']}")
    assert response is not None and response.status == 404
    seedorf.goto(url + "/awareness/coverage")
    assert "Kleinmusterdorf" not in seedorf.content() and "Seedorf" in seedorf.content()
    seedorf.goto(url + "/awareness/phishing")
    assert "Herbstübung" not in seedorf.content()
    seedorf.goto(event_url)
    assert "Kleinmusterdorf" not in seedorf.locator("main").inner_text()  # the GREEN event, without its lines
