"""README's "Was Sie zuerst ausprobieren", persona by persona, in Chromium against the demo Land:
each paragraph's clicks, by the words the README uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from kommcert import demo
from tests.browser.a11y import assert_accessible

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def logins(live_server) -> dict[str, str]:  # noqa: ANN001
    with live_server.session() as db:
        demo.load(db)
        db.commit()
    return {login.email: login.password for login in demo.known_logins()}


@contextmanager
def _login(live_server, browser, logins: dict[str, str], email: str) -> Iterator:  # noqa: ANN001
    """A German browser page logged in through the form as a demo persona, closed after the block."""
    page = browser.new_context(locale="de-DE").new_page()
    try:
        page.goto(live_server.url + "/login")
        page.fill("#email", email)
        page.fill("#password", logins[email])
        page.click("button[type=submit]")
        page.wait_for_url(live_server.url + "/")
        yield page
    finally:
        page.context.close()


def _nav(page, name: str) -> None:  # noqa: ANN001
    page.locator("header nav").get_by_role("link", name=name, exact=True).click()


def _find_org(page, name: str) -> None:  # noqa: ANN001
    _nav(page, "Organisationen")
    page.get_by_label("Suche nach Name oder Schlüssel").fill(name)
    page.keyboard.press("Enter")
    page.locator("main").get_by_role("link", name=name, exact=True).first.click()


def test_the_land_cert_analyst_opens_the_lagebild_and_the_import(live_server, browser, logins) -> None:  # noqa: ANN001
    with _login(live_server, browser, logins, "analystin@lcert.musterland.example") as page:
        _nav(page, "Lagebild")
        page.get_by_role("link", name="Beispielkreis").first.click()
        page.get_by_role("link", name="Musterhausen").first.wait_for()
        assert page.get_by_role("link", name="CSV").count() >= 1
        assert_accessible(page)
        _nav(page, "Indikatoren")
        page.get_by_role("link", name="Importieren").click()
        page.get_by_role("button", name="Vorschau").wait_for()


def test_the_land_cert_analyst_works_the_demo_incident(live_server, browser, logins) -> None:  # noqa: ANN001
    with _login(live_server, browser, logins, "analystin@lcert.musterland.example") as page:
        _nav(page, "Vorfälle")
        page.get_by_role("link", name="Warteschlange des CERT").click()
        page.locator("main").get_by_role("link", name="Oberbeispiel", exact=False).first.click()
        main = page.locator("main")
        main.get_by_role("heading", name="Meldefristen").first.wait_for()
        assert "DSGVO" in main.inner_text()
        assert main.get_by_role("link", name="Abschlussbericht als PDF").count() == 1
        main.get_by_role("button", name="Veröffentlichen").click()
        page.locator("#incident-publish [role=status]").get_by_text("Indikatoren veröffentlicht.").wait_for()
        published = page.locator("#incident-publish").inner_text()
        assert "Indikatoren aus einem Vorfall" in published and "Oberbeispiel" not in published


def test_a_gemeinde_member_finds_how_to_report_an_incident(live_server, browser, logins) -> None:  # noqa: ANN001
    with _login(live_server, browser, logins, "buero@kleinmusterdorf.example") as page:
        page.locator("main").get_by_role("link", name="Vorfall melden").first.click()
        page.wait_for_url(live_server.url + "/incidents/new")


def test_the_kommunal_cert_analyst_reads_the_protokoll(live_server, browser, logins) -> None:  # noqa: ANN001
    with _login(live_server, browser, logins, "analyst@kcert.musterland.example") as page:
        _nav(page, "Protokoll")
        assert page.locator("h1").inner_text().startswith("Protokoll")
        assert page.get_by_label("Ereignis").count() == 1


def test_the_kreis_admin_manages_a_gemeinde(live_server, browser, logins) -> None:  # noqa: ANN001
    with _login(live_server, browser, logins, "it@beispielkreis.example") as page:
        _find_org(page, "Kleinmusterdorf")
        assert "Ortsbürgermeister Otto Ort" in page.content()  # the Gemeinde's contacts, to maintain here
        page.get_by_role("link", name="Benutzer verwalten").click()
        assert "Kleinmusterdorf" in page.content()
        page.get_by_role("button", name="Einladen").first.wait_for()


def test_the_vg_admin_prints_the_notfallkarte_of_a_gemeinde(live_server, browser, logins) -> None:  # noqa: ANN001
    with _login(live_server, browser, logins, "it@vg-musterhausen.example") as page:
        _find_org(page, "Kleinmusterdorf")
        page.get_by_role("link", name="Notfallkarte drucken").click()
        card = page.content()
        for name in ("Kleinmusterdorf", "Musterhausen", "Beispielkreis", "Kommunal-CERT", "Landes-CERT",
                     live_server.settings.cert_hotline):
            assert name in card, name


def test_a_gemeinde_member_sees_who_will_read_a_new_report_and_her_feeds(live_server, browser,  # noqa: ANN001
                                                                        logins) -> None:
    with _login(live_server, browser, logins, "buero@kleinmusterdorf.example") as page:
        _nav(page, "Meldungen")
        page.get_by_role("link", name="Neue Meldung").click()
        audience = page.locator("#visibility-preview")
        audience.wait_for()
        for name in ("Kleinmusterdorf", "Musterhausen", "Beispielkreis", "Landes-CERT", "Kommunal-CERT"):
            assert name in audience.inner_text(), name
        _nav(page, "Indikatoren")
        page.get_by_role("link", name="Meine Feeds").click()
        assert page.get_by_role("button", name="Kopieren").count() >= 1


def test_seedorf_does_not_see_the_beispielkreis_report(live_server, browser, logins) -> None:  # noqa: ANN001
    with _login(live_server, browser, logins, "buero@seedorf.example") as page:
        _nav(page, "Meldungen")
        listing = page.content()
        assert "Phishing-Welle" in listing and "Bürgerportal" not in listing


def test_the_it_service_provider_sees_its_consenting_client(live_server, browser, logins) -> None:  # noqa: ANN001
    with _login(live_server, browser, logins, "admin@kitm.example") as page:
        start = page.locator("main").inner_text()
        assert "Musterhausen" in start and "57" in start
        assert "Kleinmusterdorf" not in start  # served through its VG, but it did not consent itself


@pytest.mark.parametrize("email", ["einsatz@sicherit.example", "team@mirt.musterland.example"])
def test_providers_and_the_mirt_read_what_is_shared_with_all(live_server, browser, logins, email) -> None:  # noqa: ANN001
    with _login(live_server, browser, logins, email) as page:
        _nav(page, "Meldungen")
        listing = page.content()
        assert "Öffentlicher Hinweis" in listing and "Phishing-Welle" in listing
        assert "Vertraulich" not in listing and "Bürgerportal" not in listing


def test_the_mirt_works_the_oberbeispiel_deployment_and_the_cert_sees_the_contingent(  # noqa: ANN001
        live_server, browser, logins) -> None:
    with _login(live_server, browser, logins, "team@mirt.musterland.example") as page:
        assigned = page.locator("main table.help-requests tbody tr")
        assert assigned.count() == 1 and "Oberbeispiel" in assigned.first.inner_text()
        _nav(page, "Einsätze")
        page.locator("#board").get_by_role("link", name="#", exact=False).first.click()
        assert "Oberbeispiel" in page.locator("h1").inner_text()
        assert page.locator("#lage article.status-report").count() == 2
        for heading in ("Lage", "Maßnahmen", "Bedarf"):
            assert heading in page.locator("#lage").inner_text()
        states = [s.strip() for s in page.locator("#time-entries tbody tr td:nth-child(7)").all_inner_texts()]
        assert "bestätigt" in states and "offen" in states  # today's hours wait for the municipality
    with _login(live_server, browser, logins, "analystin@lcert.musterland.example") as page:
        _nav(page, "Kontingente")
        table = page.locator("h2:has-text('Beispielkreis') + table").inner_text()
        for column in ("Verbraucht", "Reserviert", "Frei"):
            assert column in table


def test_kleinmusterdorf_finds_its_exchange_warning_and_the_kreis_sees_who_is_open(live_server, browser,  # noqa: ANN001
                                                                                   logins) -> None:
    """README "Warnungen": the affected warning first, its inventory line, the status; the overview; writing."""
    with _login(live_server, browser, logins, "buero@kleinmusterdorf.example") as page:
        _nav(page, "Warnungen")
        main = page.locator("main")
        assert "Microsoft Exchange Server" in main.locator("li, tr").filter(has_text="betroffen").first.inner_text()
        assert_accessible(page)
        main.get_by_role("link", name="Microsoft Exchange Server", exact=False).first.click()
        text = page.locator("main").inner_text()
        assert "Exchange Server 2019" in text and "Rathaus, Serverraum" in text and "Update" in text
        page.get_by_role("button", name="Status speichern").wait_for()
        assert_accessible(page)
        _nav(page, "Inventar")
        page.locator("main").get_by_text("Exchange Server 2019").first.wait_for()
        assert_accessible(page)
    with _login(live_server, browser, logins, "it@beispielkreis.example") as page:
        _nav(page, "Warnungen")
        page.get_by_role("link", name="Übersicht: wer ist noch offen?").click()
        overview = page.locator("#open-by-advisory").inner_text()
        assert "Microsoft Exchange Server" in overview and "Seedorf" not in page.locator("#open-by-org").inner_text()
        assert_accessible(page)
    with _login(live_server, browser, logins, "analystin@lcert.musterland.example") as page:
        _nav(page, "Warnungen")
        page.get_by_role("link", name="Neue Warnung").click()
        page.get_by_role("button", name="Vorschau", exact=False).first.wait_for()
        page.goto(live_server.url + "/advisories/sources")
        assert "Warndienst Musterland" in page.locator("main").inner_text()
        assert_accessible(page)
