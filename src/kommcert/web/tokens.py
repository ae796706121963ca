"""API tokens: personal ones (create, list, revoke) and the organisations' service tokens for appliances."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import TOKEN_SCOPE_LABELS_DE, TokenScope
from kommcert.db import utcnow
from kommcert.deps import DbSession
from kommcert.errors import DomainError
from kommcert.orgs import service as orgs_service
from kommcert.validation import Id
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()
_SCOPES = frozenset(s.value for s in TokenScope)


def _page(request: Request, db, actor, user_id: Id | None, org_id: Id | None = None,  # noqa: ANN001
          **extra: object) -> Response:
    user = accounts_service.get_user(db, user_id or actor.user_id)
    tokens = accounts_service.list_tokens(db, actor=actor, user=user)
    org_users = accounts_service.list_users(db, actor=actor, org_id=actor.org_id) if actor.is_admin else []
    service_org = orgs_service.get(db, org_id or actor.org_id)
    status = extra.pop("status_code", 200)
    return render(request, "tokens/list.html", {
        "user": user, "tokens": tokens, "org_users": org_users, "service_org": service_org,
        "service_tokens": accounts_service.service_tokens(db, actor=actor, org_id=service_org.id),
        # A CERT admin sees and revokes other organisations' tokens but creates only its own.
        "may_create_service": actor.is_admin and actor.org_id in orgs_service.ancestor_ids(db, service_org.id),
        "managed_orgs": orgs_service.managed_orgs(db, actor),
        "service_scopes": [(s.value, TOKEN_SCOPE_LABELS_DE[s]) for s in accounts_service.SERVICE_SCOPES],
        "now": utcnow(), **extra}, status_code=status)  # type: ignore[arg-type]


@router.get("/tokens")
def token_list(request: Request, db: DbSession, actor: PageActor, user_id: Id | None = None,
               org_id: Id | None = None) -> Response:
    return _page(request, db, actor, user_id, org_id)


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
                         days: int = Form(365, le=3650), scope: str = Form("feed"),
                         org_id: Id | None = Form(None)) -> Response:
    expires = utcnow() + timedelta(days=days) if days > 0 else None
    try:
        text, token = accounts_service.create_service_token(
            db, actor=actor, name=name, expires_at=expires, org_id=org_id,
            scope=TokenScope(scope) if scope in _SCOPES else TokenScope.feed)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        return _page(request, db, actor, None, org_id, error=exc, status_code=exc.status_code)
    return _page(request, db, actor, None, token.org_id, new_token=text, new_token_name=token.name,
                 new_token_scope=token.scope)


def _back(actor, token) -> str:  # noqa: ANN001
    if token.user_id is None:
        return "/tokens" if token.org_id == actor.org_id else f"/tokens?org_id={token.org_id}"
    return f"/tokens?user_id={token.user_id}"


@router.get("/tokens/{token_id}/revoke")
def token_revoke_confirm(token_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    """Revoking cannot be undone, and an appliance stops at once: ask first (a page, no script)."""
    token = accounts_service.token_for(db, actor=actor, token_id=token_id)
    return render(request, "tokens/revoke.html", {"token": token, "back": _back(actor, token),
                                                  "owner": token.org if token.user is None else token.user})


@router.post("/tokens/{token_id}/revoke")
def token_revoke(token_id: Id, db: DbSession, actor: PageActor) -> Response:
    token = accounts_service.token_for(db, actor=actor, token_id=token_id)
    accounts_service.revoke_token(db, actor=actor, token=token)
    return RedirectResponse(_back(actor, token), status_code=303)
