"""Who can see this? The answer is the sharing policy's, in words and names, also for a proposed audience."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from kommcert.orgs.models import OrgAncestry, OrgKind
from kommcert.reports import audience as audience_rules
from kommcert.reports.models import Report
from kommcert.sharing import policy
from kommcert.sharing import service as sharing_service
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from tests.personas import csrf_from


def _org_actor(db, org) -> Actor:  # noqa: ANN001
    """An organisation's view without a person (a service token): what its members all see."""
    path = tuple(db.scalars(select(OrgAncestry.ancestor_id).where(OrgAncestry.org_id == org.id)
                            .order_by(OrgAncestry.depth)))
    return Actor(org_id=org.id, org_kind=OrgKind(org.kind), org_path=path, service=True)


def _report(db, personas, owner: str, tlp: TLP, upward: bool, audience: Audience) -> Report:  # noqa: ANN001
    report = Report(title="t", summary="", tlp=tlp, owner_org_id=personas.orgs[owner].id, upward=upward)
    db.add(report)
    db.flush()
    sharing_service.set_audience(db, report, audience)
    return report


def test_it_names_exactly_the_organisations_the_policy_lets_see(db, personas) -> None:  # noqa: ANN001
    o = personas.orgs
    audiences = [Audience(), Audience(orgs=(o["kreis_a"].id,)), Audience(orgs_without_subtree=(o["vg_b"].id,)),
                 Audience(orgs=(o["kreis_b"].id, o["vg_b"].id), orgs_without_subtree=(o["provider_x"].id,))]
    actors = {key: _org_actor(db, org) for key, org in o.items()}
    checked = 0
    for owner, tlp, upward, audience in itertools.product(("gemeinde_a1", "kreis_b", "land_cert"), list(TLP),
                                                          (False, True), audiences):
        report = _report(db, personas, owner, tlp, upward, audience)
        seen = audience_rules.org_ids_that_see(db, audience_rules.Proposal(o[owner].id, tlp, upward, audience))
        for key, actor in actors.items():
            expected = policy.can(db, actor, policy.VIEW, report)
            assert (seen is None or o[key].id in seen) == expected, (owner, tlp, upward, audience, key)
            checked += 1
    assert checked == 3 * 5 * 2 * 4 * len(actors)


def test_a_gemeinde_report_shared_upward_names_its_parents_and_the_certs(db, personas) -> None:  # noqa: ANN001
    proposal = audience_rules.Proposal(personas.orgs["gemeinde_a1"].id, TLP.amber, True, Audience())
    vis = audience_rules.visibility(db, proposal, person_names=True)
    assert audience_rules.in_words(vis, "de") == (
        "sichtbar für: Gemeinde A1, VG A, Kreis A, Testland, Landes-CERT, Kommunal-CERT")
    assert not vis.upward_hint


def test_without_upward_a_gemeinde_is_told_its_kreis_does_not_see_it(db, personas) -> None:  # noqa: ANN001
    proposal = audience_rules.Proposal(personas.orgs["gemeinde_a1"].id, TLP.amber, False, Audience())
    vis = audience_rules.visibility(db, proposal, person_names=True)
    assert [e.name for e in vis.orgs] == ["Gemeinde A1", "Landes-CERT", "Kommunal-CERT"] and vis.upward_hint


def test_it_summarises_an_addressed_subtree(db, personas) -> None:  # noqa: ANN001
    o = personas.orgs
    proposal = audience_rules.Proposal(o["land_cert"].id, TLP.amber, False,
                                       Audience(orgs=(o["kreis_b"].id, o["vg_b"].id)))
    vis = audience_rules.visibility(db, proposal, person_names=True)
    words = audience_rules.in_words(vis, "de")
    assert "Kreis B mit allen 2 untergeordneten Stellen" in words and "VG B" not in words
    assert vis.org_count == 5  # Landes-CERT, Kommunal-CERT, Kreis B, VG B, Gemeinde B1
    assert "Kreis B with all 2 organisations below it" in audience_rules.in_words(vis, "en")


@pytest.mark.parametrize(("tlp", "scope"), [(TLP.clear, "public"), (TLP.green, "members"), (TLP.red, "persons")])
def test_it_says_who_sees_clear_green_and_red(db, personas, tlp, scope) -> None:  # noqa: ANN001
    proposal = audience_rules.Proposal(personas.orgs["kreis_a"].id, tlp, False,
                                       Audience(users=(personas.users["kreis_b_admin"].id,)))
    vis = audience_rules.visibility(db, proposal, person_names=tlp == TLP.red)
    assert vis.scope == scope
    if tlp == TLP.red:
        assert vis.persons == ["kreis_b_admin"] and "kreis_b_admin" in audience_rules.in_words(vis, "de")


