"""API tokens: create (shown once), list, revoke."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import TokenScope
from kommcert.db import utcnow
from kommcert.deps import DbSession
from kommcert.errors import DomainError
from kommcert.validation import Id
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()
_SCOPES = frozenset(s.value for s in TokenScope)


def _page(request: Request, db, actor, user_id: Id | None, **extra: object) -> Response:  # noqa: ANN001
    user = accounts_service.get_user(db, user_id or actor.user_id)
    tokens = accounts_service.list_tokens(db, actor=actor, user=user)
    org_users = accounts_service.list_users(db, actor=actor, org_id=actor.org_id) if actor.is_admin else []
    status = extra.pop("status_code", 200)
    return render(request, "tokens/list.html", {"user": user, "tokens": tokens, "org_users": org_users,
                                                "service_tokens": accounts_service.service_tokens(db, actor=actor),
                                                "now": utcnow(), **extra}, status_code=status)  # type: ignore[arg-type]


@router.get("/tokens")
def token_list(request: Request, db: DbSession, actor: PageActor, user_id: Id | None = None) -> Response:
    return _page(request, db, actor, user_id)


@router.post("/tokens")
def token_create(request: Request, db: DbSession, actor: PageActor, name: str = Form(""),
                 scope: str = Form("read"), days: int = Form(365, le=3650),
                 user_id: Id | None = Form(None)) -> Response:
    expires = utcnow() + timedelta(days=days) if days > 0 else None
    try:
        text, token = accounts_service.create_own_token(
            db, actor=actor, name=name, scope=TokenScope(scope) if scope in _SCOPES else TokenScope.read,
            expires_at=expires, for_user_id=user_id)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        return _page(request, db, actor, None, error=exc, status_code=exc.status_code)
    return _page(request, db, actor, None, new_token=text, new_token_name=token.name)


@router.post("/tokens/service")
def service_token_create(request: Request, db: DbSession, actor: PageActor, name: str = Form(""),
                         days: int = Form(365, le=3650)) -> Response:
    expires = utcnow() + timedelta(days=days) if days > 0 else None
    try:
        text, token = accounts_service.create_service_token(db, actor=actor, name=name, expires_at=expires)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        return _page(request, db, actor, None, error=exc, status_code=exc.status_code)
    return _page(request, db, actor, None, new_token=text, new_token_name=token.name)


@router.post("/tokens/{token_id}/revoke")
def token_revoke(token_id: Id, db: DbSession, actor: PageActor) -> Response:
    token = accounts_service.token_for(db, actor=actor, token_id=token_id)
    accounts_service.revoke_token(db, actor=actor, token=token)
    return RedirectResponse("/tokens" if token.user_id is None else f"/tokens?user_id={token.user_id}",
                            status_code=303)
