"""Matching in the database: rows per (advisory, organisation), the changes for the notifications,
withdrawn and draft advisories, new inventory lines; and the three entry points against the
nested-loop reference on random data (the SQL candidate search must miss nothing)."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kommcert.advisories.matching import reference
from kommcert.advisories.matching.service import ResultChange, match_advisory, match_inventory, rematch_all
from kommcert.advisories.models import Advisory, AdvisoryMatch, AdvisoryProduct, AdvisoryState
from kommcert.db import utcnow
from kommcert.inventory import keys
from kommcert.inventory.models import Inventory, InventoryItem
from kommcert.sharing.tlp import TLP
from tests.advisories.matching.strategies import dataset
from tests.personas import Personas

_ids = itertools.count(1)


def inventory(db: Session, org_id: int) -> Inventory:
    inv = db.scalar(select(Inventory).where(Inventory.owner_org_id == org_id))
    if inv is None:
        inv = Inventory(owner_org_id=org_id, tlp=TLP.amber_strict, upward=True)
        db.add(inv)
        db.flush()
    return inv


def add_line(db: Session, org_id: int, vendor: str, product: str, version: str = "", **kw: str) -> InventoryItem:
    item = InventoryItem(inventory_id=inventory(db, org_id).id, vendor=vendor, product=product, version=version,
                         vendor_key=kw.pop("vendor_key", keys.vendor_key(vendor)),
                         product_key=kw.pop("product_key", keys.product_key(product)), **kw)
    db.add(item)
    db.flush()
    return item


def add_advisory(db: Session, owner_id: int, products: list[dict], **kw: object) -> Advisory:
    advisory = Advisory(owner_org_id=owner_id, tlp=TLP.clear, publisher_namespace="https://cert.example",
                        tracking_id=f"TEST-{next(_ids)}", title="Warnung", **kw)
    db.add(advisory)
    db.flush()
    for p in products:
        db.add(AdvisoryProduct(advisory_id=advisory.id, product_id=p.get("product_id", "CSAFPID-1"),
                               vendor=p.get("vendor", ""), product=p.get("product", ""),
                               version=p.get("version", ""),
                               vendor_key=p.get("vendor_key", keys.vendor_key(p.get("vendor", ""))),
                               product_key=p.get("product_key", keys.product_key(p.get("product", ""))),
                               cpe=p.get("cpe", ""), purl=p.get("purl", ""), status=p["status"]))
    db.flush()
    return advisory


def rows(db: Session) -> dict[tuple[int, int], tuple]:
    return {(m.advisory_id, m.org_id): (m.result, m.reasons)
            for m in db.scalars(select(AdvisoryMatch).execution_options(populate_existing=True))}


@pytest.fixture
def land(db: Session, personas: Personas) -> Personas:
    return personas


EXCHANGE = {"vendor": "Microsoft", "product": "Exchange Server", "version": "<2019 CU14", "status": "affected"}


def test_it_matches_only_the_organisation_that_runs_the_product(db: Session, land: Personas) -> None:
    a1, b1 = land.orgs["gemeinde_a1"].id, land.orgs["gemeinde_b1"].id
    line = add_line(db, a1, "Microsoft Corporation", "Exchange Server", "2019 CU12")
    add_line(db, b1, "Apache", "HTTP Server", "2.4.58")
    advisory = add_advisory(db, land.orgs["land_cert"].id, [EXCHANGE])
    changes = match_advisory(db, advisory)
    assert changes == [ResultChange(advisory.id, a1, None, "affected")]
    assert rows(db) == {(advisory.id, a1): ("affected", [
        {"item_id": line.id, "product_id": "CSAFPID-1", "result": "affected",
         "why": "Name; Version 2019 CU12 in <2019 CU14"}])}
    assert db.scalar(select(AdvisoryMatch.advisory_version)) == "1"


def test_a_revision_that_keeps_the_result_tells_nobody_again(db: Session, land: Personas) -> None:
    a1 = land.orgs["gemeinde_a1"].id
    add_line(db, a1, "Microsoft", "Exchange Server", "2019 CU12")
    advisory = add_advisory(db, land.orgs["land_cert"].id, [EXCHANGE])
    match_advisory(db, advisory)
    db.execute(AdvisoryMatch.__table__.update().values(notified_result="affected"))  # the notifications did
    advisory.version = "2"
    assert match_advisory(db, advisory) == []
    match = db.scalar(select(AdvisoryMatch).execution_options(populate_existing=True))
    assert (match.advisory_version, match.notified_result) == ("2", "affected")
    # Revision 3 says CU12 is fixed: the result changes, the notified one stays for the notifications
    db.execute(delete(AdvisoryProduct).where(AdvisoryProduct.advisory_id == advisory.id))
    db.add(AdvisoryProduct(advisory_id=advisory.id, product_id="CSAFPID-2", vendor_key="microsoft",
                           product_key="exchange_server", version="2019 CU12", status="fixed"))
    advisory.version = "3"
    assert match_advisory(db, advisory) == [ResultChange(advisory.id, a1, "affected", "fixed")]
    assert db.scalar(select(AdvisoryMatch.notified_result)) == "affected"


def test_an_organisation_that_no_longer_matches_loses_its_row(db: Session, land: Personas) -> None:
    a1 = land.orgs["gemeinde_a1"].id
    line = add_line(db, a1, "Microsoft", "Exchange Server", "2019 CU12")
    advisory = add_advisory(db, land.orgs["land_cert"].id, [EXCHANGE])
    match_advisory(db, advisory)
    line.version = "2019 CU14"
    assert match_inventory(db, org_id=a1) == []
    assert rows(db) == {}


@pytest.mark.parametrize("change", ["withdrawn", "draft"])
def test_withdrawn_and_draft_advisories_are_not_matched(db: Session, land: Personas, change: str) -> None:
    a1 = land.orgs["gemeinde_a1"].id
    add_line(db, a1, "Microsoft", "Exchange Server", "2019 CU12")
    advisory = add_advisory(db, land.orgs["land_cert"].id, [EXCHANGE])
    match_advisory(db, advisory)
    assert rows(db)
    if change == "withdrawn":
        advisory.withdrawn_at = utcnow()
    else:
        advisory.state = AdvisoryState.draft
    assert match_advisory(db, advisory) == []
    assert rows(db) == {}
    assert match_inventory(db, org_id=a1) == [] and rematch_all(db) == []
    assert rows(db) == {}


def test_a_new_inventory_line_is_matched_against_existing_advisories(db: Session, land: Personas) -> None:
    a1, b1 = land.orgs["gemeinde_a1"].id, land.orgs["gemeinde_b1"].id
    advisory = add_advisory(db, land.orgs["land_cert"].id, [
        {"vendor": "Apache", "product": "Log4j", "cpe": "cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*",
         "version": "vers:maven/>=2.0|<2.17.1", "status": "affected"}])
    add_line(db, b1, "Apache", "Log4j", "2.17.1")
    assert match_advisory(db, advisory) == []
    add_line(db, a1, "", "Logging library", cpe=r"cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*")
    assert match_inventory(db, org_id=a1) == [ResultChange(advisory.id, a1, None, "affected")]
    assert rows(db)[(advisory.id, a1)][1][0]["why"] == "CPE; Version 2.14.1 in vers:maven/>=2.0|<2.17.1"
    assert match_inventory(db, org_id=b1) == []


def test_rematch_all_reports_what_the_organisations_were_not_told(db: Session, land: Personas) -> None:
    a1, b1 = land.orgs["gemeinde_a1"].id, land.orgs["gemeinde_b1"].id
    add_line(db, a1, "Microsoft", "Exchange Server", "2019 CU12")
    add_line(db, b1, "Microsoft", "Exchange Server")
    advisory = add_advisory(db, land.orgs["land_cert"].id, [EXCHANGE])
    assert rematch_all(db) == [ResultChange(advisory.id, a1, None, "affected"),
                               ResultChange(advisory.id, b1, None, "possibly")]
    db.execute(AdvisoryMatch.__table__.update().values(notified_result=AdvisoryMatch.result))
    assert rematch_all(db) == []


def _load(db: Session, land: Personas, seed: int) -> tuple[list, dict]:
    """A random dataset in the database; returns it as the reference sees it (database ids)."""
    org_ids = [land.orgs[k].id for k in ("gemeinde_a1", "gemeinde_b1", "vg_a", "kreis_b", "provider_x")]
    lines, products = dataset(seed, orgs=len(org_ids), lines=150, advisories=12, products=60)
    line_rows = []
    for _, org, vendor, product, version, cpe, purl in lines:
        item = add_line(db, org_ids[org - 1], vendor, product or "x", version, vendor_key=vendor,
                        product_key=product, cpe=cpe, purl=purl)
        line_rows.append((item.id, org_ids[org - 1], vendor, product, version, cpe, purl))
    by_advisory = {}
    for _, group in sorted(products.items()):
        advisory = add_advisory(db, land.orgs["land_cert"].id, [])
        by_advisory[advisory.id] = []
        for _, _, pid, vendor, product, version, cpe, purl, status in group:
            row = AdvisoryProduct(advisory_id=advisory.id, product_id=pid, vendor_key=vendor, product_key=product,
                                  version=version, cpe=cpe, purl=purl, status=status)
            db.add(row)
            db.flush()
            by_advisory[advisory.id].append((row.id, advisory.id, pid, vendor, product, version, cpe, purl, status))
    return line_rows, by_advisory


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_all_three_entry_points_equal_the_reference(db: Session, land: Personas, seed: int) -> None:
    lines, products = _load(db, land, seed)
    expected = reference.match(lines, products)
    assert len({r for r, _ in expected.values()}) >= 3
    rematch_all(db)
    assert rows(db) == expected
    db.execute(delete(AdvisoryMatch))
    for advisory in db.scalars(select(Advisory)):
        match_advisory(db, advisory)
    assert rows(db) == expected
    db.execute(delete(AdvisoryMatch))
    for org_id in {line[1] for line in lines}:
        match_inventory(db, org_id=org_id)
    assert rows(db) == expected
    assert rematch_all(db) == sorted((ResultChange(a, o, None, r) for (a, o), (r, _) in expected.items()),
                                     key=lambda c: (c.advisory_id, c.org_id))


def test_the_candidate_search_finds_every_spelling_of_a_cpe_or_purl(db: Session, land: Personas) -> None:
    """The SQL search folds only ASCII case; upper-case CPEs and a non-ASCII letter that Python lower-cases
    into the name (KELVIN SIGN → k) must still be found, on every entry point."""
    a1, b1 = land.orgs["gemeinde_a1"].id, land.orgs["gemeinde_b1"].id
    lines = [add_line(db, a1, "Irgendwer", "Mailer", "2019",
                      cpe="cpe:2.3:a:MICROSOFT:Exchange_Server:2019:*:*:*:*:*:*:*"),
             add_line(db, b1, "Jemand", "Tresor", "2.50", purl="pkg:generic/\u212aeepass@2.50")]
    advisory = add_advisory(db, land.orgs["land_cert"].id, [
        {"product_id": "P1", "cpe": "cpe:2.3:a:microsoft:exchange_server:*:*:*:*:*:*:*:*", "version": "<2020",
         "status": "affected"},
        {"product_id": "P2", "purl": "pkg:generic/keepass", "version": "<2.57", "status": "affected"}])
    line_rows = [(i.id, o, i.vendor_key, i.product_key, i.version, i.cpe, i.purl)
                 for i, o in zip(lines, (a1, b1), strict=True)]
    products = {advisory.id: [(p.id, advisory.id, p.product_id, p.vendor_key, p.product_key, p.version, p.cpe,
                               p.purl, p.status)
                              for p in db.scalars(select(AdvisoryProduct).order_by(AdvisoryProduct.id))]}
    expected = reference.match(line_rows, products)
    assert set(expected) == {(advisory.id, a1), (advisory.id, b1)}
    match_advisory(db, advisory)
    assert rows(db) == expected
    db.execute(delete(AdvisoryMatch))
    for org_id in (a1, b1):
        match_inventory(db, org_id=org_id)
    assert rows(db) == expected


def _indexes(db: Session) -> tuple:
    from sqlalchemy import inspect

    found = inspect(db.connection())
    return (found.get_pk_constraint("advisory_matches"), found.get_unique_constraints("advisory_matches"),
            found.get_indexes("advisory_matches"))


@pytest.mark.parametrize("parallel", [False, True], ids=["one process", "forked matcher"])
def test_rematch_all_merges_into_existing_rows_and_keeps_what_was_told(
        db: Session, land: Personas, parallel: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first run writes straight into the empty table; a later run merges (deletes, updates, inserts)
    and keeps ``notified_result``; both equal the reference, in one process and with the forked matcher."""
    import kommcert.advisories.matching.service as matching

    if parallel:
        monkeypatch.setattr(matching, "BULK_MIN_PAIRS", 0)
    lines, products = _load(db, land, 4)
    expected = reference.match(lines, products)
    schema = _indexes(db)
    first = rematch_all(db)
    assert rows(db) == expected
    assert _indexes(db) == schema and "uq_advisory_matches" in str(schema)  # built again after the load
    assert first == sorted((ResultChange(a, o, None, r) for (a, o), (r, _) in expected.items()),
                           key=lambda c: (c.advisory_id, c.org_id))
    db.execute(AdvisoryMatch.__table__.update().values(notified_result=AdvisoryMatch.result))
    told = {(m.advisory_id, m.org_id): m.id for m in db.scalars(select(AdvisoryMatch))}
    # Move the inventories: drop a third of the lines, give another third a version nobody has.
    dropped = {line[0] for line in lines[::3]}
    db.execute(delete(InventoryItem).where(InventoryItem.id.in_(dropped)))
    moved = {line[0] for line in lines[1::3]}
    db.execute(InventoryItem.__table__.update().where(InventoryItem.id.in_(moved)).values(version="0.0.1"))
    kept = [line if line[0] not in moved else (*line[:4], "0.0.1", *line[5:]) for line in lines
            if line[0] not in dropped]
    orphan = AdvisoryMatch(advisory_id=max(products) + 1000, org_id=kept[0][1], result="affected", reasons=[])
    db.add(orphan)
    db.flush()
    now = reference.match(kept, products)
    assert now != expected
    changes = rematch_all(db)
    assert rows(db) == now  # the orphan of a deleted advisory is gone too
    assert changes == sorted((ResultChange(a, o, expected[(a, o)][0] if (a, o) in expected else None, r)
                              for (a, o), (r, _) in now.items()
                              if (a, o) not in expected or expected[(a, o)][0] != r),
                             key=lambda c: (c.advisory_id, c.org_id))
    for m in db.scalars(select(AdvisoryMatch).execution_options(populate_existing=True)):
        if (m.advisory_id, m.org_id) in told:  # kept rows are updated in place, what they were told stays
            assert m.id == told[(m.advisory_id, m.org_id)]
            assert m.notified_result == expected[(m.advisory_id, m.org_id)][0]
        else:
            assert m.notified_result is None


def test_the_forked_matcher_reports_its_failure(db: Session, land: Personas,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import kommcert.advisories.matching.service as matching

    _load(db, land, 5)
    monkeypatch.setattr(matching, "BULK_MIN_PAIRS", 0)

    def broken(*_args: object) -> None:
        raise ValueError("kaputt")

    monkeypatch.setattr(matching.engine, "match_products_json", broken)
    with pytest.raises(RuntimeError, match="kaputt"):
        rematch_all(db)
