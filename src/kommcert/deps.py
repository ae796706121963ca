"""Request plumbing shared by the JSON API and the pages: database session, actor, CSRF."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import UserSession
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.config import Settings
from kommcert.errors import AuthenticationFailed, DomainError, PermissionDenied
from kommcert.sharing.actor import ANONYMOUS, Actor
from kommcert.validation import NUL, has_nul

log = logging.getLogger("kommcert.web")

SESSION_COOKIE = "kc_session"
PRE_CSRF_COOKIE = "kc_csrf"
LANG_COOKIE = "kc_lang"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Viewer:
    """What pages show of the logged-in browser user."""

    name: str
    org_name: str
    locale: str | None
    csrf_token: str
    mfa_passed: bool


class CsrfFailed(DomainError):
    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            "Sicherheitsprüfung fehlgeschlagen (CSRF). Bitte die Seite neu laden und erneut senden.",
            "Security check failed (CSRF). Please reload the page and submit again.",
        )


async def get_settings_dep(request: Request) -> Settings:
    # async: a plain attribute read needs no trip through the thread pool
    return request.app.state.settings


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent, unless the handler
    rendered an error page (``render`` with a 4xx/5xx status): then nothing it wrote is kept."""
    db: Session = request.app.state.sessionmaker()
    try:
        yield db
        if getattr(request.state, "discard_writes", False):
            db.rollback()
        else:
            db.commit()
    except BaseException:
        db.rollback()
        raise
    finally:
        try:
            audit_service.write_kept(db)  # audited denials outlive the rollback of a 404
        except Exception:  # noqa: BLE001 - never hide the request's own outcome
            db.rollback()
            log.exception("kept audit entries could not be written")
        db.close()


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DbSession = Annotated[Session, Depends(get_db, scope="function")]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def get_actor(request: Request, db: DbSession) -> Actor:
    """Bearer token first, then the session cookie, else anonymous.

    A wrong or expired token is an error (401), not a silent downgrade to anonymous.
    """
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    actor = ANONYMOUS
    request.state.user_session = None
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise AuthenticationFailed("Ungültiger Authorization-Header.", "Invalid Authorization header.")
        token = accounts_service.resolve_token(db, value.strip(), ip=client_ip(request))
        if token is None:
            db.commit()  # keep the audit entry of the rejected token
            raise AuthenticationFailed(
                "Token ungültig, abgelaufen oder widerrufen.", "Token invalid, expired or revoked."
            )
        if not accounts_service.token_permits(token, method=request.method, path=request.url.path):
            raise PermissionDenied("Dieses Token gilt nur für Feeds und den Scanner.",
                                   "This token is for the feeds and the scanner only.")
        actor = accounts_service.actor_for_token(db, token)
    else:
        session = accounts_service.resolve_session(db, request.cookies.get(SESSION_COOKIE))
        if session is not None:
            request.state.user_session = session
            # A plain copy: error pages render after the transaction has ended.
            request.state.viewer = Viewer(
                name=session.user.name, org_name=session.user.org.name, locale=session.user.locale,
                csrf_token=session.csrf_token, mfa_passed=session.mfa_passed,
            )
            if session.mfa_passed:
                actor = accounts_service.actor_for(db, session.user)
    request.state.actor = actor
    return actor


CurrentActor = Annotated[Actor, Depends(get_actor)]


def current_session(request: Request) -> UserSession | None:
    return getattr(request.state, "user_session", None)


def current_viewer(request: Request) -> Viewer | None:
    return getattr(request.state, "viewer", None)


def expected_csrf(request: Request) -> str | None:
    viewer = current_viewer(request)
    if viewer is not None:
        return viewer.csrf_token
    return request.cookies.get(PRE_CSRF_COOKIE)


async def verify_csrf(request: Request, actor: CurrentActor, db: DbSession) -> None:
    """Every unsafe request that a browser could send with our cookies must carry the token.

    Token-authenticated API calls carry no cookies an attacker could ride on, so they pass.
    """
    if request.method not in UNSAFE_METHODS:
        return
    if request.headers.get("authorization"):
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    expected = expected_csrf(request)
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        audit_service.record(db, AuditEvent(
            events.CSRF_REJECTED, actor_user_id=actor.user_id, org_id=actor.org_id,
            ip=client_ip(request), detail={"path": request.url.path},
        ))
        db.commit()  # the rejection is kept although the request fails
        raise CsrfFailed()


class NulCharacter(DomainError):
    status_code = 422

    def __init__(self) -> None:
        super().__init__("Eingaben dürfen kein NUL-Zeichen (\\x00) enthalten.",
                         "Input must not contain a NUL character (\\x00).")


async def refuse_nul(request: Request) -> None:
    """No request carries a NUL character into a handler: not in the path, the query, a JSON body
    or a form field (files may hold any bytes). PostgreSQL cannot store NUL in text, and SQLite
    would hand it on to the feeds; no text a person types contains one. The body is the one
    FastAPI has read for the handler already (cached on the request), so this costs one scan."""
    if "\x00" in request.scope.get("path", "") or b"%00" in request.scope.get("query_string", b""):
        raise NulCharacter()
    if request.method not in UNSAFE_METHODS:
        return
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.body()
        if b"\\u0000" in body:  # a JSON escape; ruled out cheaply, parsed only when it may be one
            try:
                parsed = json.loads(body)
            except ValueError:
                return  # FastAPI answers malformed JSON itself (422)
            if has_nul(parsed):
                raise NulCharacter()
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # a malformed one is Starlette's 400; the handler would meet the same
        for key, value in form.multi_items():
            text = value if isinstance(value, str) else (value.filename or "")
            if NUL in key or NUL in text:
                raise NulCharacter()


def file_download(data: bytes, filename: str) -> Response:
    """A stored file as a download, never rendered by the browser: octet-stream, attachment
    disposition (RFC 6266, UTF-8 name per RFC 5987), sandboxed, not cached by shared caches."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in filename)
    return Response(data, media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}",
        "Content-Security-Policy": "sandbox; default-src 'none'", "Cache-Control": "private, no-store"})
