"""The pages: Meine Warnungen, a warning with the own line and the status form, the overview with its
chart, the settings, the Lagebild's warnings part; anonymous visitors go to the login page."""

from __future__ import annotations

import re

from sqlalchemy import select

from kommcert.advisories.models import AdvisoryStatus, MatchResult
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from tests.advisories.user.conftest import World
from tests.personas import csrf_from

PAGES = ["/warnings", "/warnings/overview", "/warnings/settings", "/advisories/{id}"]


def _setup(world: World):  # noqa: ANN202
    a = world.advisory("Kritische Lücke in Exchange")
    world.match(a, "gemeinde_a1")
    world.match(a, "gemeinde_b1", MatchResult.possibly, item="nginx_b1")
    world.advisory("Ohne Bezug")
    world.db.flush()
    return a


def test_anonymous_visitors_go_to_the_login(world: World, client) -> None:  # noqa: ANN001
    a = _setup(world)
    for path in PAGES:
        response = client.get(path.format(id=a.id), follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), path


def test_my_warnings_lists_the_affected_one_first_with_badges(world: World, client, login) -> None:  # noqa: ANN001
    a = _setup(world)
    login("gemeinde_a1_member")
    page = client.get("/warnings").text
    assert page.index("Kritische Lücke in Exchange") < page.index("Ohne Bezug")
    assert '<span class="badge result-affected">betroffen</span>' in page
    filtered = client.get("/warnings?relevance=relevant&risk=kritisch").text
    assert "Kritische Lücke" not in filtered and "Keine Warnungen." in filtered
    assert client.get("/warnings?risk=extrem").status_code == 422
    assert f'href="/advisories/{a.id}"' in page


def test_the_detail_shows_the_line_and_the_status_form_sets_it(world: World, client, login) -> None:  # noqa: ANN001
    a = _setup(world)
    login("gemeinde_a1_member")
    page = client.get(f"/advisories/{a.id}").text
    assert "Ihr Inventar" in page and "Rathaus, Mailserver" in page and "CVE-2026-0001" in page
    assert f'href="/api/v1/advisories/{a.id}/csaf"' in page
    assert 'id="org-status"' not in page  # a Gemeinde has no table of others
    response = client.post(f"/advisories/{a.id}/status", data={"status": "done", "comment": "erledigt",
                                                              "csrf_token": csrf_from(page)}, follow_redirects=False)
    assert response.status_code == 303
    row = world.db.scalar(select(AdvisoryStatus))
    assert (row.status, row.comment) == ("done", "erledigt")
    again = client.get(response.headers["location"]).text
    assert "Der Status wurde gespeichert." in again and "erledigt" in again
    bad = client.post(f"/advisories/{a.id}/status", data={"status": "egal", "csrf_token": csrf_from(page)})
    assert bad.status_code == 422 and 'role="alert"' in bad.text


def test_the_kreis_sees_its_gemeinden_only(world: World, client, login) -> None:  # noqa: ANN001
    a = _setup(world)
    login("kreis_a_admin")
    page = client.get(f"/advisories/{a.id}").text
    table = page[page.index('id="org-status"'):]
    assert "Gemeinde A1" in table and "Gemeinde B1" not in table
    overview = client.get("/warnings/overview").text
    assert "<svg" in overview and "Kreis A" in overview and "Kreis B" not in overview
    assert "<script" not in overview.split("</svg>")[0].split("<svg")[1]
    lagebild = client.get("/lagebild").text
    assert 'id="h-warnungen"' in lagebild and "Kreis B" not in lagebild.split('id="h-warnungen"')[1]


def test_a_hidden_warning_page_is_not_found(world: World, client, login) -> None:  # noqa: ANN001
    hidden = world.advisory("nur Kreis A", tlp=TLP.amber, audience=Audience(orgs=(world.p.orgs["kreis_a"].id,)))
    login("gemeinde_b1_member")
    assert client.get(f"/advisories/{hidden.id}").status_code == 404
    page = client.get("/warnings").text
    assert client.post(f"/advisories/{hidden.id}/status", data={"status": "done", "csrf_token": csrf_from(page)}
                       ).status_code == 404


def test_the_land_sees_both_kreise_in_the_overview(world: World, client, login) -> None:  # noqa: ANN001
    _setup(world)
    login("land_cert_analyst")
    overview = client.get("/warnings/overview").text
    rows = re.findall(r"<tr><td>(Kreis [AB])</td><td>(\d+)</td><td>(\d+)</td></tr>", overview)
    assert sorted(rows) == [("Kreis A", "1", "1"), ("Kreis B", "1", "1")]


def test_the_settings_page_saves_the_choice(world: World, client, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get("/warnings/settings").text
    assert 'value="immediate" checked' in page
    saved = client.post("/warnings/settings", data={"min_risk": "hoch", "delivery": "digest", "scope": "all",
                                                    "csrf_token": csrf_from(page)})
    assert saved.status_code == 200 and 'value="digest" checked' in saved.text and 'value="all" checked' in saved.text
    bad = client.post("/warnings/settings", data={"min_risk": "hoch", "delivery": "fax", "scope": "all",
                                                  "csrf_token": csrf_from(page)})
    assert bad.status_code == 422
