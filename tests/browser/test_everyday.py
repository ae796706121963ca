"""Issue 11, items 11-13 in Chromium: on a server started without KOMMCERT_BASE_URL (on a random
port) a Gemeinde admin copies working feed addresses of this very server, reads times in local time,
and pages through a long indicator list filtered by a German type name."""

from __future__ import annotations

import io
import re
import urllib.request
from collections.abc import Iterator

import pytest

from kommcert import timefmt
from kommcert.config import load_settings
from kommcert.indicators import importing
from kommcert.indicators import service as indicators_service
from kommcert.reports import service as reports_service
from kommcert.reports.schemas import ReportCreate
from kommcert.sharing.tlp import TLP
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import LiveServer, _free_port, serving
from tests.conftest import SECRET
from tests.personas import build_personas

pytestmark = pytest.mark.browser

DOMAINS = 240  # more than one page of 200
NETWORKS = 12
LOCAL_TIME = re.compile(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2} MES?Z")


@pytest.fixture(scope="module")
def plain_server(live_database: str) -> Iterator[LiveServer]:
    """Like ``live_server``, but nobody configured a public URL: pages must find the address themselves."""
    settings = load_settings(env="test", secret_key=SECRET, database_url=live_database, secure_cookies=False)
    assert settings.public_url() == "http://127.0.0.1:8000"  # the fallback no browser here would reach
    with serving(settings, _free_port()) as server:
        yield server


@pytest.fixture(scope="module")
def world(plain_server: LiveServer) -> dict:
    with plain_server.session() as db:
        p = build_personas(db)
        values = [f"seite{n:03d}.example" for n in range(DOMAINS)] + [f"198.51.{n}.0/24" for n in range(NETWORKS)]
        indicators_service.import_file(
            db, actor=p.actor("land_cert_analyst"), settings=plain_server.settings, fmt="text",
            stream=io.BytesIO("\n".join(values).encode()), name="liste.txt",
            options=importing.ImportOptions(tlp=TLP.green, title="Lange Liste"))
        report = reports_service.create_report(db, actor=p.actor("gemeinde_a1_admin"), report_in=ReportCreate(
            title="Phishing im Rathaus", summary="Heute früh.", tlp=TLP.amber))
        token = p.token("gemeinde_a1_admin")
        db.commit()
        return {"admin": p.users["gemeinde_a1_admin"].email, "report_id": report.id,
                "created": report.created_at, "token": token}


def test_the_feeds_page_gives_this_servers_addresses_to_copy(plain_server, browser, world) -> None:  # noqa: ANN001
    admin = plain_server.logged_in(browser, world["admin"])
    admin.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=plain_server.url)
    admin.goto(plain_server.url + "/feeds")
    row = admin.locator("tr", has_text="DNS-Server")
    address = row.locator("code").inner_text().strip()
    assert address == f"{plain_server.url}/feeds/rpz?token=TOKEN"  # the port this server really listens on
    row.get_by_role("button", name=re.compile("Kopieren")).click()
    assert admin.evaluate("() => navigator.clipboard.readText()") == address
    assert row.locator(".copy-label").inner_text() == "Kopiert"
    assert_accessible(admin)  # also while the button says so
    admin.locator("#scan-example + button").click()
    scan = admin.evaluate("() => navigator.clipboard.readText()")
    assert scan.startswith(f"export KOMMCERT_SERVER={plain_server.url}\n") and "--report" in scan
    assert "Organisations-Token" in admin.inner_text("#token-hint")
    # The copied address works as it is, with a real token in place of the placeholder.
    body = urllib.request.urlopen(address.replace("TOKEN", world["token"]), timeout=10).read().decode()  # noqa: S310
    assert "seite000.example" in body
    assert_accessible(admin)


def test_pages_show_local_time_with_the_zone(plain_server, browser, world) -> None:  # noqa: ANN001
    admin = plain_server.logged_in(browser, world["admin"])
    admin.goto(f"{plain_server.url}/reports/{world['report_id']}")
    shown = timefmt.format_datetime(world["created"], timefmt.zone("Europe/Berlin"))
    assert LOCAL_TIME.fullmatch(shown)
    assert shown in admin.inner_text("main") and "UTC" not in admin.inner_text("main")
    admin.goto(plain_server.url + "/reports")
    assert shown in admin.inner_text("main")


def test_the_indicator_list_pages_with_a_total_and_german_types(plain_server, browser, world) -> None:  # noqa: ANN001
    admin = plain_server.logged_in(browser, world["admin"])
    total = DOMAINS + NETWORKS
    admin.goto(plain_server.url + "/indicators")
    assert admin.inner_text("#count").strip() == f"{total} Indikatoren · angezeigt: 1–200"
    assert admin.locator("tbody tr").count() == 200
    admin.get_by_role("link", name="Ältere →").first.click()
    assert admin.inner_text("#count").strip() == f"{total} Indikatoren · angezeigt: 201–{total}"
    assert admin.locator("tbody tr").count() == total - 200
    assert admin.get_by_role("link", name="Ältere →").count() == 0
    admin.get_by_role("link", name="← Neuere").first.click()
    assert admin.inner_text("#count").strip().endswith("angezeigt: 1–200")
    # The type filter speaks German and keeps working across pages.
    admin.get_by_label("Typ").select_option(label="IPv4-Netz")
    admin.get_by_role("button", name="Suchen").click()
    assert admin.inner_text("#count").strip() == f"{NETWORKS} Indikatoren · angezeigt: 1–{NETWORKS}"
    types = {t.strip() for t in admin.locator("tbody tr td:nth-child(2)").all_inner_texts()}
    assert types == {"IPv4-Netz"}
    assert_accessible(admin)
