"""The authoring API: who may write, drafts hidden, publish and read the CSAF document."""

from __future__ import annotations

from kommcert.accounts.models import TokenScope
from kommcert.advisories import csaf_builder
from tests.advisories.own.conftest import warning_values

BASE = "/api/v1/advisories/own"


def test_it_creates_changes_and_publishes_through_the_api(client, personas) -> None:  # noqa: ANN001
    headers = personas.auth("land_cert_analyst")
    created = client.post(BASE, json=warning_values(tlp="amber"), headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["state"] == "draft" and body["tlp"] == "amber+strict" and body["form"]["tlp"] == "amber"
    changed = client.patch(f"{BASE}/{body['id']}", json={"risk": "hoch"}, headers=headers)
    assert changed.status_code == 200 and changed.json()["form"]["risk"] == "hoch"
    draft_doc = client.get(f"{BASE}/{body['id']}/csaf", headers=headers)
    assert draft_doc.status_code == 200 and draft_doc.json()["document"]["aggregate_severity"]["text"] == "hoch"
    published = client.post(f"{BASE}/{body['id']}/publish", headers=headers)
    assert published.status_code == 200, published.text
    assert published.json()["state"] == "published" and published.json()["tlp"] == "amber"
    again = client.post(f"{BASE}/{body['id']}/publish", headers=headers)
    assert again.status_code == 409  # nothing changed since
    doc = client.get(f"{BASE}/{body['id']}/csaf", headers=headers).json()
    assert csaf_builder.failed_tests(doc) == []


def test_it_refuses_unknown_fields_and_bad_vectors(client, personas) -> None:  # noqa: ANN001
    headers = personas.auth("land_cert_analyst")
    bad = client.post(BASE, json=warning_values(cves=[{"id": "CVE-2026-1111", "cvss3": "CVSS:3.1/nope"}]),
                      headers=headers)
    assert bad.status_code == 422 and "CVE-2026-1111" in bad.json()["de"]
    created = client.post(BASE, json=warning_values(), headers=headers).json()
    assert client.patch(f"{BASE}/{created['id']}", json={"owner_org_id": 1}, headers=headers).status_code == 422


def test_authorization(client, personas) -> None:  # noqa: ANN001
    assert client.post(BASE, json=warning_values()).status_code in (401, 403)
    assert client.post(BASE, json=warning_values(), headers=personas.auth("kreis_a_admin")).status_code == 403
    read_only = personas.auth("land_cert_analyst", TokenScope.read)
    assert client.post(BASE, json=warning_values(), headers=read_only).status_code == 403
    created = client.post(BASE, json=warning_values(), headers=personas.auth("land_cert_analyst")).json()
    for who in ("kreis_a_admin", "gemeinde_b1_member", "provider_x"):
        headers = personas.auth(who)
        assert client.get(f"{BASE}/{created['id']}/csaf", headers=headers).status_code == 404, who
        assert client.patch(f"{BASE}/{created['id']}", json={"risk": "hoch"}, headers=headers).status_code == 404
        assert client.post(f"{BASE}/{created['id']}/publish", headers=headers).status_code == 404
    assert client.get(f"{BASE}/{created['id']}/csaf").status_code == 401


def test_a_published_amber_warning_is_read_by_its_audience_only(client, personas) -> None:  # noqa: ANN001
    headers = personas.auth("land_cert_analyst")
    kreis_a = personas.orgs["kreis_a"].id
    created = client.post(BASE, json=warning_values(tlp="amber", audience_orgs=[kreis_a]), headers=headers).json()
    assert client.post(f"{BASE}/{created['id']}/publish", headers=headers).status_code == 200
    assert client.get(f"{BASE}/{created['id']}/csaf", headers=personas.auth("gemeinde_a1_member")).status_code == 200
    assert client.get(f"{BASE}/{created['id']}/csaf", headers=personas.auth("gemeinde_b1_member")).status_code == 404
