"""Warnings for readers: Gemeinde A1 (Kreis A) runs Exchange 2019 in its Rathaus, Gemeinde B1 (Kreis B)
runs only a web server; advisories, inventories and match rows are written directly (the ingest and
the matcher are other modules' work)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from kommcert.advisories.models import (
    Advisory,
    AdvisoryMatch,
    AdvisoryProduct,
    AdvisoryRevision,
    AdvisoryState,
    MatchResult,
    Risk,
)
from kommcert.db import utcnow
from kommcert.inventory.models import Inventory, InventoryItem
from kommcert.sharing import service as sharing_service
from kommcert.sharing.tlp import TLP
from tests.personas import Personas


@dataclass(frozen=True)
class Change:  # the shape of matching.service.ResultChange
    advisory_id: int
    org_id: int
    old: str | None
    new: str


@dataclass
class World:
    p: Personas
    inventories: dict[str, Inventory] = field(default_factory=dict)
    items: dict[str, InventoryItem] = field(default_factory=dict)
    counter: int = 0

    @property
    def db(self) -> Session:
        return self.p.db

    def actor(self, name: str):  # noqa: ANN201
        return self.p.actor(name)

    def inventory(self, org: str) -> Inventory:
        if org not in self.inventories:
            inv = Inventory(owner_org_id=self.p.orgs[org].id, tlp=TLP.amber_strict, upward=True)
            self.db.add(inv)
            self.db.flush()
            self.inventories[org] = inv
        return self.inventories[org]

    def item(self, key: str, org: str, vendor: str, product: str, version: str, where: str = "") -> InventoryItem:
        line = InventoryItem(inventory_id=self.inventory(org).id, vendor=vendor, product=product, version=version,
                             where_used=where, vendor_key=vendor.lower(), product_key=product.lower())
        self.db.add(line)
        self.db.flush()
        self.items[key] = line
        return line

    def advisory(self, title: str = "Kritische Lücke in Exchange", *, risk: Risk = Risk.hoch, tlp: TLP = TLP.green,
                 audience: sharing_service.Audience | None = None, age_days: int = 0,
                 state: AdvisoryState = AdvisoryState.published, **kw: object) -> Advisory:
        self.counter += 1
        released = utcnow() - timedelta(days=age_days)
        document = {"document": {"category": "csaf_security_advisory", "title": title,
                                 "tracking": {"id": f"TEST-{self.counter}", "version": "1"},
                                 "notes": [{"category": "summary", "title": "Zusammenfassung",
                                            "text": "Angreifer können Code ausführen."}]},
                    "vulnerabilities": [{"cve": "CVE-2026-0001", "scores": [{"products": ["P1"], "cvss_v3": {
                        "version": "3.1", "baseScore": 9.8,
                        "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}]}]}
        a = Advisory(owner_org_id=self.p.orgs["land_cert"].id, tlp=tlp, upward=False, state=state,
                     publisher_namespace="https://cert.example", publisher_name="Landes-CERT",
                     tracking_id=f"TEST-{self.counter}", title=title, risk=risk, cves=["CVE-2026-0001"],
                     summary="Angreifer können Code ausführen.", measures="Update CU14 einspielen.",
                     document=document, current_release_date=released, initial_release_date=released, **kw)
        self.db.add(a)
        self.db.flush()
        if audience is not None:
            sharing_service.set_audience(self.db, a, audience)
        self.db.add(AdvisoryProduct(advisory_id=a.id, product_id="P1", name="Microsoft Exchange Server 2019 <CU14",
                                    vendor="Microsoft", product="Exchange Server", version="<CU14",
                                    vendor_key="microsoft", product_key="exchange server", status="affected"))
        self.db.add(AdvisoryRevision(advisory_id=a.id, version="1", current_release_date=released,
                                     sha256=f"{self.counter:064d}", document=document))
        self.db.flush()
        return a

    def match(self, advisory: Advisory, org: str, result: MatchResult = MatchResult.affected,
              item: str | None = "exchange_a1") -> AdvisoryMatch:
        reasons = [] if item is None else [{"item_id": self.items[item].id, "product_id": "P1", "result": str(result),
                                            "why": "Version 2019 CU12 liegt vor CU14"}]
        m = AdvisoryMatch(advisory_id=advisory.id, org_id=self.p.orgs[org].id, result=result, reasons=reasons,
                          advisory_version="1")
        self.db.add(m)
        self.db.flush()
        return m

    def change(self, advisory: Advisory, org: str, new: MatchResult, old: str | None = None) -> Change:
        return Change(advisory.id, self.p.orgs[org].id, old, str(new))


@pytest.fixture
def world(personas: Personas) -> World:
    w = World(personas)
    w.item("exchange_a1", "gemeinde_a1", "Microsoft", "Exchange Server", "2019 CU12", "Rathaus, Mailserver")
    w.item("nginx_b1", "gemeinde_b1", "F5", "nginx", "1.25.1", "Webseite")
    return w
