"""Inventories: the personas plus a municipal IT service provider ("KommIT") that serves Gemeinde A1,
with a member, and a factory for advisories naming products (for the catalogue)."""

from __future__ import annotations

import pytest

from kommcert.accounts.models import Role, User
from kommcert.advisories.models import Advisory, AdvisoryProduct, AdvisoryState
from kommcert.inventory import keys
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import OrgKind
from kommcert.sharing.tlp import TLP
from tests.personas import Personas, password_hash


def add_provider(p: Personas) -> None:
    provider = orgs_service.create_org(p.db, key="kommit", kind=OrgKind.it_dienstleister, name="KommIT",
                                       parent=p.orgs["land"])
    provider.clients.append(p.orgs["gemeinde_a1"])
    p.orgs["kommit"] = provider
    user = User(org=provider, email="kommit_member@example.test", name="kommit_member", role=Role.member,
                password_hash=password_hash())
    p.db.add(user)
    p.users["kommit_member"] = user
    p.db.flush()


@pytest.fixture
def p(personas: Personas) -> Personas:
    add_provider(personas)
    return personas


def advisory(p: Personas, products: list[tuple[str, str, str]], *, tlp: TLP = TLP.green, tracking: str = "A-1",
             state: AdvisoryState = AdvisoryState.published, cpe: str = "") -> Advisory:
    adv = Advisory(owner_org_id=p.orgs["land_cert"].id, tlp=tlp, publisher_namespace="https://example.test",
                   tracking_id=tracking, title=f"Advisory {tracking}", state=state)
    p.db.add(adv)
    p.db.flush()
    for n, (vendor, product, version) in enumerate(products):
        vk = keys.vendor_key(vendor)
        p.db.add(AdvisoryProduct(advisory_id=adv.id, product_id=f"CSAFPID-{n}", name=f"{vendor} {product} {version}",
                                 vendor=vendor, product=product, version=version, vendor_key=vk,
                                 product_key=keys.product_key(product), status="affected", cpe=cpe))
    p.db.flush()
    return adv
