"""Second factor with TOTP (RFC 6238): setup, confirmation, verification with replay protection."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pyotp
import segno
from sqlalchemy.orm import Session

from kommcert.accounts.models import User, UserSession
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.db import utcnow
from kommcert.errors import AuthenticationFailed, InvalidInput, Throttled

ISSUER = "kommcert"
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def begin_setup(db: Session, *, user: User) -> str:
    """Give the user a new secret to scan; it becomes active only after :func:`confirm_setup`."""
    if not user.totp_enabled or not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        db.flush()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret or "").provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True, title="TOTP")
    return out.getvalue().decode()


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step the code belongs to (current one ± 1), or None."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    step = int(now // totp.interval)
    for candidate in (step, step - 1, step + 1):
        if totp.at(candidate * totp.interval) == code:
            return candidate
    return None


def _fail(db: Session, user: User, ip: str | None) -> AuthenticationFailed:
    audit_service.record(db, AuditEvent(events.MFA_FAILED, actor_user_id=user.id, org_id=user.org_id,
                                        subject=user.email, ip=ip))
    return AuthenticationFailed("Der Code stimmt nicht.", "The code is not correct.")


def _check_throttle(db: Session, user: User) -> None:
    since = utcnow() - WINDOW
    if audit_service.count_since(db, action=events.MFA_FAILED, since=since, subject=user.email) >= MAX_FAILURES:
        raise Throttled()


def verify(db: Session, *, user: User, code: str, ip: str | None, now: float | None = None) -> None:
    """Accept a code once: a step already used (a replayed code) is refused."""
    _check_throttle(db, user)
    step = _matching_step(user.totp_secret or "", code, time.time() if now is None else now)
    if step is None or not user.totp_enabled or (user.totp_last_step is not None and step <= user.totp_last_step):
        raise _fail(db, user, ip)
    user.totp_last_step = step
    db.flush()


def confirm_setup(db: Session, *, user: User, code: str, ip: str | None, now: float | None = None) -> None:
    _check_throttle(db, user)
    if not user.totp_secret:
        raise InvalidInput("Bitte zuerst die Einrichtung starten.", "Please start the setup first.")
    step = _matching_step(user.totp_secret, code, time.time() if now is None else now)
    if step is None:
        raise _fail(db, user, ip)
    user.totp_enabled = True
    user.totp_last_step = step
    audit_service.record(db, AuditEvent(events.MFA_ENABLED, actor_user_id=user.id, org_id=user.org_id, ip=ip))
    db.flush()


def pass_session(db: Session, session: UserSession, *, ip: str | None) -> None:
    from kommcert.accounts.service import _record_login

    session.mfa_passed = True
    _record_login(db, session.user, ip)
    db.flush()
