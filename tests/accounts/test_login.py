from __future__ import annotations

from datetime import timedelta

import argon2
import pytest
from sqlalchemy import select

from kommcert.accounts.models import UserSession
from kommcert.audit.models import AuditEntry
from kommcert.db import utcnow
from kommcert.deps import SESSION_COOKIE
from tests.personas import PASSWORD, csrf_from, web_login


def _post_login(client, email: str, password: str, **extra: str):  # noqa: ANN001, ANN202
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text),
                                       **extra}, follow_redirects=False)


def test_it_logs_in_and_sets_a_safe_cookie(client, personas, settings) -> None:  # noqa: ANN001
    response = _post_login(client, "kreis_a_admin@example.test", PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_it_marks_cookies_secure_when_configured(app, personas) -> None:  # noqa: ANN001
    from fastapi.testclient import TestClient

    app.state.settings = app.state.settings.model_copy(update={"secure_cookies": True})
    with TestClient(app, base_url="https://testserver") as https_client:
        response = _post_login(https_client, "kreis_a_admin@example.test", PASSWORD)
    assert "Secure" in response.headers["set-cookie"]


def test_it_gives_unknown_users_and_wrong_passwords_the_same_answer(client, personas) -> None:  # noqa: ANN001
    wrong = _post_login(client, "kreis_a_admin@example.test", "wrong password!")
    unknown = _post_login(client, "nobody@example.test", "wrong password!")
    assert wrong.status_code == unknown.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch." in wrong.text
    assert "E-Mail-Adresse oder Passwort ist falsch." in unknown.text


def test_it_runs_argon2_once_for_an_unknown_user(client, personas, monkeypatch) -> None:  # noqa: ANN001
    calls = []
    original = argon2.PasswordHasher.verify

    def spy(self, hash_, password):  # noqa: ANN001, ANN202
        calls.append(hash_)
        return original(self, hash_, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", spy)
    _post_login(client, "nobody@example.test", "whatever-password")
    assert len(calls) == 1


def test_it_refuses_inactive_users(client, personas) -> None:  # noqa: ANN001
    personas.users["kreis_a_admin"].is_active = False
    personas.db.flush()
    assert _post_login(client, "kreis_a_admin@example.test", PASSWORD).status_code == 401


def test_it_throttles_an_account_after_repeated_failures(client, personas, db) -> None:  # noqa: ANN001
    for _ in range(5):
        _post_login(client, "kreis_a_admin@example.test", "wrong password!")
    blocked = _post_login(client, "kreis_a_admin@example.test", PASSWORD)
    assert blocked.status_code == 429
    assert "Zu viele Fehlversuche" in blocked.text
    failures = db.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed")).all()
    assert len(failures) == 5 and all(f.subject == "kreis_a_admin@example.test" for f in failures)
    assert all("wrong" not in str(f.detail) for f in failures)  # no password in the log


def test_it_throttles_an_address_spraying_many_accounts(client, personas) -> None:  # noqa: ANN001
    for i in range(20):
        _post_login(client, f"spray{i}@example.test", "wrong password!")
    assert _post_login(client, "kreis_a_admin@example.test", PASSWORD).status_code == 429




def test_it_ends_the_session_on_logout(client, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    old_cookie = client.cookies.get(SESSION_COOKIE)
    page = client.get("/")
    client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    client.cookies.set(SESSION_COOKIE, old_cookie)
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_it_refuses_an_expired_session(client, personas, login, db) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    for session in db.scalars(select(UserSession)):
        session.expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    assert client.get("/", follow_redirects=False).status_code == 303


def test_it_issues_a_new_session_secret_on_every_login(client, personas) -> None:  # noqa: ANN001
    web_login(client, "kreis_a_admin@example.test")
    first = client.cookies.get(SESSION_COOKIE)
    client.cookies.clear()
    web_login(client, "kreis_a_admin@example.test")
    assert client.cookies.get(SESSION_COOKIE) != first


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_it_does_not_redirect_off_site(client, personas, target: str) -> None:  # noqa: ANN001
    response = _post_login(client, "kreis_a_admin@example.test", PASSWORD, next=target)
    assert response.headers["location"] == "/"


def test_it_counts_only_failures_inside_the_window(client, personas, db) -> None:  # noqa: ANN001
    from kommcert.accounts import service

    for _ in range(5):
        _post_login(client, "kreis_a_admin@example.test", "wrong password!")
    # The log is append-only, so instead of ageing rows we shrink the window to nothing.
    user = service.authenticate(db, email="kreis_a_admin@example.test", password=PASSWORD, ip=None,
                                window=timedelta(0))
    assert user.email == "kreis_a_admin@example.test"
