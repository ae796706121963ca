from __future__ import annotations

import time

import pyotp
import pytest
from sqlalchemy import select

from kommcert.accounts import totp
from kommcert.audit.models import AuditEntry
from kommcert.errors import AuthenticationFailed, Throttled
from tests.personas import PASSWORD, csrf_from


def _enable(db, user) -> pyotp.TOTP:  # noqa: ANN001
    secret = totp.begin_setup(db, user=user)
    otp = pyotp.TOTP(secret)
    totp.confirm_setup(db, user=user, code=otp.at(time.time() - 30), ip=None)
    return otp


def _password_step(client, email: str):  # noqa: ANN001, ANN202
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
                       follow_redirects=False)


def test_it_asks_for_the_code_after_the_password(client, db, personas) -> None:  # noqa: ANN001
    otp = _enable(db, personas.users["kreis_a_admin"])
    response = _password_step(client, "kreis_a_admin@example.test")
    assert response.headers["location"].startswith("/login/mfa")
    # The half-logged-in session gives no access yet.
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login/mfa")
    form = client.get("/login/mfa")
    done = client.post("/login/mfa", data={"code": otp.now(), "csrf_token": csrf_from(form.text)},
                       follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/").status_code == 200


def test_it_refuses_a_replayed_code(db, personas) -> None:  # noqa: ANN001
    user = personas.users["kreis_a_admin"]
    otp = _enable(db, user)
    now = time.time()
    totp.verify(db, user=user, code=otp.at(now), ip=None, now=now)
    with pytest.raises(AuthenticationFailed):
        totp.verify(db, user=user, code=otp.at(now), ip=None, now=now)


def test_it_refuses_a_wrong_code_and_audits_it(client, db, personas) -> None:  # noqa: ANN001
    _enable(db, personas.users["kreis_a_admin"])
    _password_step(client, "kreis_a_admin@example.test")
    form = client.get("/login/mfa")
    response = client.post("/login/mfa", data={"code": "000000", "csrf_token": csrf_from(form.text)})
    assert response.status_code == 401 and "Der Code stimmt nicht." in response.text
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "mfa_failed")) is not None


def test_it_throttles_code_guessing(db, personas) -> None:  # noqa: ANN001
    user = personas.users["kreis_a_admin"]
    _enable(db, user)
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            totp.verify(db, user=user, code="000000", ip=None)
    with pytest.raises(Throttled):
        totp.verify(db, user=user, code=pyotp.TOTP(user.totp_secret).now(), ip=None)


def test_it_makes_users_of_a_strict_org_set_up_a_second_factor(client, db, personas) -> None:  # noqa: ANN001
    personas.orgs["kreis_a"].require_totp = True
    db.flush()
    _password_step(client, "kreis_a_admin@example.test")
    setup = client.get("/login/mfa")
    assert "<svg" in setup.text and "Schlüssel zum Abtippen" in setup.text
    db.refresh(personas.users["kreis_a_admin"])  # the request wrote it through its own session
    secret = personas.users["kreis_a_admin"].totp_secret
    done = client.post("/login/mfa", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(setup.text)},
                       follow_redirects=False)
    assert done.status_code == 303
    db.refresh(personas.users["kreis_a_admin"])
    assert personas.users["kreis_a_admin"].totp_enabled


def test_it_lets_a_user_enable_totp_on_the_account_page(client, db, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get("/account/totp")
    db.refresh(personas.users["gemeinde_a1_member"])
    secret = personas.users["gemeinde_a1_member"].totp_secret
    assert secret and secret in page.text
    client.post("/account/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page.text)})
    db.refresh(personas.users["gemeinde_a1_member"])
    assert personas.users["gemeinde_a1_member"].totp_enabled
    assert "aktiv" in client.get("/account").text


def test_it_lets_org_admins_require_totp_for_their_org_only(client, db, personas) -> None:  # noqa: ANN001
    own = client.put(f"/api/v1/orgs/{personas.orgs['kreis_a'].id}/security", json={"require_totp": True},
                     headers=personas.auth("kreis_a_admin"))
    db.expire_all()
    assert own.status_code == 200 and personas.orgs["kreis_a"].require_totp
    other = client.put(f"/api/v1/orgs/{personas.orgs['kreis_b'].id}/security", json={"require_totp": True},
                       headers=personas.auth("kreis_a_admin"))
    db.expire_all()
    assert other.status_code == 404 and not personas.orgs["kreis_b"].require_totp
    member = client.put(f"/api/v1/orgs/{personas.orgs['gemeinde_a1'].id}/security", json={"require_totp": True},
                        headers=personas.auth("gemeinde_a1_member"))
    assert member.status_code == 403
    cert = client.put(f"/api/v1/orgs/{personas.orgs['kreis_b'].id}/security", json={"require_totp": True},
                      headers=personas.auth("land_cert_admin"))
    assert cert.status_code == 200
