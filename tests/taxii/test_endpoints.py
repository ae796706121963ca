"""Every TAXII 2.1 endpoint answers what the specification says, with its media type."""

from __future__ import annotations

import json

from kommcert.sharing.tlp import TLP
from kommcert.taxii.media import STIX, TAXII
from tests.taxii.conftest import IDS, ROOT, bearer, envelope, indicator, manifest_url, objects_url


def test_discovery_names_the_one_api_root(client) -> None:  # noqa: ANN001
    response = client.get("/taxii2/", headers={"Accept": TAXII})
    assert response.status_code == 200
    assert response.headers["content-type"] == TAXII
    body = response.json()
    assert body["api_roots"] == [f"{ROOT}/"] and body["default"] == f"{ROOT}/"
    assert body["title"].startswith("kommcert")


def test_the_api_root_speaks_taxii_21_and_states_its_size_limit(client, settings) -> None:  # noqa: ANN001
    body = client.get(f"{ROOT}/", headers={"Accept": TAXII}).json()
    assert body["versions"] == [TAXII]
    assert body["max_content_length"] == settings.max_body_bytes


def test_collections_list_what_the_caller_may_read(client, personas) -> None:  # noqa: ANN001
    anonymous = client.get(f"{ROOT}/collections/", headers={"Accept": TAXII}).json()["collections"]
    assert [c["id"] for c in anonymous] == [IDS["clear"]]
    analyst = client.get(f"{ROOT}/collections/", headers=bearer(personas.token("land_cert_analyst"))).json()
    by_alias = {c["alias"]: c for c in analyst["collections"]}
    assert set(by_alias) == {"community", "own", "clear"}
    assert by_alias["own"]["can_write"] is True and by_alias["community"]["can_write"] is False
    assert all(c["can_read"] and c["media_types"] == [STIX] for c in by_alias.values())
    member = client.get(f"{ROOT}/collections/", headers=bearer(personas.token("gemeinde_a1_member"))).json()
    assert {c["alias"]: c["can_write"] for c in member["collections"]}["own"] is False  # members read only
    one = client.get(f"{ROOT}/collections/{IDS['own']}/", headers=bearer(personas.token("land_cert_analyst")))
    assert one.status_code == 200 and one.json()["id"] == IDS["own"]


def test_collection_ids_are_stable() -> None:
    """uuid5 of a fixed namespace and the key: the same on every restart and every kommcert (subscribers
    and docs/indikatoren.md name them)."""
    assert IDS == {"community": "05d6edb4-91d6-5e98-8d9f-21bf11f9f7dc", "own": "dda41705-8eac-51dd-b2ed-e31efcd5b976",
                   "clear": "8056f05b-a8e4-596c-b3da-c1d711d58090"}


def test_objects_are_the_feed_objects_of_the_caller(client, personas, publish) -> None:  # noqa: ANN001
    publish("land_cert_analyst", ["a.example", "b.example"], tlp=TLP.green)
    token = personas.token("gemeinde_a1_member")
    response = client.get(objects_url("community"), headers=bearer(token))
    assert response.status_code == 200 and response.headers["content-type"] == TAXII
    body = response.json()
    assert body["more"] is False and "next" not in body
    got = {o["name"]: o for o in body["objects"]}
    assert set(got) == {"domain: a.example", "domain: b.example"}
    feed = json.loads(client.get(f"/feeds/stix?token={token}").text)
    feed_objects = {o["id"]: o for o in feed["objects"] if o["type"] == "indicator"}
    assert {o["id"]: o for o in body["objects"]} == feed_objects  # exactly /feeds/stix's indicators
    assert response.headers["X-TAXII-Date-Added-First"] < response.headers["X-TAXII-Date-Added-Last"]


