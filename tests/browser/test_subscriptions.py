"""Issue 15, subscriptions in Chromium: a Gemeinde analyst subscribes to a CSV list served on loopback,
pulls it with "Jetzt abrufen" and sees the health turn ok with the count; when the source breaks (an
HTML page instead of the list) the page says so in one German line and the values already taken over
stay."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kommcert.accounts.models import Role, User
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import LiveServer
from tests.personas import build_personas, password_hash

pytestmark = pytest.mark.browser

LIST = "value,type,comment\nrechnung-abo.example,domain,Phishing\n198.51.100.77,ipv4,Scanner\n" \
       "203.0.113.78,ipv4,C2\n"
VALUES = ("rechnung-abo.example", "198.51.100.77", "203.0.113.78")
LOGIN_PAGE = "<!doctype html><html><body><form>Bitte anmelden</form></body></html>"


class ListSource:
    """One path, ``/liste.csv``, whose answer the test changes."""

    def __init__(self) -> None:
        self.body, self.content_type = LIST, "text/csv"
        self.url = ""


@pytest.fixture(scope="module")
def source() -> Iterator[ListSource]:
    src = ListSource()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            body = src.body.encode() if self.path == "/liste.csv" else b"not found"
            self.send_response(200 if self.path == "/liste.csv" else 404)
            self.send_header("Content-Type", src.content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    src.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield src
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def analyst(live_server: LiveServer) -> str:
    """An analyst of Gemeinde A1 (a Gemeinde with its own part-time security analyst)."""
    with live_server.session() as db:
        p = build_personas(db)
        user = User(org=p.orgs["gemeinde_a1"], email="analystin_a1@example.test", name="Analystin A1",
                    role=Role.analyst, password_hash=password_hash())
        db.add(user)
        db.commit()
        return user.email


def test_a_gemeinde_analyst_subscribes_pulls_and_sees_a_broken_source_without_losing_values(  # noqa: ANN201
        live_server, browser, analyst, source):  # noqa: ANN001
    page = live_server.logged_in(browser, analyst)
    page.goto(live_server.url + "/subscriptions")
    assert page.locator("h1").inner_text() == "Abonnements"
    assert "Noch keine Abonnements." in page.inner_text("main")
    page.fill("#s-name", "Sperrliste des Landes")
    page.select_option("#s-kind", "csv")
    page.fill("#s-url", source.url + "/liste.csv")
    page.select_option("#s-tlp", "green")
    page.fill("#s-tags", "land, sperrliste")
    page.get_by_role("button", name="Abonnement anlegen").click()
    page.wait_for_url(re.compile(r".*/subscriptions/\d+$"))
    detail_url = page.url
    assert "noch nicht abgerufen" in page.locator("dl").inner_text()

    # "Jetzt abrufen": the three values arrive, the health turns ok.
    page.get_by_role("button", name="Jetzt abrufen").click()
    result = page.locator("#pull-result")
    assert re.search(r"Übernommen: 3 · entfernt: 0 · fehlerhaft: 0", result.inner_text())
    facts = page.locator("dl").inner_text()
    assert "in Ordnung" in facts and re.search(r"Insgesamt übernommen\s+3", facts)
    assert_accessible(page)

    page.goto(live_server.url + "/subscriptions")
    row = page.locator("tr", has_text="Sperrliste des Landes")
    assert "in Ordnung" in row.inner_text() and row.locator("td").last.inner_text() == "3"

    # The source breaks: a login page instead of the list. One German line, nothing replaced.
    source.body, source.content_type = LOGIN_PAGE, "text/html; charset=utf-8"
    page.goto(detail_url)
    page.get_by_role("button", name="Jetzt abrufen").click()
    error = page.locator("#pull-result .error").inner_text()
    assert "liste.csv" in error and error.endswith(": Antwort ist eine HTML-Seite, keine Liste – nichts übernommen")
    assert "\n" not in error.strip()
    facts = page.locator("dl").inner_text()
    assert "fehlerhaft seit" in facts and "1 Fehlversuch in Folge" in facts
    assert re.search(r"Insgesamt übernommen\s+3", facts)
    assert_accessible(page)

    page.goto(live_server.url + "/subscriptions")
    row = page.locator("tr", has_text="Sperrliste des Landes")
    assert "fehlerhaft seit" in row.inner_text() and "Antwort ist eine HTML-Seite" in row.inner_text()

    # The values taken over before are still in the subscription's report.
    page.goto(detail_url)
    page.locator("dl a", has_text="Meldung").first.click()
    report = page.inner_text("main")
    assert all(value in report for value in VALUES), report[:2000]
