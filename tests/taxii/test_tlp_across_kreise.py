"""A Seedorf token (Gemeinde B1, Kreis B) never receives a Beispielkreis (Kreis A) AMBER object on any
TAXII endpoint: list, object, versions, manifest, status; and collections only narrow the policy."""

from __future__ import annotations

from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from kommcert.taxii.media import TAXII
from tests.taxii.conftest import IDS, ROOT, basic, bearer, envelope, indicator, manifest_url, objects_url

SECRET_VALUE = "kreis-a-amber.example"


def test_seedorf_never_gets_beispielkreis_amber(client, personas, publish) -> None:  # noqa: ANN001
    publish("gemeinde_a1_admin", [SECRET_VALUE], tlp=TLP.amber)
    # Seedorf's own GREEN value, so that its pages are not empty for another reason
    publish("gemeinde_b1_member", ["seedorf-green.example"], tlp=TLP.green)
    beispielkreis = bearer(personas.token("gemeinde_a1_member"))
    amber = client.get(objects_url("community"), headers=beispielkreis).json()["objects"]
    secret = next(o for o in amber if o["name"] == f"domain: {SECRET_VALUE}")  # its own people see it …

    seedorf_token = personas.token("gemeinde_b1_member")
    for headers in (bearer(seedorf_token), basic(seedorf_token), {"Accept": TAXII}):
        for key in ("community", "own", "clear"):
            for url in (objects_url(key), manifest_url(key)):
                response = client.get(url, headers=headers)
                assert SECRET_VALUE not in response.text and secret["id"] not in response.text, url
            for suffix in ("", "versions/"):
                one = client.get(f"{objects_url(key)}{secret['id']}/{suffix}", headers=headers)
                assert one.status_code in (401, 404), (key, suffix, one.status_code)
                assert SECRET_VALUE not in one.text
            filtered = client.get(objects_url(key), headers=headers, params={"match[id]": secret["id"]})
            assert SECRET_VALUE not in filtered.text and secret["id"] not in filtered.text


def test_a_status_is_the_posters_organisation_only(client, personas) -> None:  # noqa: ANN001
    posted = client.post(objects_url("own"), content=envelope(indicator("status-amber.example")),
                         headers={**bearer(personas.token("kreis_a_admin")), "Content-Type": TAXII})
    assert posted.status_code == 202
    status_id = posted.json()["id"]
    for who in ("gemeinde_b1_member", "kreis_b_admin", "gemeinde_a1_member"):
        response = client.get(f"{ROOT}/status/{status_id}/", headers=bearer(personas.token(who)))
        assert response.status_code == 404, who
        assert "status-amber" not in response.text and posted.json()["successes"][0]["id"] not in response.text


def test_posted_amber_reaches_its_audience_only(client, personas) -> None:  # noqa: ANN001
    """A POST makes a report of the poster's organisation under the objects' TLP (AMBER: owner, CERTs)."""
    posted = client.post(objects_url("own"), content=envelope(indicator("posted-amber.example", tlp=TLP.amber)),
                         headers={**bearer(personas.token("kreis_a_admin")), "Content-Type": TAXII})
    assert posted.status_code == 202
    seen = client.get(objects_url("community"), headers=bearer(personas.token("land_cert_analyst"))).text
    assert "posted-amber.example" in seen
    hidden = client.get(objects_url("community"), headers=bearer(personas.token("gemeinde_b1_member"))).text
    assert "posted-amber.example" not in hidden
    unmarked = client.post(objects_url("own"), content=envelope(indicator("unmarked.example", tlp=None)),
                           headers={**bearer(personas.token("kreis_a_admin")), "Content-Type": TAXII})
    assert unmarked.status_code == 202
    own = client.get(objects_url("own"), headers=bearer(personas.token("kreis_a_admin"))).json()["objects"]
    marked = {o["name"]: o["object_marking_refs"] for o in own}
    from kommcert.indicators.formats.stix import TLP_IDS

    assert marked["domain: unmarked.example"] == [TLP_IDS[TLP.amber]]  # the STIX import's default


def test_collections_only_narrow(client, personas, publish) -> None:  # noqa: ANN001
    """The same value as AMBER from Kreis A to Kreis B and as CLEAR: each collection shows it under the
    marking of its own reports only, and never more than the caller may see."""
    publish("gemeinde_a1_admin", ["shared.example"], tlp=TLP.amber,
            audience=Audience(orgs=(personas.orgs["kreis_b"].id,)))
    publish("land_cert_analyst", ["shared.example"], tlp=TLP.clear)
    from kommcert.indicators.formats.stix import TLP_IDS

    seedorf = bearer(personas.token("gemeinde_b1_member"))

    def marking(key: str, headers: dict) -> list[str]:
        body = client.get(objects_url(key), headers=headers).json()
        return [o["object_marking_refs"][0] for o in body.get("objects", []) if o["name"] == "domain: shared.example"]

    assert marking("community", seedorf) == [TLP_IDS[TLP.clear]]  # least restrictive it may see
    assert marking("clear", {"Accept": TAXII}) == [TLP_IDS[TLP.clear]]
    assert marking("own", seedorf) == []  # not Seedorf's report
    assert marking("own", bearer(personas.token("gemeinde_a1_member"))) == [TLP_IDS[TLP.amber]]
    assert client.get(f"{ROOT}/collections/{IDS['own']}/", headers={"Accept": TAXII}).status_code == 401