def test_manifest_object_and_versions(client, personas, publish) -> None:  # noqa: ANN001
    publish("land_cert_analyst", ["m.example"], tlp=TLP.green)
    headers = bearer(personas.token("gemeinde_a1_member"))
    manifest = client.get(manifest_url("community"), headers=headers)
    assert manifest.status_code == 200 and manifest.headers["content-type"] == TAXII
    entry = manifest.json()["objects"][0]
    assert entry["media_type"] == STIX and entry["date_added"].endswith("Z")
    assert manifest.headers["X-TAXII-Date-Added-First"] == entry["date_added"]
    one = client.get(f"{objects_url('community')}{entry['id']}/", headers=headers)
    assert one.status_code == 200
    assert [o["id"] for o in one.json()["objects"]] == [entry["id"]]
    assert one.json()["objects"][0]["modified"] == entry["version"]
    versions = client.get(f"{objects_url('community')}{entry['id']}/versions/", headers=headers)
    assert versions.status_code == 200 and versions.json() == {"more": False, "versions": [entry["version"]]}
    assert versions.headers["X-TAXII-Date-Added-Last"] == entry["date_added"]
    missing = client.get(f"{objects_url('community')}indicator--00000000-0000-4000-8000-000000000000/",
                         headers=headers)
    assert missing.status_code == 404 and missing.headers["content-type"] == TAXII
    assert missing.json()["http_status"] == "404"


def test_clear_collection_has_clear_only_and_own_has_the_organisations_reports(client, personas,  # noqa: ANN001
                                                                                publish) -> None:
    publish("land_cert_analyst", ["clear.example"], tlp=TLP.clear)
    publish("land_cert_analyst", ["green.example"], tlp=TLP.green)
    publish("gemeinde_a1_admin", ["own.example"], tlp=TLP.green)
    anonymous = client.get(objects_url("clear"), headers={"Accept": TAXII}).json()
    assert [o["name"] for o in anonymous["objects"]] == ["domain: clear.example"]
    own = client.get(objects_url("own"), headers=bearer(personas.token("gemeinde_a1_member"))).json()
    assert [o["name"] for o in own["objects"]] == ["domain: own.example"]


def test_post_stores_indicators_and_the_status_can_be_read(client, personas, db) -> None:  # noqa: ANN001
    token = personas.token("gemeinde_a1_admin")
    good = indicator("posted.example", tlp=TLP.green)
    sigma = indicator("x", pattern="title: x", tlp=TLP.green)
    sigma["pattern_type"] = "sigma"
    malware = {"type": "malware", "spec_version": "2.1", "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
               "name": "Emotet", "is_family": True}
    response = client.post(objects_url("own"), content=envelope(good, sigma, malware),
                           headers={**bearer(token), "Content-Type": TAXII})
    assert response.status_code == 202, response.text
    assert response.headers["content-type"] == TAXII
    status = response.json()
    assert status["status"] == "complete" and status["total_count"] == 3 and status["pending_count"] == 0
    assert [s["id"] for s in status["successes"]] == [good["id"]]
    assert {f["id"] for f in status["failures"]} == {sigma["id"], malware["id"]}
    assert status["success_count"] == 1 and status["failure_count"] == 2
    again = client.get(f"{ROOT}/status/{status['id']}/", headers=bearer(token))
    assert again.status_code == 200 and again.json() == status
    own = client.get(objects_url("own"), headers=bearer(token)).json()
    assert "domain: posted.example" in [o["name"] for o in own["objects"]]
    # Another organisation's people do not see the status (404, as for an unknown id).
    other = client.get(f"{ROOT}/status/{status['id']}/", headers=bearer(personas.token("gemeinde_b1_member")))
    assert other.status_code == 404 and other.json()["http_status"] == "404"


def test_post_with_an_invalid_indicator_stores_nothing(client, personas) -> None:  # noqa: ANN001
    token = personas.token("gemeinde_a1_admin")
    broken = indicator("y", pattern="[domain-name:value = ", tlp=TLP.green)
    response = client.post(objects_url("own"), content=envelope(indicator("kept-not.example"), broken),
                           headers={**bearer(token), "Content-Type": TAXII})
    assert response.status_code == 422 and response.headers["content-type"] == TAXII
    assert response.json()["http_status"] == "422"
    own = client.get(objects_url("own"), headers=bearer(token)).json()
    assert "objects" not in own
