"""A Gemeinde reports ransomware from a phone-sized window; the Landes-CERT finds it first in its
queue, claims it and moves it to Triage. In Chromium against a live server."""

from __future__ import annotations

import pytest

from kommcert.incidents import service
from kommcert.incidents.schemas import IncidentCreate
from tests.browser.a11y import assert_accessible
from tests.browser.test_a11y import _PROSE, _UNLABELLED, LEFTOVERS
from tests.personas import build_personas

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 3}


@pytest.fixture(scope="module")
def world(live_server):  # noqa: ANN001, ANN201
    with live_server.session() as db:
        p = build_personas(db)
        # An older incident of another Kreis, already in triage: the new report must come first.
        older = service.report_incident(db, actor=p.actor("gemeinde_b1_member"), max_bytes=1024, incident_in=(
            IncidentCreate.model_validate({"category": "phishing", "severity": "critical", "title": "Phishing-Welle",
                                           "reporter_name": "Herr B", "answers": {"systems": "Mail",
                                                                                  "observed": "Mails"}})))
        older.phase = "triage"
        db.commit()
        return {name: p.users[name].email for name in ("gemeinde_a1_member", "land_cert_analyst")}


def _fits_the_width(page) -> bool:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _well_made(page, where: str) -> None:  # noqa: ANN001
    """No serious axe-core finding, every field with a visible label, no machine words in the German text."""
    assert_accessible(page, where)
    assert page.evaluate(_UNLABELLED) == [], where
    assert not LEFTOVERS.search(page.evaluate(_PROSE)), where


def test_a_gemeinde_reports_ransomware_by_phone_and_the_cert_triages_it(browser, live_server, world,  # noqa: ANN001
                                                                         tmp_path) -> None:
    note = tmp_path / "erpresserschreiben.txt"
    note.write_text("All your files are encrypted.\n", encoding="utf-8")

    phone = live_server.logged_in(browser, world["gemeinde_a1_member"], **PHONE)
    phone.click("a.button:has-text('Vorfall melden')")
    phone.wait_for_url(live_server.url + "/incidents/new")
    assert _fits_the_width(phone)
    _well_made(phone, "report form")
    phone.check("input[name=category][value=ransomware]")
    phone.fill("#reporter_name", "Frau Beispiel, Hauptamt")
    phone.fill("#callback_phone", "+49 170 1234567")
    phone.fill("#answer-systems", "Fileserver und alle Arbeitsplätze")
    phone.fill("#answer-observed", "Dateien lassen sich nicht öffnen, Erpresserschreiben auf dem Desktop")
    phone.check("input[name=ransom_note][value=ja]")
    phone.check("input[name=citizen_services_down][value=ja]")
    phone.set_input_files("#files", str(note))
    phone.click("#incident-form button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/incidents/*")
    case_url = phone.url
    assert "Ransomware" in phone.inner_text("#kopf") and "gemeldet" in phone.inner_text("#phase")
    assert "erpresserschreiben.txt" in phone.inner_text("#dateien")
    assert _fits_the_width(phone)
    _well_made(phone, "case page (Gemeinde, phone)")

    cert = live_server.logged_in(browser, world["land_cert_analyst"])
    cert.goto(live_server.url + "/incidents/queue")
    first = cert.locator("table.queue tbody tr").first
    assert "Ransomware" in first.inner_text() and "Gemeinde A1" in first.inner_text()
    _well_made(cert, "queue")
    first.locator("button:has-text('Übernehmen')").click()
    cert.wait_for_url(live_server.url + "/incidents/queue")
    assert "land_cert_analyst" in cert.locator("table.queue tbody tr").first.inner_text()

    cert.goto(case_url)
    cert.fill("#phase-note", "Rückruf bei Frau Beispiel erfolgt")
    cert.click("#phase-form button[value=triage]")
    cert.wait_for_url(f"{case_url}#kopf")
    assert cert.inner_text("#phase") == "Triage"
    assert "gemeldet → Triage" in cert.inner_text("#verlauf")
    _well_made(cert, "case page (CERT)")

    phone.reload()
    assert phone.inner_text("#phase") == "Triage" and "land_cert_analyst" in phone.inner_text("#assignee")
