"""The warnings API: authorization of every route and what crosses a Kreis border (nothing)."""

from __future__ import annotations

import json

from kommcert.accounts.models import TokenScope
from kommcert.advisories.models import AdvisoryState, MatchResult
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from tests.advisories.user.conftest import World

ROUTES = ["/api/v1/advisories", "/api/v1/advisories/overview", "/api/v1/advisories/{id}",
          "/api/v1/advisories/{id}/csaf", "/api/v1/advisories/{id}/organisations", "/api/v1/me/warning-preferences"]


def _setup(world: World):  # noqa: ANN202
    a = world.advisory()
    world.match(a, "gemeinde_a1")
    world.match(a, "gemeinde_b1", MatchResult.possibly, item="nginx_b1")
    world.db.flush()
    return a


def test_it_refuses_anonymous_callers(world: World, client) -> None:  # noqa: ANN001
    a = _setup(world)
    for path in ROUTES:
        assert client.get(path.format(id=a.id)).status_code == 401, path
    # Unsafe methods without a session meet the CSRF check first: refused either way.
    assert client.put(f"/api/v1/advisories/{a.id}/status", json={"status": "done"}).status_code in (401, 403)
    assert client.put("/api/v1/me/warning-preferences", json={}).status_code in (401, 403)


def test_a_read_only_token_reads_but_does_not_write(world: World, client) -> None:  # noqa: ANN001
    a = _setup(world)
    headers = world.p.auth("gemeinde_a1_member", TokenScope.read)
    assert client.get("/api/v1/advisories", headers=headers).status_code == 200
    assert client.put(f"/api/v1/advisories/{a.id}/status", json={"status": "done"},
                      headers=headers).status_code == 403
    assert client.put("/api/v1/me/warning-preferences", headers=headers,
                      json={"min_risk": "hoch", "delivery": "digest", "scope": "all"}).status_code == 403


def test_the_list_and_detail_show_the_own_result_and_lines(world: World, client) -> None:  # noqa: ANN001
    a = _setup(world)
    world.advisory("ohne Bezug")
    headers = world.p.auth("gemeinde_a1_member")
    page = client.get("/api/v1/advisories", headers=headers).json()
    assert [(i["id"], i["result"]) for i in page["items"]][0] == (a.id, "affected") and page["total"] == 2
    assert client.get("/api/v1/advisories?relevance=relevant", headers=headers).json()["total"] == 1
    assert client.get("/api/v1/advisories?risk=extrem", headers=headers).status_code == 422
    detail = client.get(f"/api/v1/advisories/{a.id}", headers=headers).json()
    assert [(m["product"], m["where_used"]) for m in detail["matched_lines"]] == [
        ("Exchange Server", "Rathaus, Mailserver")]
    assert detail["cve_scores"][0]["scores"][0]["base_score"] == 9.8
    csaf = client.get(f"/api/v1/advisories/{a.id}/csaf", headers=headers)
    assert csaf.status_code == 200 and "attachment" in csaf.headers["content-disposition"]
    assert json.loads(csaf.text)["document"]["tracking"]["id"] == a.tracking_id
    # Gemeinde B1 sees its own result and line, never A1's.
    detail_b = client.get(f"/api/v1/advisories/{a.id}", headers=world.p.auth("gemeinde_b1_member")).json()
    assert detail_b["result"] == "possibly" and [m["product"] for m in detail_b["matched_lines"]] == ["nginx"]


def test_hidden_and_draft_warnings_are_not_found(world: World, client) -> None:  # noqa: ANN001
    hidden = world.advisory("nur Kreis A", tlp=TLP.amber, audience=Audience(orgs=(world.p.orgs["kreis_a"].id,)))
    draft = world.advisory("Entwurf", state=AdvisoryState.draft)
    headers = world.p.auth("gemeinde_b1_member")
    for path in ROUTES[2:5]:
        assert client.get(path.format(id=hidden.id), headers=headers).status_code == 404, path
        assert client.get(path.format(id=draft.id), headers=world.p.auth("land_cert_admin")).status_code == 404
    assert client.put(f"/api/v1/advisories/{hidden.id}/status", json={"status": "done"},
                      headers=headers).status_code == 404
    assert client.get(f"/api/v1/advisories/{hidden.id}", headers=world.p.auth("gemeinde_a1_member")).status_code == 200


def test_status_moves_the_overview_and_stays_in_its_kreis(world: World, client) -> None:  # noqa: ANN001
    a = _setup(world)
    land = world.p.auth("land_cert_analyst")
    before = client.get("/api/v1/advisories/overview", headers=land).json()
    assert [(c["affected"], c["open"]) for c in before["advisories"]] == [(2, 2)]
    response = client.put(f"/api/v1/advisories/{a.id}/status", headers=world.p.auth("gemeinde_a1_member"),
                          json={"status": "done", "comment": "CU14 eingespielt"})
    assert response.status_code == 200 and response.json()["status"] == "done"
    after = client.get("/api/v1/advisories/overview", headers=land).json()
    assert [(c["affected"], c["open"]) for c in after["advisories"]] == [(2, 1)]
    assert [(k["name"], k["open"]) for k in after["by_kreis"]] == [("Kreis B", 1), ("Kreis A", 0)]
    kreis_b = client.get("/api/v1/advisories/overview", headers=world.p.auth("kreis_b_admin")).json()
    assert [k["name"] for k in kreis_b["by_kreis"]] == ["Kreis B"]
    assert [o["name"] for o in kreis_b["organisations"]] == ["Gemeinde B1"]
    orgs_b = client.get(f"/api/v1/advisories/{a.id}/organisations", headers=world.p.auth("kreis_b_admin")).json()
    assert [(o["name"], o["status"]) for o in orgs_b] == [("Gemeinde B1", None)]
    orgs_a = client.get(f"/api/v1/advisories/{a.id}/organisations", headers=world.p.auth("kreis_a_admin")).json()
    assert [(o["name"], o["status"], o["comment"]) for o in orgs_a] == [("Gemeinde A1", "done", "CU14 eingespielt")]
    bad = client.put(f"/api/v1/advisories/{a.id}/status", headers=world.p.auth("gemeinde_a1_member"),
                     json={"status": "vielleicht"})
    assert bad.status_code == 422


def test_warning_preferences_round_trip(world: World, client) -> None:  # noqa: ANN001
    headers = world.p.auth("gemeinde_a1_member")
    assert client.get("/api/v1/me/warning-preferences", headers=headers).json() == {
        "min_risk": "mittel", "delivery": "immediate", "scope": "affected"}
    body = {"min_risk": "hoch", "delivery": "digest", "scope": "all"}
    assert client.put("/api/v1/me/warning-preferences", headers=headers, json=body).json() == body
    assert client.get("/api/v1/me/warning-preferences", headers=headers).json() == body
    assert client.put("/api/v1/me/warning-preferences", headers=headers,
                      json={**body, "delivery": "fax"}).status_code == 422
