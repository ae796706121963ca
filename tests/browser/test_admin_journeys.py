"""Administration in a real browser (issue 11, items 5-7): a Kreis admin invites a user into one of
its Gemeinden and edits that Gemeinde's contact; a member proposes a contact change that the admin
accepts; an org admin creates a service token and revokes it after confirming; the Notfallkarte of
a Gemeinde shows the inherited contacts and prints."""

from __future__ import annotations

import re
import time

import pytest

from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import ContactRole, OrgContact, OrgKind
from tests.personas import build_personas

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(live_server):  # noqa: ANN001, ANN201
    with live_server.session() as db:
        p = build_personas(db)
        provider = orgs_service.create_org(db, key="kitm", kind=OrgKind.it_dienstleister, name="KITM Kommunal-IT",
                                           parent=p.orgs["land"], phone="0651 900")
        provider.clients.append(p.orgs["vg_a"])
        contacts = {"gemeinde_a1": "Otto Bürgermeister", "vg_a": "Vera Verband", "kreis_a": "Karl Kreis",
                    "kommunal_cert": "Kira CERT"}
        for key, name in contacts.items():
            db.add(OrgContact(org_id=p.orgs[key].id, role=ContactRole.isb, name=name, phone_out_of_band="0170 1000"))
        db.add(OrgContact(org_id=provider.id, role=ContactRole.it_leitung, name="Paul Provider"))
        db.commit()
        return {"gemeinde": p.orgs["gemeinde_a1"].id,
                "emails": {name: user.email for name, user in p.users.items()}}


def _contact_row(page, name: str):  # noqa: ANN001, ANN202
    return page.locator("#kontakte ~ table tbody tr", has_text=name).first


def test_a_kreis_admin_invites_into_a_gemeinde_and_edits_its_contact(browser, live_server, world) -> None:  # noqa: ANN001
    page = live_server.logged_in(browser, world["emails"]["kreis_a_admin"])
    page.goto(live_server.url + "/users")
    page.select_option("#org_pick", label="Gemeinde A1 (Ortsgemeinde)")
    page.get_by_role("button", name="Anzeigen").click()
    assert page.locator("h1").inner_text() == "Benutzer: Gemeinde A1"
    page.fill("#name", "Klara Kasse")
    page.fill("#email", "klara.kasse@example.test")
    page.get_by_role("button", name="Einladen").click()
    assert "Einladung verschickt an" in page.locator(".notice").inner_text()
    assert "/invitation?token=" in page.locator("#invitation-url").inner_text()
    assert "klara.kasse@example.test" in page.locator("table").first.inner_text()

    page.goto(f"{live_server.url}/orgs/{world['gemeinde']}")
    _contact_row(page, "Otto Bürgermeister").get_by_role("link", name="Bearbeiten").click()
    page.fill("#phone_out_of_band", "0170 4242")
    page.get_by_role("button", name="Speichern").click()
    assert "0170 4242" in _contact_row(page, "Otto Bürgermeister").inner_text()
    page.context.close()


def test_a_member_proposes_a_contact_change_and_the_admin_accepts(browser, live_server, world) -> None:  # noqa: ANN001
    member = live_server.logged_in(browser, world["emails"]["gemeinde_a1_member"])
    member.get_by_role("link", name="Notfallkontakte prüfen und Änderungen vorschlagen").click()
    member.get_by_role("link", name="Änderung vorschlagen").first.click()
    member.fill("#phone_out_of_band", "0160 5555")
    member.fill("#comment", "neues Diensthandy")
    member.get_by_role("button", name="Vorschlagen", exact=True).click()
    assert "Ihr Vorschlag ist gespeichert" in member.locator(".notice").inner_text()
    assert "neues Diensthandy" in member.locator("#vorschlaege ~ table").first.inner_text()
    member.context.close()

    admin = live_server.logged_in(browser, world["emails"]["gemeinde_a1_admin"])
    admin.goto(f"{live_server.url}/orgs/{world['gemeinde']}")
    proposals = admin.locator("#vorschlaege ~ table").first
    assert "0160 5555" in proposals.inner_text()
    proposals.get_by_role("button", name="Annehmen").click()
    assert "0160 5555" in _contact_row(admin, "Otto Bürgermeister").inner_text()
    assert admin.locator("#vorschlaege").count() == 0  # nothing open any more
    admin.context.close()


def test_an_org_admin_creates_and_revokes_a_service_token(browser, live_server, world) -> None:  # noqa: ANN001
    page = live_server.logged_in(browser, world["emails"]["gemeinde_a1_admin"])
    page.get_by_role("link", name="Organisations-Token für Firewall, DNS-Server oder Scanner anlegen").click()
    page.fill("#sname", "Firewall Rathaus")
    page.select_option("#sscope", "feed")
    page.get_by_role("button", name="Organisations-Token anlegen").click()
    token = page.locator("#new-token").inner_text().strip()
    assert re.fullmatch(r"kc_\S+", token)
    row = page.locator("#organisation ~ table tbody tr", has_text="Firewall Rathaus")
    assert "nur Feeds und Scan-Liste" in row.inner_text()

    # The appliance uses it; the page then shows when and from where (a feed poll's use is written by the
    # server within KOMMCERT_TOKEN_USE_SECONDS, 5 s by default).
    assert page.request.get(f"{live_server.url}/feeds/txt?token={token}").status == 200
    deadline = time.monotonic() + 15
    while True:
        page.goto(live_server.url + "/tokens")
        row = page.locator("#organisation ~ table tbody tr", has_text="Firewall Rathaus")
        if "127.0.0.1" in row.inner_text() or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
    assert "127.0.0.1" in row.inner_text()

    row.get_by_role("link", name="Widerrufen …").click()
    assert page.locator("h1").inner_text() == "Token widerrufen?"
    page.get_by_role("link", name="Abbrechen").click()  # changing one's mind changes nothing
    assert page.request.get(f"{live_server.url}/feeds/txt?token={token}").status == 200
    page.locator("#organisation ~ table tbody tr", has_text="Firewall Rathaus").get_by_role(
        "link", name="Widerrufen …").click()
    page.get_by_role("button", name="Ja, endgültig widerrufen").click()
    assert "widerrufen" in page.locator("#organisation ~ table tbody tr", has_text="Firewall Rathaus").inner_text()
    assert page.request.get(f"{live_server.url}/feeds/txt?token={token}").status == 401
    page.context.close()


def test_the_notfallkarte_of_a_gemeinde_shows_the_inherited_contacts(browser, live_server, world) -> None:  # noqa: ANN001
    page = live_server.logged_in(browser, world["emails"]["gemeinde_a1_member"])
    page.get_by_role("link", name="Notfallkarte ausdrucken und aushängen").click()
    table = page.locator("table.card-contacts")
    text = table.inner_text()
    for expected in ("Gemeinde A1", "VG A", "Verbandsgemeinde", "Kreis A", "Landkreis", "KITM Kommunal-IT",
                     "IT-Dienstleister", "Paul Provider", "0651 900", "Kommunal-CERT", "Kira CERT",
                     live_server.settings.cert_hotline):
        assert expected in text, expected
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Drucken").is_visible()
    assert table.is_visible()
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 2
    page.context.close()
