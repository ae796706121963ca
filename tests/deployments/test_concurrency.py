"""The municipality and the CERT sign the hand-over at the same moment, each in its own session: the
deployment is closed exactly once and the contingent charged once. Runs on a throw-away database of its
own (PostgreSQL with KOMMCERT_TEST_DATABASE_URL: row lock; SQLite: the single write lock), real commits."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from kommcert import migrate
from kommcert.contracts import service as contracts_service
from kommcert.contracts.models import Contingent
from kommcert.db import make_engine, make_sessionmaker, scratch_postgres_database
from kommcert.deployments import service
from kommcert.deployments.models import CostStatement, Deployment, DeploymentState
from kommcert.deployments.schemas import HandoverItemUpdate, MemberIn, TimeEntryIn
from tests.deployments.conftest import LEAD, make_world
from tests.personas import build_personas


@pytest.fixture
def own_database(tmp_path) -> Iterator[str]:  # noqa: ANN001
    base = os.environ.get("KOMMCERT_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        url = f"sqlite:///{tmp_path / 'signoffs.sqlite3'}"
        migrate.upgrade(url)
        yield url
        return
    with scratch_postgres_database(base, f"kc_signoff_{uuid.uuid4().hex[:10]}") as url:
        migrate.upgrade(url)
        yield url


def test_two_sign_offs_at_once_close_the_deployment_once(own_database: str) -> None:
    engine = make_engine(own_database)
    factory = make_sessionmaker(engine)
    try:
        with factory() as db:
            personas = build_personas(db)
            world = make_world(personas)
            d = world.deployment
            provider, cert = world.actor("provider_x"), world.actor("land_cert_analyst")
            town = world.actor("gemeinde_a1_admin")
            member = service.add_member(db, actor=provider, deployment_id=d.id,
                                        member_in=MemberIn(name="Max", role=LEAD))
            entry = service.record_time(db, actor=provider, deployment_id=d.id, entry_in=TimeEntryIn(
                member_id=member.id, day=service.today(), role=LEAD, hours=Decimal("4")))
            service.confirm_time(db, actor=town, deployment_id=d.id, entry_id=entry.id)
            service.depart(db, actor=provider, deployment_id=d.id)
            for item in service.handover_items(db, d):
                service.update_handover_item(db, actor=cert, deployment_id=d.id, item_id=item.id,
                                             update=HandoverItemUpdate(done=True, confirmed_by="Frau IT"))
            db.commit()
            deployment_id, contingent_id = d.id, world.contingent_id
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def sign(actor) -> None:  # noqa: ANN001
            try:
                with factory() as db:
                    barrier.wait(timeout=30)
                    service.sign_off(db, actor=actor, deployment_id=deployment_id)
                    db.commit()
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=sign, args=(actor,)) for actor in (town, cert)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        with factory() as db:
            assert db.get(Deployment, deployment_id).state == DeploymentState.closed
            assert db.scalar(select(func.count(CostStatement.id))) == 1
            balance = contracts_service.balance(db, db.get(Contingent, contingent_id))
            assert (balance.used, balance.reserved) == (Decimal("600.00"), Decimal("0.00"))
    finally:
        engine.dispose()
