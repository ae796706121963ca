"""A Kreis sends its Gemeinden a note with a file, a Gemeinde answers with its own file, the Kreis
downloads it; a Gemeinde of another Kreis finds nothing. In Chromium against a live server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.personas import build_personas

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(live_server):  # noqa: ANN001, ANN201
    with live_server.session() as db:
        p = build_personas(db)
        db.commit()
        return {name: p.users[name].email for name in ("kreis_a_admin", "gemeinde_a1_admin", "gemeinde_b1_member")}


def test_a_note_with_files_and_an_answer(browser, live_server, world, tmp_path) -> None:  # noqa: ANN001
    note = tmp_path / "Hinweise zur Phishing-Welle.pdf"
    note.write_bytes(b"%PDF-1.4 Hinweise")
    answer = tmp_path / "mail-header.txt"
    answer.write_text("Received: from mail.rechnung-portal.example\n", encoding="utf-8")

    kreis = live_server.logged_in(browser, world["kreis_a_admin"], accept_downloads=True)
    kreis.goto(live_server.url + "/reports/new")
    kreis.fill("#title", "Phishing gegen Bauämter")
    kreis.fill("#summary", "Bitte Postfächer prüfen, Details im Anhang.")
    kreis.check("input[name=tlp][value=amber]")
    kreis.select_option("#orgs", value=kreis.locator("#orgs option", has_text="Kreis A").get_attribute("value"))
    kreis.set_input_files("#files", str(note))
    kreis.click("form.stack button[type=submit]")
    kreis.wait_for_url(f"{live_server.url}/reports/*")
    report_url = kreis.url
    assert "Hinweise zur Phishing-Welle.pdf" in kreis.inner_text("#files")

    gemeinde = live_server.logged_in(browser, world["gemeinde_a1_admin"])
    gemeinde.goto(report_url)
    gemeinde.fill("#body", "Bei uns drei Mails, Kopfzeilen anbei.")
    gemeinde.set_input_files("#comment-files", str(answer))
    gemeinde.click("#comments button[type=submit]:has-text('Kommentieren')")
    gemeinde.wait_for_url(f"{report_url}#comment-*")
    assert "Bei uns drei Mails" in gemeinde.inner_text("#comments")

    kreis.goto(report_url)
    comment = kreis.locator("#comments article")
    assert "Gemeinde A1" in comment.inner_text()
    with kreis.expect_download() as download:
        comment.locator("a[download]").click()
    assert download.value.suggested_filename == "mail-header.txt"
    assert Path(download.value.path()).read_bytes() == answer.read_bytes()

    outsider = live_server.logged_in(browser, world["gemeinde_b1_member"])
    response = outsider.goto(report_url)
    assert response.status == 404 and "Bei uns drei Mails" not in outsider.content()
