"""/api/v1/inventory, /api/v1/orgs/{id}/inventory, /api/v1/inventory/import, /api/v1/catalog: who reads,
who writes, cross-Kreis visibility, the provider on behalf, and bad input as one German 4xx."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from kommcert.accounts.models import TokenScope
from kommcert.inventory import catalog
from kommcert.inventory.models import InventoryItem
from tests.inventory.conftest import advisory
from tests.personas import Personas

LINE = {"vendor": "Microsoft", "product": "Exchange Server", "version": "2019", "count": 2, "where_used": "Rathaus"}


def _count(p: Personas) -> int:
    return p.db.scalar(select(func.count()).select_from(InventoryItem))


def test_own_inventory_lines_over_the_api(client, p: Personas) -> None:  # noqa: ANN001
    a1 = p.auth("gemeinde_a1_member")
    assert client.get("/api/v1/inventory", headers=a1).json()["items"] == []
    created = client.post("/api/v1/inventory/items", json=LINE, headers=a1)
    assert created.status_code == 201, created.text
    item = created.json()
    assert (item["vendor_key"], item["product_key"], item["origin"]) == ("microsoft", "exchange_server", "api")
    changed = client.patch(f"/api/v1/inventory/items/{item['id']}", json={"count": 4}, headers=a1)
    assert changed.json()["count"] == 4
    bad = client.patch(f"/api/v1/inventory/items/{item['id']}", json={"count": 0}, headers=a1)
    assert bad.status_code == 422 and "mindestens 1" in bad.json()["de"]
    org_id = p.orgs["gemeinde_a1"].id
    read = client.get(f"/api/v1/orgs/{org_id}/inventory", headers=p.auth("kreis_a_admin")).json()
    assert [i["count"] for i in read["items"]] == [4] and read["may_edit"] is False
    assert client.delete(f"/api/v1/inventory/items/{item['id']}", headers=a1).status_code == 204
    assert _count(p) == 0


def test_cross_kreis_visibility(client, p: Personas) -> None:  # noqa: ANN001
    client.post("/api/v1/inventory/items", json=LINE, headers=p.auth("gemeinde_a1_member"))
    org_id = p.orgs["gemeinde_a1"].id
    for who, status in (("gemeinde_a1_admin", 200), ("kreis_a_admin", 200), ("land_cert_analyst", 200),
                        ("gemeinde_b1_member", 404), ("kreis_b_admin", 404), ("provider_x", 404),
                        ("kommit_member", 404)):
        assert client.get(f"/api/v1/orgs/{org_id}/inventory", headers=p.auth(who)).status_code == status, who
    # an organisation without an inventory answers the same to outsiders
    empty = p.orgs["gemeinde_b1"].id
    assert client.get(f"/api/v1/orgs/{empty}/inventory", headers=p.auth("kreis_a_admin")).status_code == 404
    assert client.get(f"/api/v1/orgs/{empty}/inventory", headers=p.auth("kreis_b_admin")).status_code == 200
    assert client.get(f"/api/v1/orgs/{org_id}/inventory").status_code == 401


def test_writes_refused_for_others_read_only_tokens_and_anonymous(client, p: Personas) -> None:  # noqa: ANN001
    item = client.post("/api/v1/inventory/items", json=LINE, headers=p.auth("gemeinde_a1_member")).json()
    org_id = p.orgs["gemeinde_a1"].id
    url = f"/api/v1/orgs/{org_id}/inventory/items"
    assert client.post(url, json=LINE).status_code in (401, 403)
    assert client.post(url, json=LINE, headers=p.auth("gemeinde_a1_admin", TokenScope.read)).status_code == 403
    assert client.post(url, json=LINE, headers=p.auth("kreis_a_admin")).status_code == 403
    assert client.post(url, json=LINE, headers=p.auth("gemeinde_b1_member")).status_code == 404
    assert client.delete(f"{url}/{item['id']}", headers=p.auth("kreis_b_admin")).status_code == 404
    patched = client.patch(f"{url}/{item['id']}", json={"count": 9}, headers=p.auth("land_cert_analyst"))
    assert patched.status_code == 403
    assert _count(p) == 1


def test_provider_on_behalf_over_the_api(client, p: Personas) -> None:  # noqa: ANN001
    org_id = p.orgs["gemeinde_a1"].id
    keeper = f"/api/v1/orgs/{org_id}/inventory/keeper"
    provider = p.orgs["kommit"].id
    assert client.put(keeper, json={"provider_org_id": provider}, headers=p.auth("kommit_member")).status_code == 404
    assert client.put(keeper, json={"provider_org_id": provider}, headers=p.auth("gemeinde_a1_member")
                      ).status_code == 403
    named = client.put(keeper, json={"provider_org_id": provider}, headers=p.auth("gemeinde_a1_admin"))
    assert named.status_code == 200 and named.json()["keeper_name"] == "KommIT"
    added = client.post(f"/api/v1/orgs/{org_id}/inventory/items", json=LINE, headers=p.auth("kommit_member"))
    assert added.status_code == 201
    assert client.put(keeper, json={"provider_org_id": None}, headers=p.auth("gemeinde_a1_admin")).status_code == 200
    assert client.get(f"/api/v1/orgs/{org_id}/inventory", headers=p.auth("kommit_member")).status_code == 404


def test_import_over_the_api(client, p: Personas) -> None:  # noqa: ANN001
    a1 = p.auth("gemeinde_a1_admin")
    csv = b"produkt;version;anzahl\nExchange Server;2019;2\nOutlook;;x\n"
    bad = client.post("/api/v1/inventory/import", files={"file": ("inv.csv", csv)}, data={"format": "csv"}, headers=a1)
    assert bad.status_code == 422 and bad.json()["de"].startswith("Zeile 3: Anzahl")
    assert _count(p) == 0
    sbom = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"name": "openssl",
                                                                                        "version": "3.0.1"}]})
    ok = client.post("/api/v1/inventory/import", files={"file": ("bom.json", sbom.encode())},
                     data={"format": "cyclonedx"}, headers=a1)
    assert ok.status_code == 200 and ok.json()["added"] == 1
    other = client.post("/api/v1/inventory/import", files={"file": ("bom.json", sbom.encode())},
                        data={"format": "cyclonedx", "org_id": str(p.orgs["gemeinde_b1"].id)}, headers=a1)
    assert other.status_code == 404
    assert client.post("/api/v1/inventory/import", files={"file": ("x", b"")}, data={"format": "xml"},
                       headers=a1).status_code == 422


def test_catalogue_search_needs_a_login_and_shows_no_amber_products(client, p: Personas) -> None:  # noqa: ANN001
    catalog.add_products(p.db, advisory(p, [("Microsoft", "Exchange Server", "2019")]))
    from kommcert.sharing.tlp import TLP

    catalog.add_products(p.db, advisory(p, [("Microsoft", "Exchange Secret", "1")], tlp=TLP.amber, tracking="X"))
    assert client.get("/api/v1/catalog?q=exchange").status_code == 401
    names = [e["name"] for e in client.get("/api/v1/catalog?q=exchange", headers=p.auth("gemeinde_b1_member")).json()]
    assert names == ["Microsoft Exchange Server", "Microsoft Exchange Server 2019"]


def test_an_sbom_larger_than_the_general_body_limit_is_imported_and_a_huge_one_refused(client, p: Personas,  # noqa: ANN001
                                                                                       settings) -> None:  # noqa: ANN001
    a1 = p.auth("gemeinde_a1_admin")
    filler = "x" * 200
    components = [{"name": f"komponente-{i}", "version": "1.0", "description": filler} for i in range(60_000)]
    sbom = json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components}).encode()
    assert len(sbom) > settings.max_body_bytes
    ok = client.post("/api/v1/inventory/import", files={"file": ("bom.json", sbom)}, data={"format": "cyclonedx"},
                     headers=a1)
    assert ok.status_code == 200 and ok.json()["added"] == 60_000
    huge = client.post("/api/v1/inventory/import", files={"file": ("bom.json", b" " * (65 * 2**20))},
                       data={"format": "cyclonedx"}, headers=a1)
    assert huge.status_code == 413
