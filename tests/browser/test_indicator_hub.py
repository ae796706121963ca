"""Issue 3 end to end, in Chromium against a live server: the Land-CERT imports a MISP STIX export
and a MISP feed, a Gemeinde admin makes a token and pastes the RPZ and blocklist addresses from
"Meine Feeds" into its appliances (here: plain HTTP GETs), gets only what it may see, reports a
sighting, and the Land-CERT sees it in the picture."""

from __future__ import annotations

import functools
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import dns.zone
import pytest

from kommcert.indicators import importing
from kommcert.indicators import service as indicators_service
from kommcert.indicators.formats.misp_feed import write_feed
from kommcert.sharing.service import Audience
from tests.indicators.conftest import stix_bundle
from tests.indicators.formats.test_misp_feed import _events
from tests.personas import build_personas

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).parents[1] / "indicators" / "formats" / "fixtures" / "misp_export_stix21.json"
KREIS_B_ONLY = ["[domain-name:value = 'kreis-b-intern.example']", "[ipv4-addr:value = '203.0.113.66']"]


@pytest.fixture(scope="module")
def world(live_server):  # noqa: ANN001, ANN201
    import io

    with live_server.session() as db:
        p = build_personas(db)
        # Kreis B shares an AMBER report with its own Gemeinden only.
        indicators_service.import_file(
            db, actor=p.actor("kreis_b_admin"), settings=live_server.settings, fmt="stix",
            stream=io.BytesIO(stix_bundle(KREIS_B_ONLY)), name="kreis-b.json",
            options=importing.ImportOptions(audience=Audience(orgs=(p.orgs["kreis_b"].id,))))
        db.commit()
        return {name: p.users[name].email for name in ("land_cert_analyst", "gemeinde_a1_admin")}


@pytest.fixture(scope="module")
def stix_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The MISP export with its dates moved by whole days so that it was published yesterday: its
    indicators' default lifetimes count from valid_from, and the feeds must show them whenever this runs."""
    bundle = json.loads(FIXTURE.read_text(encoding="utf-8"))
    stamped = re.compile(r"\d{4}-\d{2}-\d{2}T")
    published = min(datetime.fromisoformat(o["valid_from"]) for o in bundle["objects"] if "valid_from" in o)
    shift = timedelta(days=(datetime.now(UTC) - published).days - 1)
    for obj in bundle["objects"]:
        for key, value in obj.items():
            if isinstance(value, str) and stamped.match(value):  # the time of day stays, only the date moves
                obj[key] = f"{datetime.fromisoformat(value) + shift:%Y-%m-%d}{value[10:]}"
    path = tmp_path_factory.mktemp("stix") / FIXTURE.name
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def misp_feed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("feed") / "feed"
    write_feed(_events(), root)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _get(url: str, token: str | None = None, body: dict | None = None) -> str:
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body else None,  # noqa: S310 - loopback
                                     headers={"Content-Type": "application/json"} if body else {})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own live server
        return response.read().decode()


def _new_token(page, live_server, name: str, scope: str) -> str:  # noqa: ANN001
    page.goto(live_server.url + "/tokens")
    page.fill("#tname", name)
    page.select_option("#scope", scope)
    page.click("form.stack button[type=submit]")
    return page.inner_text("#new-token").strip()


def test_the_land_imports_and_a_gemeinde_blocks_reports_and_is_seen(browser, live_server, world,  # noqa: ANN001
                                                                     misp_feed, stix_export) -> None:  # noqa: ANN001
    cert = live_server.logged_in(browser, world["land_cert_analyst"])

    # A MISP STIX 2.1 export: preview first, nothing written, then the import.
    cert.goto(live_server.url + "/indicators/import")
    cert.select_option("#format", "stix")
    cert.set_input_files("#file", str(stix_export))
    cert.click("form.stack button[type=submit]")
    assert "10 Indikatoren gefunden, 0 fehlerhafte Einträge." in cert.inner_text("main")
    cert.click("text=Jetzt importieren")
    assert "10 Indikatoren übernommen" in cert.inner_text("main")

    # A MISP feed by its address; the AMBER event goes to Kreis A (and so to its Gemeinden).
    cert.goto(live_server.url + "/indicators/import")
    cert.fill("#feed_url", misp_feed)
    cert.select_option("#orgs", label="Kreis A")
    cert.click("form.stack button[type=submit]")
    assert re.search(r"\d+ Indikatoren übernommen", cert.inner_text("main"))

    # Gemeinde A1's part-time admin: a token per appliance, the addresses from "Meine Feeds".
    admin = live_server.logged_in(browser, world["gemeinde_a1_admin"])
    read_token = _new_token(admin, live_server, "Firewall Rathaus", "read")
    scan_token = _new_token(admin, live_server, "kommcert scan", "read_write")
    admin.goto(live_server.url + "/feeds")
    addresses = [code.strip() for code in admin.locator("table code").all_inner_texts()]
    rpz_url = next(a for a in addresses if "/feeds/rpz" in a)
    ip_url = next(a for a in addresses if "type=ipv4&" in a)
    assert rpz_url.startswith(live_server.url) and ip_url.startswith(live_server.url)

    zone_text = _get(rpz_url.replace("TOKEN", read_token))
    zone = dns.zone.from_text(zone_text, origin=live_server.settings.rpz_zone, relativize=False)
    names = {str(n).removesuffix(f".{live_server.settings.rpz_zone}.") for n in zone.nodes}
    assert {"rechnung-portal.example", "c2.rechnung-portal.example", "update-dienst.example"} <= names
    assert "kreis-b-intern.example" not in names  # Kreis B's AMBER stays in Kreis B
    blocklist = set(_get(ip_url.replace("TOKEN", read_token)).split())
    assert {"198.51.100.23", "203.0.113.77", "2001:db8:4f8::23", "203.0.113.45"} <= blocklist
    assert "203.0.113.66" not in blocklist
    with pytest.raises(urllib.error.HTTPError) as refused:  # a mistyped token is refused, not read as anonymous
        _get(ip_url.replace("TOKEN", "kc_falsch"))
    assert refused.value.code == 401

    # The firewall saw the C2 server: reported once, a retry counts nothing twice.
    sighting = {"sightings": [{"key": "fw-rathaus-1", "type": "ipv4", "value": "198.51.100.23", "count": 3,
                               "log_source": "Firewall Rathaus"}]}
    assert json.loads(_get(live_server.url + "/api/v1/sightings", scan_token, sighting))["created"] == 1
    assert json.loads(_get(live_server.url + "/api/v1/sightings", scan_token, sighting))["duplicates"] == 1

    # The Land-CERT's picture names the Kreis.
    cert.goto(live_server.url + "/lagebild")
    picture = cert.inner_text("main")
    assert "Kreis A" in picture and "Kreis B" not in picture
