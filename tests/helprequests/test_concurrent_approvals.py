"""Two CERT users approve two requests of one Kreis's contingent at the same moment, each in its own
session with real commits: the contingent is never overspent. Runs in a database of its own on the
suite's server (PostgreSQL in CI: the contingent's row lock; SQLite: the single write lock), so the
committed rows need no cleaning up."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from kommcert import migrate
from kommcert.accounts import service as accounts_service
from kommcert.contracts import service as contracts_service
from kommcert.contracts.models import Contingent, ContingentUnit
from kommcert.db import make_engine, make_sessionmaker, scratch_postgres_database, utcnow
from kommcert.errors import Conflict
from kommcert.helprequests import service
from kommcert.helprequests.models import HelpRequest, HelpState
from kommcert.helprequests.schemas import HelpRequestIn
from tests.incidents.conftest import report
from tests.personas import build_personas


@pytest.fixture
def own_database(database_url: str, tmp_path):  # noqa: ANN001, ANN201
    if database_url.startswith("postgresql"):
        with scratch_postgres_database(database_url, f"help_{uuid.uuid4().hex[:8]}") as url:
            migrate.upgrade(url)
            yield url
    else:
        url = f"sqlite:///{tmp_path / 'concurrent.sqlite3'}"
        migrate.upgrade(url)
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
        barrier = threading.Barrier(2)
        outcome: dict[int, str] = {}
        errors: list[BaseException] = []

        def approve(user_id: int, help_request_id: int) -> None:
            try:
                with factory() as db:
                    from kommcert.accounts.models import User

                    actor = accounts_service.actor_for(db, db.get(User, user_id))
                    db.commit()
                    barrier.wait(timeout=30)
                    try:
                        service.approve(db, actor=actor, help_request_id=help_request_id)
                        db.commit()
                        outcome[help_request_id] = "approved"
                    except Conflict:
                        db.rollback()
                        outcome[help_request_id] = "refused"
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=approve, args=args) for args in zip(cert_ids, ids, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
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
