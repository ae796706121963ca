"""The municipality and the CERT sign the hand-over at the same moment, each in its own session: the
deployment is closed exactly once and the contingent charged once. Runs on a throw-away database of its
own (PostgreSQL with KOMMCERT_TEST_DATABASE_URL: row lock; SQLite: the single write lock), real commits."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from kommcert.contracts import service as contracts_service
from kommcert.contracts.models import Contingent
from kommcert.db import make_engine, make_sessionmaker
from kommcert.deployments import service
from kommcert.deployments.models import CostStatement, Deployment, DeploymentState
from kommcert.deployments.schemas import HandoverItemUpdate, MemberIn, TimeEntryIn
from tests import concurrently
from tests.deployments.conftest import LEAD, make_world
from tests.personas import build_personas


@pytest.fixture
def own_database(database_url: str, tmp_path) -> Iterator[str]:  # noqa: ANN001
    with concurrently.own_database(database_url, tmp_path, "kc_signoff") as url:
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
        concurrently.at_once(factory, [lambda db, actor=actor: service.sign_off(db, actor=actor,
                                                                                deployment_id=deployment_id)
                                       for actor in (town, cert)])
        with factory() as db:
            assert db.get(Deployment, deployment_id).state == DeploymentState.closed
            assert db.scalar(select(func.count(CostStatement.id))) == 1
            balance = contracts_service.balance(db, db.get(Contingent, contingent_id))
            assert (balance.used, balance.reserved) == (Decimal("600.00"), Decimal("0.00"))
    finally:
        engine.dispose()
