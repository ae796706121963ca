"""The catalogue: built from public (CLEAR/GREEN, published, not withdrawn) advisories only, one entry per
product and version plus one without a version, searchable by name, vendor and alias."""

from __future__ import annotations

from sqlalchemy import select

from kommcert.advisories import events
from kommcert.advisories.models import AdvisoryState
from kommcert.inventory import catalog
from kommcert.inventory.models import CatalogProduct
from kommcert.sharing.tlp import TLP
from tests.inventory.conftest import advisory
from tests.personas import Personas


def _entries(p: Personas) -> dict[str, int]:
    return {e.name: e.advisory_count for e in p.db.scalars(select(CatalogProduct))}


def test_it_builds_entries_from_public_advisories_only(p: Personas) -> None:
    green = advisory(p, [("Microsoft", "Exchange Server", "2019"), ("Siemens AG", "SIMATIC S7-1500", "<V2.9.2")])
    events.advisory_changed(p.db, green)
    amber = advisory(p, [("Geheim GmbH", "Secret Box", "1.0"), ("Microsoft", "Exchange Server", "2016")],
                     tlp=TLP.amber, tracking="A-2")
    events.advisory_changed(p.db, amber)
    red = advisory(p, [("Rot", "Red Thing", "")], tlp=TLP.red, tracking="A-3")
    draft = advisory(p, [("Entwurf", "Draft Thing", "")], tlp=TLP.clear, tracking="A-4", state=AdvisoryState.draft)
    for adv in (red, draft):
        catalog.add_products(p.db, adv)
    assert _entries(p) == {"Microsoft Exchange Server 2019": 1, "Microsoft Exchange Server": 1,
                           "Siemens AG SIMATIC S7-1500": 1}
    assert catalog.rebuild(p.db) == 3
    assert "Secret Box" not in str(_entries(p)) and "Exchange Server 2016" not in str(_entries(p))
    entry = p.db.scalar(select(CatalogProduct).where(CatalogProduct.name == "Microsoft Exchange Server 2019"))
    assert entry.cpe == "cpe:2.3:a:microsoft:exchange_server:2019:*:*:*:*:*:*:*"


def test_counts_follow_advisories_that_turn_amber_or_are_withdrawn(p: Personas) -> None:
    one = advisory(p, [("Microsoft", "Exchange Server", "2019")])
    two = advisory(p, [("Microsoft", "Exchange Server", "2019")], tracking="A-2")
    for adv in (one, two):
        catalog.add_products(p.db, adv)
    assert _entries(p)["Microsoft Exchange Server"] == 2
    two.tlp = TLP.amber
    catalog.add_products(p.db, two)
    assert _entries(p)["Microsoft Exchange Server"] == 1
    from kommcert.db import utcnow

    one.withdrawn_at = utcnow()
    catalog.add_products(p.db, one)
    assert _entries(p) == {}


def test_search_by_name_vendor_and_alias(p: Personas) -> None:
    adv = advisory(p, [("Microsoft", "Exchange Server", "2019"), ("Rockwell Automation", "FactoryTalk", "13.0"),
                       ("Microsoft", "Teams", "")])
    catalog.add_products(p.db, adv)
    assert [e.name for e in catalog.search(p.db, "exchange")][:2] == ["Microsoft Exchange Server",
                                                                      "Microsoft Exchange Server 2019"]
    assert {e.name for e in catalog.search(p.db, "Microsoft")} >= {"Microsoft Teams", "Microsoft Exchange Server"}
    assert catalog.search(p.db, "x") == []  # too short
    assert catalog.search(p.db, "RSView") == []
    catalog.add_alias(p.db, actor=p.actor("land_cert_analyst"), kind="product", alias="RSView",
                      canonical="FactoryTalk")
    assert {e.name for e in catalog.search(p.db, "rsview")} == {"Rockwell Automation FactoryTalk",
                                                                      "Rockwell Automation FactoryTalk 13.0"}
    assert catalog.search(p.db, "100%_") == []


def test_a_vendor_alias_merges_catalogue_entries(p: Personas) -> None:
    catalog.add_products(p.db, advisory(p, [("MS", "Exchange Server", "")]))
    catalog.add_products(p.db, advisory(p, [("Microsoft", "Exchange Server", "")], tracking="A-2"))
    assert len(_entries(p)) == 2
    catalog.add_alias(p.db, actor=p.actor("land_cert_analyst"), kind="vendor", alias="MS", canonical="Microsoft")
    entries = list(p.db.scalars(select(CatalogProduct)))
    assert [(e.vendor_key, e.product_key, e.advisory_count) for e in entries] == [("microsoft", "exchange_server", 2)]
