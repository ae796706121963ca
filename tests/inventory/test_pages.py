"""The inventory pages: the editor with catalogue search and pick (htmx partials), the import with preview,
the other organisations' inventories, the alias page — logins, cross-Kreis visibility, refusals."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from kommcert.inventory import catalog
from kommcert.inventory.models import CatalogAlias, InventoryItem
from tests.inventory.conftest import advisory
from tests.personas import Personas, csrf_from, web_login


def _login(client, p: Personas, who: str):  # noqa: ANN001, ANN202
    return web_login(client, p.users[who].email)


def _csrf(client) -> str:  # noqa: ANN001
    return csrf_from(client.get("/inventory").text)


def _count(p: Personas) -> int:
    return p.db.scalar(select(func.count()).select_from(InventoryItem))


def test_anonymous_goes_to_login(client, p: Personas) -> None:  # noqa: ANN001
    for path in ("/inventory", f"/inventory/{p.orgs['gemeinde_a1'].id}", "/inventory/import", "/inventory/catalog",
                 "/inventory/catalog/search?q=ex"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), path


def test_pick_from_the_catalogue_and_add(client, p: Personas) -> None:  # noqa: ANN001
    catalog.add_products(p.db, advisory(p, [("Microsoft", "Exchange Server", "2019")]))
    _login(client, p, "gemeinde_a1_member")
    page = client.get("/inventory")
    assert 'hx-get="/inventory/catalog/search"' in page.text and "<script>" not in page.text
    hits = client.get("/inventory/catalog/search?product=exchange")
    entry = re.search(r"/inventory/catalog/pick\?entry=(\d+)", hits.text)
    assert entry and "Microsoft Exchange Server 2019" in hits.text
    fields = client.get(f"/inventory/catalog/pick?entry={entry.group(1)}").text
    assert 'value="Exchange Server"' in fields and 'name="catalog_id"' in fields
    org_id = p.orgs["gemeinde_a1"].id
    added = client.post(f"/inventory/{org_id}/items", data={
        "csrf_token": csrf_from(page.text), "vendor": "Microsoft", "product": "Exchange Server", "version": "2019",
        "count": "2", "where_used": "Rathaus", "catalog_id": entry.group(1)}, follow_redirects=False)
    assert added.status_code == 303
    item = p.db.scalar(select(InventoryItem))
    assert item.catalog_product_id is not None and "Rathaus" in client.get("/inventory").text
    refused = client.post(f"/inventory/{org_id}/items", data={"csrf_token": csrf_from(page.text), "product": "",
                                                              "count": "1"})
    assert refused.status_code == 422 and "Produkt fehlt" in refused.text
    no_csrf = client.post(f"/inventory/{org_id}/items", data={"product": "x"})
    assert no_csrf.status_code == 403 and _count(p) == 1


def test_edit_and_delete_a_line(client, p: Personas) -> None:  # noqa: ANN001
    _login(client, p, "gemeinde_a1_member")
    org_id = p.orgs["gemeinde_a1"].id
    token = _csrf(client)
    client.post(f"/inventory/{org_id}/items", data={"csrf_token": token, "product": "Word", "count": "1"})
    item = p.db.scalar(select(InventoryItem))
    assert client.get(f"/inventory/{org_id}/items/{item.id}/edit").status_code == 200
    client.post(f"/inventory/{org_id}/items/{item.id}", data={"csrf_token": token, "product": "Word", "count": "7"})
    p.db.refresh(item)
    assert item.count == 7
    client.post(f"/inventory/{org_id}/items/{item.id}/delete", data={"csrf_token": token})
    assert _count(p) == 0


def test_kreis_sees_its_gemeinde_other_kreis_does_not(client, p: Personas) -> None:  # noqa: ANN001
    _login(client, p, "gemeinde_a1_member")
    org_id = p.orgs["gemeinde_a1"].id
    client.post(f"/inventory/{org_id}/items", data={"csrf_token": _csrf(client), "product": "Fachverfahren X"})
    client.post("/logout", data={"csrf_token": _csrf(client)})
    for who, visible in (("kreis_a_admin", True), ("land_cert_analyst", True), ("kreis_b_admin", False),
                         ("gemeinde_b1_member", False)):
        client.cookies.clear()
        _login(client, p, who)
        page = client.get(f"/inventory/{org_id}")
        assert (page.status_code == 200 and "Fachverfahren X" in page.text) == visible, who
        assert ("Gemeinde A1" in client.get("/inventory").text) == visible, who
        if visible:  # seeing is not changing
            assert "/items\"" not in page.text
            changed = client.post(f"/inventory/{org_id}/items", data={"csrf_token": _csrf(client), "product": "Y"})
            assert changed.status_code == 403
        else:
            assert page.status_code == 404
    assert _count(p) == 1


def test_import_with_preview_then_import_or_cancel(client, p: Personas) -> None:  # noqa: ANN001
    _login(client, p, "gemeinde_a1_admin")
    token = csrf_from(client.get("/inventory/import").text)
    bad = client.post("/inventory/import", data={"csrf_token": token, "format": "csv", "action": "preview"},
                      files={"file": ("inv.csv", b"produkt;anzahl\nExchange;1\nWord;0\n")})
    assert bad.status_code == 200 and "mindestens 1" in bad.text and "Jetzt importieren" not in bad.text
    good = client.post("/inventory/import", data={"csrf_token": token, "format": "csv", "action": "preview"},
                       files={"file": ("inv.csv", b"produkt;anzahl\nExchange;1\nWord;3\n")})
    upload = re.search(r'name="upload" value="([0-9a-f]{32})"', good.text).group(1)
    assert "Jetzt importieren" in good.text and _count(p) == 0
    done = client.post("/inventory/import", data={"csrf_token": token, "format": "csv", "action": "import",
                                                   "upload": upload, "org": str(p.orgs["gemeinde_a1"].id)})
    assert done.status_code == 200 and _count(p) == 2
    again = client.post("/inventory/import", data={"csrf_token": token, "format": "csv", "action": "import",
                                                    "upload": upload})
    assert again.status_code == 404 and _count(p) == 2  # the upload is gone after the import
    header = client.post("/inventory/import", data={"csrf_token": token, "format": "csv", "action": "preview"},
                         files={"file": ("inv.csv", b"farbe\nrot\n")})
    assert header.status_code == 422 and "Unbekannte Spalte" in header.text
    other = client.post("/inventory/import", data={"csrf_token": token, "format": "csv", "action": "preview",
                                                    "org": str(p.orgs["gemeinde_b1"].id)},
                        files={"file": ("inv.csv", b"produkt\nx\n")})
    assert other.status_code == 404


def test_alias_page_is_for_cert_writers(client, p: Personas) -> None:  # noqa: ANN001
    _login(client, p, "gemeinde_a1_admin")
    token = _csrf(client)
    assert "Alias hinzufügen" not in client.get("/inventory/catalog").text
    refused = client.post("/inventory/catalog/aliases", data={"csrf_token": token, "kind": "vendor", "alias": "MS",
                                                              "canonical": "Microsoft"})
    assert refused.status_code == 403
    client.cookies.clear()
    _login(client, p, "land_cert_analyst")
    token = _csrf(client)
    client.post("/inventory/catalog/aliases", data={"csrf_token": token, "kind": "vendor", "alias": "MS",
                                                    "canonical": "Microsoft"})
    alias = p.db.scalar(select(CatalogAlias))
    assert alias.canonical_key == "microsoft" and "ms" in client.get("/inventory/catalog").text
    client.post(f"/inventory/catalog/aliases/{alias.id}/delete", data={"csrf_token": token})
    assert p.db.scalar(select(CatalogAlias)) is None
