"""A password change ends the other sessions; throttling cannot be used to lock someone out."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kommcert.accounts import service
from kommcert.accounts.models import UserSession
from kommcert.errors import AuthenticationFailed, Throttled
from tests.personas import PASSWORD, csrf_from, web_login

NEW = "a new long password"
EMAIL = "kreis_a_admin@example.test"


def test_it_ends_the_other_sessions_when_the_password_changes(app, client, db, personas) -> None:  # noqa: ANN001
    with TestClient(app, base_url="http://testserver") as elsewhere:
        web_login(elsewhere, "gemeinde_a1_member@example.test")
        web_login(client, "gemeinde_a1_member@example.test")
        token = personas.auth("gemeinde_a1_member")
        page = client.get("/account")
        changed = client.post("/account/password", data={"csrf_token": csrf_from(page.text), "old": PASSWORD,
                                                         "new": NEW, "repeat": NEW})
        assert "Alle anderen Anmeldungen sind beendet" in changed.text
        assert elsewhere.get("/", follow_redirects=False).headers["location"].startswith("/login")
    assert client.get("/account").status_code == 200  # the session that changed it stays
    user_id = personas.users["gemeinde_a1_member"].id
    assert len(db.scalars(select(UserSession).where(UserSession.user_id == user_id)).all()) == 1
    assert client.get("/api/v1/me", headers=token).status_code == 200  # tokens are separate credentials


def _fail(db, ip: str | None, email: str = EMAIL) -> None:  # noqa: ANN001
    with pytest.raises((AuthenticationFailed, Throttled)):
        service.authenticate(db, email=email, password="wrong password!", ip=ip)


def test_it_locks_the_address_that_guesses_not_the_account(db, personas) -> None:  # noqa: ANN001
    for _ in range(5):
        _fail(db, "203.0.113.66")
    with pytest.raises(Throttled):
        service.authenticate(db, email=EMAIL, password=PASSWORD, ip="203.0.113.66")
    # The owner at another address is not locked out by the stranger.
    assert service.authenticate(db, email=EMAIL, password=PASSWORD, ip="198.51.100.10").email == EMAIL


def test_it_keeps_the_owner_at_a_known_address_in_during_a_distributed_guess(db, personas) -> None:  # noqa: ANN001
    user = service.authenticate(db, email=EMAIL, password=PASSWORD, ip="198.51.100.10")
    service.start_session(db, user=user, ip="198.51.100.10", hours=1)  # a login from the usual desk
    for i in range(20):  # four guesses each from five addresses: under every per-address limit
        _fail(db, f"203.0.113.{i // 4}")
    # An address the account never logged in from is stopped ...
    with pytest.raises(Throttled):
        service.authenticate(db, email=EMAIL, password=PASSWORD, ip="192.0.2.200")
    # ... the owner at the known address is not.
    assert service.authenticate(db, email=EMAIL, password=PASSWORD, ip="198.51.100.10").email == EMAIL


def test_it_throttles_an_address_across_accounts(db, personas) -> None:  # noqa: ANN001
    for i in range(20):
        _fail(db, "203.0.113.9", email=f"spray{i}@example.test")
    with pytest.raises(Throttled):
        service.authenticate(db, email=EMAIL, password=PASSWORD, ip="203.0.113.9")