def test_the_api_says_who_sees_a_report(client, db, personas) -> None:  # noqa: ANN001
    created = client.post("/api/v1/reports", headers=personas.auth("gemeinde_a1_member"), json={
        "title": "Phishing", "tlp": "amber", "upward": True}).json()
    body = client.get(f"/api/v1/reports/{created['id']}/visibility", headers=personas.auth("kreis_a_admin")).json()
    assert [o["name"] for o in body["orgs"]] == ["Gemeinde A1", "VG A", "Kreis A", "Testland", "Landes-CERT",
                                                  "Kommunal-CERT"]
    assert body["text"].startswith("sichtbar für: Gemeinde A1") and body["text_en"].startswith("visible to:")


def test_the_api_hides_the_audience_of_another_kreises_report(client, personas) -> None:  # noqa: ANN001
    created = client.post("/api/v1/reports", headers=personas.auth("gemeinde_a1_member"), json={
        "title": "Phishing", "tlp": "amber", "upward": True}).json()
    response = client.get(f"/api/v1/reports/{created['id']}/visibility", headers=personas.auth("kreis_b_admin"))
    assert response.status_code == 404
    assert client.get(f"/api/v1/reports/{created['id']}/visibility").status_code == 404  # anonymous


def test_the_api_answers_for_a_proposed_audience(client, personas) -> None:  # noqa: ANN001
    kreis_b = personas.orgs["kreis_b"].id
    response = client.get(f"/api/v1/reports/visibility?tlp=amber%2Bstrict&audience_orgs={kreis_b}",
                          headers=personas.auth("gemeinde_a1_member"))
    assert response.status_code == 200
    assert [o["name"] for o in response.json()["orgs"]] == ["Gemeinde A1", "Kreis B"]
    assert client.get("/api/v1/reports/visibility?tlp=amber").status_code == 401


def test_the_proposal_for_an_existing_report_is_for_its_owners_only(client, personas) -> None:  # noqa: ANN001
    green = client.post("/api/v1/reports", headers=personas.auth("kreis_b_admin"), json={
        "title": "grün", "tlp": "green"}).json()
    amber = client.post("/api/v1/reports", headers=personas.auth("kreis_b_admin"), json={
        "title": "amber", "tlp": "amber"}).json()
    headers = personas.auth("gemeinde_a1_member")
    assert client.get(f"/api/v1/reports/visibility?report_id={green['id']}", headers=headers).status_code == 403
    assert client.get(f"/api/v1/reports/visibility?report_id={amber['id']}", headers=headers).status_code == 404
    own = client.get(f"/api/v1/reports/visibility?report_id={amber['id']}&tlp=red",
                     headers=personas.auth("kreis_b_admin"))
    assert own.status_code == 200 and own.json()["scope"] == "persons"


def test_the_form_shares_upward_by_default_for_a_municipality(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get("/reports/new").text
    assert 'name="upward" checked' in page
    assert "sichtbar für: Gemeinde A1, VG A, Kreis A" in page


def test_the_form_does_not_share_a_kreises_report_upward_by_default(client, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    assert 'name="upward" checked' not in client.get("/reports/new").text


def test_the_live_list_follows_the_proposed_tlp(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    amber = client.get("/reports/audience?tlp=amber&upward=on").text
    green = client.get("/reports/audience?tlp=green&upward=on").text
    assert "Kreis A" in amber and "alle angemeldeten Organisationen der Plattform" in green
    wrong = client.get("/reports/audience?tlp=amber&more_keys=nope")
    assert wrong.status_code == 200 and "Unbekannte Organisation" in wrong.text


def test_the_live_list_needs_a_login_and_hides_other_kreises_reports(client, personas, login) -> None:  # noqa: ANN001
    assert client.get("/reports/audience?tlp=amber", follow_redirects=False).status_code in (303, 401)
    amber = client.post("/api/v1/reports", headers=personas.auth("kreis_b_admin"), json={
        "title": "amber", "tlp": "amber"}).json()
    login("gemeinde_a1_member")
    assert client.get(f"/reports/audience?tlp=amber&report={amber['id']}").status_code == 404


def test_the_report_page_says_who_sees_it(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get("/reports/new")
    response = client.post("/reports", data={"csrf_token": csrf_from(page.text), "title": "Phishing",
                                             "tlp": "amber", "upward": "on"}, follow_redirects=False)
    detail = client.get(response.headers["location"]).text
    assert "Wer sieht diese Meldung?" in detail
    assert "sichtbar für: Gemeinde A1, VG A, Kreis A, Testland, Landes-CERT, Kommunal-CERT" in detail


def test_the_api_counts_but_never_names_people_given_by_id(client, personas) -> None:  # noqa: ANN001
    other = personas.users["gemeinde_b1_member"].id
    body = client.get(f"/api/v1/reports/visibility?tlp=red&audience_users={other}",
                      headers=personas.auth("kreis_a_admin")).json()
    assert body["person_count"] == 1 and body["persons"] == [] and "gemeinde_b1_member" not in body["text"]
