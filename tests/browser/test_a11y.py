"""Issue 11, item 15: every page every persona reaches from the navigation passes axe-core with no
serious or critical violation; the skip link takes keyboard users past the navigation."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest

from kommcert.indicators import importing
from kommcert.indicators import service as indicators_service
from kommcert.indicators import sightings as sightings_service
from kommcert.indicators.sightings import SightingIn
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from tests.browser.a11y import assert_accessible, describe, violations
from tests.indicators.conftest import stix_bundle
from tests.personas import build_personas

pytestmark = pytest.mark.browser

PERSONAS = ["land_cert_analyst", "land_cert_admin", "kreis_a_admin", "gemeinde_a1_admin", "gemeinde_a1_member",
            "provider_x"]
# Pages one step below the navigation, reached by following the first link of their kind.
# Machine names and UTC stamps have no place in a German page's text (values in <code> aside).
LEFTOVERS = re.compile(r"\b(ortsgemeinde|verbandsgemeinde|verbandsfreie_gemeinde|kreisfreie_stadt|land_cert|"
                       r"kommunal_cert|it_dienstleister|ipv4_cidr|ipv6_cidr|sha256|needs_review|false_positive|"
                       r"UTC|None)\b|\d{4}-\d{2}-\d{2}T\d{2}|\b(Jan|Feb|Mar|May|Jun|Jul|Aug|Oct|Dec)\b")
_PROSE = """() => { const m = document.querySelector('main').cloneNode(true);
  m.querySelectorAll('code, pre, textarea, .secret').forEach(e => e.remove()); return m.innerText; }"""
# Every form field shows its label (a placeholder disappears as one types); a control inside a table
# row is named by its column.
_UNLABELLED = """() => [...document.querySelectorAll(
    'main input:not([type=hidden]):not([type=submit]):not([type=button]), main select, main textarea')]
  .filter(e => e.offsetParent !== null && !e.closest('td'))
  .filter(e => ![...(e.labels || [])].some(l => l.offsetParent !== null && l.innerText.trim()))
  .map(e => e.outerHTML.slice(0, 100))"""
DETAIL_LINKS = [r"^/reports/\d+$", r"^/indicators/\d+$", r"^/orgs/\d+$", r"^/orgs/\d+/notfallkarte$",
                r"^/reports/new$", r"^/indicators/import$", r"^/feeds$", r"^/account/totp$", r"^/reports/\d+/edit$"]


@pytest.fixture(scope="module")
def world(live_server):  # noqa: ANN001, ANN201
    with live_server.session() as db:
        p = build_personas(db)
        result = indicators_service.import_file(
            db, actor=p.actor("kreis_a_admin"), settings=live_server.settings, fmt="stix",
            stream=io.BytesIO(stix_bundle(["[domain-name:value = 'a11y-phish.example']",
                                           "[ipv4-addr:value = '198.51.100.0/24']"], tlp=TLP.amber)),
            name="kreis-a.json", options=importing.ImportOptions(audience=Audience(orgs=(p.orgs["kreis_a"].id,))))
        db.flush()
        found = indicators_service.search(db, actor=p.actor("gemeinde_a1_member"), q="a11y-phish")
        sightings_service.record_sightings(db, actor=p.actor("gemeinde_a1_member"), items=[SightingIn(
            key="a11y-1", indicator_id=found[0].id, kind="seen", count=2, log_source="Firewall")])
        db.commit()
        assert result.imported == 2
        return {name: p.users[name].email for name in PERSONAS}


def _same_site_paths(page, base: str) -> list[str]:  # noqa: ANN001
    paths = []
    for href in page.eval_on_selector_all(
            "a[href]", "links => links.map(a => new URL(a.getAttribute('href'), document.baseURI).href)"):
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" == base and not parts.query and not parts.fragment:
            paths.append(parts.path)
    return paths


def test_it_finds_nothing_serious_on_the_login_page(live_server, page) -> None:  # noqa: ANN001
    page.goto(live_server.url + "/login")
    assert_accessible(page)


# English pages: German dates and zone names are leftovers there, and kinds of organisation named
# in German only (the catalogue gives "Municipality (Ortsgemeinde)": the German term in brackets is meant).
LEFTOVERS_EN = re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b|\bMESZ?\b|(?<!\()\b(Ortsgemeinde|Verbandsgemeinde|Landkreis)\b")


@pytest.mark.parametrize(("persona", "lang"), [(p, "de") for p in PERSONAS] + [("gemeinde_a1_admin", "en")])
def test_it_finds_nothing_serious_on_any_page_of_the_navigation(live_server, browser, world,  # noqa: ANN001
                                                               persona: str, lang: str) -> None:
    page = live_server.logged_in(browser, world[persona])
    if lang == "en":
        page.goto(live_server.url + "/?lang=en")  # the choice is kept in a cookie
    nav = [urlsplit(h).path for h in page.eval_on_selector_all("header.top nav a", "as => as.map(a => a.href)")]
    assert "/indicators" in nav and "/reports" in nav
    seen: set[str] = set()
    failures = []
    queue = list(dict.fromkeys(nav))
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(live_server.url + path)
        assert response is not None and response.status < 400, f"{persona} {path}: {response and response.status}"
        found = violations(page)
        if found:
            failures.append(f"{path}:\n{describe(found)}")
        unlabelled = page.evaluate(_UNLABELLED)
        if unlabelled:
            failures.append(f"{path}: fields without a visible label: {unlabelled}")
        leftovers = sorted({m.group() for m in (LEFTOVERS if lang == "de" else LEFTOVERS_EN).finditer(
            page.evaluate(_PROSE))})
        if leftovers:
            failures.append(f"{path}: not {lang}: {leftovers}")
        if path in nav:  # one step down from the navigation: the first link of each kind
            links = _same_site_paths(page, live_server.url)
            for pattern in DETAIL_LINKS:
                target = next((p for p in links if re.match(pattern, p)), None)
                if target and target not in seen:
                    queue.append(target)
    assert len(seen) >= len(set(nav)) + 4  # the walk went below the navigation
    assert not failures, f"{persona}:\n" + "\n".join(failures)


def test_the_skip_link_is_the_first_stop_and_jumps_to_the_content(live_server, browser, world) -> None:  # noqa: ANN001
    page = live_server.logged_in(browser, world["gemeinde_a1_member"])
    page.goto(live_server.url + "/indicators")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.textContent, document.activeElement.getAttribute('href')]")
    assert focused == ["Zum Inhalt springen", "#main"]
    assert page.locator(".skip-link").is_visible()  # visible once focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def test_the_check_would_see_a_violation(live_server, page) -> None:  # noqa: ANN001
    """The check itself is live: an image without a text alternative is a critical violation."""
    page.goto(live_server.url + "/login")
    page.evaluate("() => { const i = document.createElement('img'); i.src = '/static/favicon.svg';"
                  " document.querySelector('main').appendChild(i); }")
    assert [v["id"] for v in violations(page)] == ["image-alt"]


def test_the_label_check_would_see_a_placeholder_alone(live_server, page) -> None:  # noqa: ANN001
    page.goto(live_server.url + "/login")
    assert page.evaluate(_UNLABELLED) == []
    page.evaluate("() => { const i = document.createElement('input'); i.placeholder = 'Suche';"
                  " document.querySelector('main').appendChild(i); }")
    assert page.evaluate(_UNLABELLED) == ['<input placeholder="Suche">']
