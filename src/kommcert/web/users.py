"""User administration: admins manage their organisation and those below it; CERT admins every org."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kommcert.accounts import invitations
from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import ROLE_LABELS_DE, Role
from kommcert.deps import DbSession, SettingsDep
from kommcert.errors import DomainError
from kommcert.orgs import service as orgs_service
from kommcert.validation import Id
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()
_ROLES = frozenset(r.value for r in Role)


def _page(request: Request, db, actor, org_id: Id, **extra: object) -> Response:  # noqa: ANN001
    users = accounts_service.list_users(db, actor=actor, org_id=org_id)
    org = orgs_service.get(db, org_id)
    status = extra.pop("status_code", 200)
    return render(request, "users/list.html", {
        "org": org, "users": users, "roles": [(r.value, ROLE_LABELS_DE[r]) for r in Role],
        "managed_orgs": orgs_service.managed_orgs(db, actor), "breadcrumb": orgs_service.breadcrumb(db, org),
        "role_labels": {r.value: ROLE_LABELS_DE[r] for r in Role}, **extra}, status_code=status)  # type: ignore[arg-type]


@router.get("/users")
def user_list(request: Request, db: DbSession, actor: PageActor, org_id: Id | None = None) -> Response:
    return _page(request, db, actor, org_id or actor.org_id)  # type: ignore[arg-type]


@router.post("/users")
def user_create(request: Request, db: DbSession, actor: PageActor, settings: SettingsDep, org_id: Id = Form(...),
                email: str = Form(""), name: str = Form(""), role: str = Form("member")) -> Response:
    accounts_service.list_users(db, actor=actor, org_id=org_id)  # 404 unless the actor administers it
    try:
        user, link = invitations.invite_user(db, actor=actor, org=orgs_service.get(db, org_id), email=email,
                                             name=name, role=Role(role) if role in _ROLES else Role.member,
                                             base_url=settings.base_url)
    except DomainError as exc:
        return _page(request, db, actor, org_id, error=exc, status_code=exc.status_code)
    return _page(request, db, actor, org_id, created=user, invitation_url=link)


@router.post("/users/{user_id}/invitation")
def user_reinvite(user_id: Id, request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    user = accounts_service.managed_user(db, actor=actor, user_id=user_id)
    try:
        user, link = invitations.reinvite(db, actor=actor, user_id=user_id, base_url=settings.base_url)
    except DomainError as exc:
        return _page(request, db, actor, user.org_id, error=exc, status_code=exc.status_code)
    return _page(request, db, actor, user.org_id, created=user, invitation_url=link)


@router.post("/users/{user_id}")
def user_update(user_id: Id, request: Request, db: DbSession, actor: PageActor, role: str = Form(""),
                action: str = Form("")) -> Response:
    user = accounts_service.managed_user(db, actor=actor, user_id=user_id)
    try:
        accounts_service.update_user(
            db, actor=actor, user_id=user_id, role=Role(role) if role in _ROLES else None,
            is_active={"deactivate": False, "activate": True}.get(action), reset_totp=action == "reset_totp",
            may_accept_costs={"costs_on": True, "costs_off": False}.get(action))
    except DomainError as exc:
        return _page(request, db, actor, user.org_id, error=exc, status_code=exc.status_code)
    return RedirectResponse(f"/users?org_id={user.org_id}", status_code=303)


@router.post("/users/org-reporting-duty/{org_id}")
def org_reporting_duty(org_id: Id, db: DbSession, actor: PageActor, bsig_in_scope: str = Form("")) -> Response:
    orgs_service.set_bsig_in_scope(db, actor=actor, org_id=org_id, in_scope=bsig_in_scope == "on")
    return RedirectResponse(f"/users?org_id={org_id}", status_code=303)


@router.post("/users/org-security/{org_id}")
def org_security(org_id: Id, db: DbSession, actor: PageActor, require_totp: str = Form("")) -> Response:
    orgs_service.set_require_totp(db, actor=actor, org_id=org_id, required=require_totp == "on")
    return RedirectResponse(f"/users?org_id={org_id}", status_code=303)
