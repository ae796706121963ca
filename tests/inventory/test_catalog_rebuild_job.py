"""The nightly ``catalog-rebuild``: what a later revision dropped or a narrowing to AMBER hid leaves the catalogue."""

from __future__ import annotations

from sqlalchemy import select

from kommcert.advisories import pull_jobs
from kommcert.inventory import catalog
from kommcert.inventory.models import CatalogProduct
from kommcert.jobs import schedule
from kommcert.sharing.tlp import TLP
from tests.inventory.conftest import advisory
from tests.personas import Personas


def test_the_nightly_rebuild_drops_products_of_a_warning_narrowed_to_amber(p: Personas, settings) -> None:  # noqa: ANN001
    assert {"catalog-rebuild", "csaf-pull"} <= set(schedule.registered())
    adv = advisory(p, [("Microsoft", "Exchange Server", "2019")])
    catalog.add_products(p.db, adv)
    assert [c.product for c in p.db.scalars(select(CatalogProduct))] != []
    adv.tlp = TLP.amber
    p.db.flush()
    assert pull_jobs.catalog_rebuild(p.db, {}, settings) == {"entries": 0}
    assert p.db.scalars(select(CatalogProduct)).all() == []
