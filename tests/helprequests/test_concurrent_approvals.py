"""Two CERT users approve two requests of one Kreis's contingent at the same moment, each in its own
session with real commits: the contingent is never overspent. Runs in a database of its own on the
suite's server (PostgreSQL in CI: the contingent's row lock; SQLite: the single write lock), so the
committed rows need no cleaning up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from kommcert.accounts import service as accounts_service
from kommcert.contracts import service as contracts_service
from kommcert.contracts.models import Contingent, ContingentUnit
from kommcert.db import make_engine, make_sessionmaker, utcnow
from kommcert.errors import Conflict
from kommcert.helprequests import service
from kommcert.helprequests.models import HelpRequest, HelpState
from kommcert.helprequests.schemas import HelpRequestIn
from tests import concurrently
from tests.incidents.conftest import report
from tests.personas import build_personas


@pytest.fixture
def own_database(database_url: str, tmp_path):  # noqa: ANN001, ANN201
    with concurrently.own_database(database_url, tmp_path, "help") as url:
        yield url


@pytest.mark.parametrize("first, second, both_fit", [("60", "50", False), ("40", "50", True)])
def test_two_concurrent_approvals_never_overspend(own_database: str, first: str, second: str,
                                                   both_fit: bool) -> None:
    engine = make_engine(own_database, pool_size=4) if own_database.startswith("postgresql") \
        else make_engine(own_database)
    factory = make_sessionmaker(engine)
    try:
        with factory() as db:
            p = build_personas(db)
            incident = report(p)
            contingent = contracts_service.set_contingent(db, actor=None, org_key="kreis_a", year=utcnow().year,
                                                          unit=ContingentUnit.hours, amount="100")
            ids = [service.request_help(db, actor=p.actor("gemeinde_a1_admin"), incident_id=incident.id,
                                        request_in=HelpRequestIn(skills=["recovery"], estimate=Decimal(amount),
                                                                 cost_accepted=True)).id
                   for amount in (first, second)]
            cert_ids = [p.users["land_cert_analyst"].id, p.users["land_cert_admin"].id]
            contingent_id = contingent.id
            db.commit()

        def approving(user_id: int, help_request_id: int):  # noqa: ANN202
            def step(db) -> None:  # noqa: ANN001
                from kommcert.accounts.models import User

                service.approve(db, actor=accounts_service.actor_for(db, db.get(User, user_id)),
                                help_request_id=help_request_id)
            return step

        done = concurrently.at_once(factory, [approving(u, i) for u, i in zip(cert_ids, ids, strict=True)],
                                    refused=(Conflict,))
        outcome = {i: "approved" if o == "done" else o for i, o in zip(ids, done, strict=True)}
        with factory() as db:
            balance = contracts_service.balance(db, db.get(Contingent, contingent_id))
            states = {r.id: r.state for r in db.scalars(select(HelpRequest))}
            assert balance.left >= 0
            if both_fit:
                assert sorted(outcome.values()) == ["approved", "approved"]
                assert balance.reserved == Decimal(first) + Decimal(second)
            else:
                assert sorted(outcome.values()) == ["approved", "refused"]
                winner = next(i for i, o in outcome.items() if o == "approved")
                loser = next(i for i, o in outcome.items() if o == "refused")
                assert states[winner] == HelpState.approved and states[loser] == HelpState.requested
                assert balance.reserved == dict(zip(ids, (Decimal(first), Decimal(second)), strict=True))[winner]
            assert balance.used + balance.reserved + balance.left == Decimal("100.00")
    finally:
        engine.dispose()
