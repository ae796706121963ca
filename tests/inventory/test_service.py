"""Inventory lines: who reads, who writes, keys with aliases, checks of CPE, purl, count and lengths,
and the IT service provider keeping a municipality's inventory on its behalf."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kommcert.audit.models import AuditEntry
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.inventory import catalog
from kommcert.inventory import service as inventory
from kommcert.inventory.models import Inventory
from kommcert.inventory.schemas import ItemIn, ItemUpdate
from kommcert.sharing.tlp import TLP
from tests.personas import Personas

EXCHANGE = ItemIn(vendor="Microsoft Corporation", product="Exchange Server", version="2019 CU12", count=2,
                  where_used="Rathaus")


def _add(p: Personas, who: str = "gemeinde_a1_member", org: str = "gemeinde_a1", item: ItemIn = EXCHANGE):  # noqa: ANN202
    return inventory.add_item(p.db, actor=p.actor(who), org_id=p.orgs[org].id, item_in=item)


def test_it_creates_the_inventory_on_the_first_line_amber_strict_upward(p: Personas, monkeypatch) -> None:  # noqa: ANN001
    told = []
    monkeypatch.setattr("kommcert.advisories.events.inventory_changed",
                        lambda db, *, org_id: told.append(org_id))
    org_id = p.orgs["gemeinde_a1"].id
    assert inventory.get_inventory(p.db, p.actor("gemeinde_a1_member"), org_id).inventory is None
    item = _add(p)
    inv = p.db.scalar(select(Inventory).where(Inventory.owner_org_id == org_id))
    assert (inv.tlp, inv.upward, inv.managed_by_org_id) == (TLP.amber_strict, True, None)
    assert (item.vendor_key, item.product_key, item.count, item.origin) == ("microsoft", "exchange_server", 2, "manual")
    assert told == [org_id]


@pytest.mark.parametrize(("who", "sees"), [
    ("gemeinde_a1_member", True), ("gemeinde_a1_admin", True), ("kreis_a_admin", True), ("land_cert_analyst", True),
    ("gemeinde_b1_member", False), ("kreis_b_admin", False), ("provider_x", False), ("kommit_member", False),
    ("anonymous", False)])
@pytest.mark.parametrize("written", [False, True])
def test_who_sees_gemeinde_a1s_inventory(p: Personas, who: str, sees: bool, written: bool) -> None:
    if written:
        _add(p)
    org_id = p.orgs["gemeinde_a1"].id
    if sees:
        view = inventory.get_inventory(p.db, p.actor(who), org_id)
        assert len(view.items) == (1 if written else 0)
    else:
        with pytest.raises(NotFound):
            inventory.get_inventory(p.db, p.actor(who), org_id)


def test_only_the_owners_writers_change_lines(p: Personas) -> None:
    item = _add(p)
    org_id = p.orgs["gemeinde_a1"].id
    for who, error in (("kreis_a_admin", PermissionDenied), ("land_cert_analyst", PermissionDenied),
                       ("gemeinde_b1_member", NotFound), ("kommit_member", NotFound)):
        with pytest.raises(error):
            inventory.update_item(p.db, actor=p.actor(who), org_id=org_id, item_id=item.id, changes=ItemUpdate(count=3))
        with pytest.raises(error):
            inventory.delete_item(p.db, actor=p.actor(who), org_id=org_id, item_id=item.id)
    with pytest.raises(PermissionDenied):  # nobody else starts another's inventory
        _add(p, who="kreis_b_admin", org="gemeinde_b1")
    changed = inventory.update_item(p.db, actor=p.actor("gemeinde_a1_admin"), org_id=org_id, item_id=item.id,
                                    changes=ItemUpdate(count=5, vendor="MS"))
    assert (changed.count, changed.vendor_key, changed.product_key) == (5, "ms", "exchange_server")
    with pytest.raises(NotFound):  # a line of another inventory is not found through this one
        other = _add(p, who="gemeinde_b1_member", org="gemeinde_b1")
        inventory.delete_item(p.db, actor=p.actor("gemeinde_a1_admin"), org_id=org_id, item_id=other.id)
    inventory.delete_item(p.db, actor=p.actor("gemeinde_a1_member"), org_id=org_id, item_id=item.id)
    assert inventory.get_inventory(p.db, p.actor("gemeinde_a1_member"), org_id).items == []


@pytest.mark.parametrize(("values", "fragment"), [
    ({"product": ""}, "Produkt fehlt"),
    ({"product": "x" * 301}, "höchstens 300"),
    ({"product": "x", "count": 0}, "mindestens 1"),
    ({"product": "x", "count": 1_000_001}, "mindestens 1"),
    ({"product": "x", "cpe": "cpe:/a:microsoft:exchange"}, "CPE-2.3"),
    ({"product": "x", "cpe": "cpe:2.3:a:microsoft:exchange_server"}, "CPE-2.3"),
    ({"product": "x", "purl": "pkg:"}, "purl"),
    ({"product": "x", "purl": "not a purl"}, "purl"),
])
def test_it_refuses_bad_lines(p: Personas, values: dict, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        _add(p, item=ItemIn(**values))
    assert fragment in caught.value.de
    assert inventory.get_inventory(p.db, p.actor("gemeinde_a1_member"), p.orgs["gemeinde_a1"].id).inventory is None


def test_cpe_and_purl_fill_empty_fields(p: Personas) -> None:
    from_cpe = _add(p, item=ItemIn(cpe="cpe:2.3:a:microsoft:exchange_server:2019:*:*:*:*:*:*:*"))
    assert (from_cpe.vendor, from_cpe.product, from_cpe.version, from_cpe.product_key) == (
        "microsoft", "exchange server", "2019", "exchange_server")
    from_purl = _add(p, item=ItemIn(purl="pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"))
    assert (from_purl.vendor, from_purl.product, from_purl.version) == (
        "org.apache.logging.log4j", "log4j-core", "2.14.1")


def test_aliases_apply_to_new_lines_and_rekey_old_ones(p: Personas) -> None:
    analyst = p.actor("land_cert_analyst")
    old = _add(p, item=ItemIn(vendor="Rockwell", product="Factory Talk", version="1"))
    catalog.add_alias(p.db, actor=analyst, kind="product", alias="Factory Talk", canonical="FactoryTalk")
    catalog.add_alias(p.db, actor=analyst, kind="vendor", alias="MS", canonical="Microsoft")
    p.db.refresh(old)
    assert old.product_key == "factorytalk"
    new = _add(p, item=ItemIn(vendor="MS", product="Exchange Server"))
    assert new.vendor_key == "microsoft"
    alias = next(a for a in catalog.list_aliases(p.db) if a.alias_key == "factory_talk")
    catalog.remove_alias(p.db, actor=analyst, alias_id=alias.id)
    p.db.refresh(old)
    assert old.product_key == "factory_talk"
    with pytest.raises(PermissionDenied):
        catalog.add_alias(p.db, actor=p.actor("gemeinde_a1_admin"), kind="vendor", alias="x", canonical="y")
    with pytest.raises(InvalidInput):
        catalog.add_alias(p.db, actor=analyst, kind="vendor", alias="Microsoft Corp", canonical="microsoft")
    assert p.db.scalar(select(AuditEntry).where(AuditEntry.action == "catalog_alias_changed")) is not None


def test_a_provider_keeps_the_inventory_on_behalf_and_loses_it_on_withdrawal(p: Personas) -> None:
    org_id, provider_id = p.orgs["gemeinde_a1"].id, p.orgs["kommit"].id
    with pytest.raises(NotFound):
        inventory.get_inventory(p.db, p.actor("kommit_member"), org_id)
    for who in ("gemeinde_a1_member", "kreis_a_admin", "kommit_member"):  # the municipality's admins decide
        with pytest.raises((PermissionDenied, NotFound)):
            inventory.set_keeper(p.db, actor=p.actor(who), org_id=org_id, provider_org_id=provider_id)
    with pytest.raises(InvalidInput):  # only a provider that serves the municipality
        inventory.set_keeper(p.db, actor=p.actor("gemeinde_a1_admin"), org_id=org_id,
                             provider_org_id=p.orgs["provider_x"].id)
    inventory.set_keeper(p.db, actor=p.actor("gemeinde_a1_admin"), org_id=org_id, provider_org_id=provider_id)
    view = inventory.get_inventory(p.db, p.actor("kommit_member"), org_id)
    assert view.may_edit and view.keeper.id == provider_id
    item = _add(p, who="kommit_member")
    assert [o.name for o, _ in inventory.visible_inventories(p.db, p.actor("kommit_member"))] == ["Gemeinde A1"]
    with pytest.raises(NotFound):  # a provider reaches only the inventories it keeps
        _add(p, who="kommit_member", org="gemeinde_b1")
    inventory.set_keeper(p.db, actor=p.actor("gemeinde_a1_admin"), org_id=org_id, provider_org_id=None)
    with pytest.raises(NotFound):
        inventory.update_item(p.db, actor=p.actor("kommit_member"), org_id=org_id, item_id=item.id,
                              changes=ItemUpdate(count=2))
    details = [e.detail for e in p.db.scalars(select(AuditEntry).where(
        AuditEntry.action == "inventory_keeper_changed").order_by(AuditEntry.id))]
    assert details == [{"provider": provider_id, "previous": None}, {"provider": None, "previous": provider_id}]


def test_a_provider_no_longer_serving_cannot_edit(p: Personas) -> None:
    org_id = p.orgs["gemeinde_a1"].id
    inventory.set_keeper(p.db, actor=p.actor("gemeinde_a1_admin"), org_id=org_id, provider_org_id=p.orgs["kommit"].id)
    p.orgs["kommit"].clients.remove(p.orgs["gemeinde_a1"])
    p.db.flush()
    with pytest.raises(PermissionDenied):
        _add(p, who="kommit_member")
