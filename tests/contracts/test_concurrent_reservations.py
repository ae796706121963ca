"""Two CERT analysts approve at the same moment, each in its own session: the contingent is never
overspent. Runs on the suite's database (PostgreSQL with KOMMCERT_TEST_DATABASE_URL: row lock
``SELECT … FOR UPDATE``; SQLite: the single write lock) with real commits, and cleans up."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from kommcert.contracts import service
from kommcert.contracts.models import Contingent, ContingentEntry, ContingentUnit
from kommcert.db import make_engine, make_sessionmaker, utcnow
from kommcert.errors import Conflict
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import OrgAncestry, Organization, OrgKind
from tests.concurrently import at_once


@pytest.mark.parametrize("first, second, both_fit", [("600", "500", False), ("400", "500", True)])
def test_two_concurrent_reservations_never_overspend(database_url, engine, first, second, both_fit) -> None:  # noqa: ANN001
    own = make_engine(database_url, pool_size=4) if database_url.startswith("postgresql") else make_engine(database_url)
    factory = make_sessionmaker(own)
    tag = uuid.uuid4().hex[:8]
    with factory() as db:
        land = orgs_service.create_org(db, key=f"land-{tag}", kind=OrgKind.land, name=f"Land {tag}")
        kreis = orgs_service.create_org(db, key=f"kreis-{tag}", kind=OrgKind.kreis, name=f"Kreis {tag}", parent=land)
        contingent = service.set_contingent(db, actor=None, org_key=kreis.key, year=utcnow().year,
                                            unit=ContingentUnit.euros, amount="1000")
        db.commit()
        contingent_id, org_ids = contingent.id, [kreis.id, land.id]
    steps = [lambda db, label=label, amount=amount: service.reserve(db, actor=None, contingent_id=contingent_id,
                                                                      amount=amount, reference=label)
             for label, amount in (("a", first), ("b", second))]
    try:
        outcome = at_once(factory, steps, refused=(Conflict,))
        with factory() as db:
            b = service.balance(db, db.get(Contingent, contingent_id))
            assert b.left >= 0
            if both_fit:
                assert outcome == ["done", "done"]
                assert b.reserved == Decimal(first) + Decimal(second)
            else:
                assert sorted(outcome) == ["done", "refused"]
                assert b.reserved in (Decimal(first), Decimal(second))
            assert b.used + b.reserved + b.left == Decimal("1000.00")
    finally:
        with factory() as db:
            db.execute(delete(ContingentEntry).where(ContingentEntry.contingent_id == contingent_id))
            db.execute(delete(Contingent).where(Contingent.id == contingent_id))
            db.execute(delete(OrgAncestry).where(OrgAncestry.org_id.in_(org_ids)))
            for org_id in org_ids:
                db.execute(delete(Organization).where(Organization.id == org_id))
            db.commit()
            assert db.scalar(select(Organization).where(Organization.key == f"land-{tag}")) is None
        own.dispose()
