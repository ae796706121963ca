"""Login, logout, language and the start page per persona."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kommcert.accounts import service as accounts_service
from kommcert.deps import SESSION_COOKIE, CurrentActor, DbSession, SettingsDep, client_ip, current_session
from kommcert.errors import DomainError
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import Organization
from kommcert.reports import service as reports_service
from kommcert.sharing.actor import Actor
from kommcert.web.auth import PageActor, safe_next
from kommcert.web.templating import render

router = APIRouter()


@router.get("/login")
def login_form(request: Request, actor: CurrentActor, next: str = "/") -> Response:  # noqa: A002
    if actor.is_authenticated:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next)})


@router.post("/login")
def login(
    request: Request, db: DbSession, settings: SettingsDep, email: str = Form(""),
    password: str = Form(""), next: str = Form("/"),  # noqa: A002
) -> Response:
    try:
        user = accounts_service.authenticate(
            db, email=email, password=password, ip=client_ip(request),
            max_failures=settings.login_max_failures,
            window=_minutes(settings.login_window_minutes),
        )
    except DomainError as exc:
        db.commit()  # keep the failed attempt for throttling and audit
        return render(request, "login.html", {"error": exc, "email": email, "next": safe_next(next)},
                      status_code=exc.status_code)
    secret, session = accounts_service.start_session(
        db, user=user, ip=client_ip(request), hours=settings.session_hours
    )
    target = safe_next(next) if session.mfa_passed else "/login/mfa?next=" + safe_next(next)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE, secret, max_age=settings.session_hours * 3600, httponly=True,
        secure=settings.secure_cookies, samesite="lax",
    )
    return response


@router.post("/logout")
def logout(request: Request, db: DbSession, actor: CurrentActor) -> Response:
    session = current_session(request)
    if session is not None:
        accounts_service.end_session(db, session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/")
def home(request: Request, db: DbSession, actor: PageActor) -> Response:
    org = orgs_service.get(db, actor.org_id)  # type: ignore[arg-type]
    reports = reports_service.list_reports(db, actor=actor, limit=10)
    return render(request, "home.html", {"org": org, "reports": reports, "home_kind": _home_kind(org.kind),
                                         **_whats_new(db, actor, org), **_open_incidents(db, actor, org),
                                         **_help_requests(db, actor, org)})


def _help_requests(db: DbSession, actor: Actor, org: Organization) -> dict[str, object]:
    """A provider's or the MIRT's start page: the help requests assigned to it (nothing else)."""
    from kommcert.orgs.models import OrgKind
    from kommcert.web import help_requests as help_pages

    if OrgKind(org.kind) not in (OrgKind.dienstleister, OrgKind.mirt):
        return {}
    return {"help_items": help_pages.start_list(db, actor, limit=20), **help_pages.LABELS}


def _open_incidents(db: DbSession, actor: Actor, org: Organization) -> dict[str, object]:
    """Open incidents the reader sees (a Kreis: its municipalities'), with "Vorfall melden" for
    municipalities; the CERTs have their queue."""
    from kommcert.incidents import service as incidents_service
    from kommcert.orgs.models import OrgKind

    kind = OrgKind(org.kind)
    if not (kind.is_municipal or kind.is_cert):
        return {}
    found = incidents_service.list_incidents(db, actor=actor, open_only=True, limit=20)
    _, names = incidents_service.names(db, org_ids=[i.owner_org_id for i in found])
    return {"open_incidents": found, "incident_orgs": names, "incident_home": "cert" if kind.is_cert else "municipal"}


def _whats_new(db: DbSession, actor: Actor, org: Organization) -> dict[str, object]:
    """What is new since the last visit (and this visit recorded): municipal and CERT readers get
    their area's news, an IT service provider its opted-in clients."""
    from kommcert.home import service as home_service
    from kommcert.orgs.models import OrgKind

    if actor.user_id is None:
        return {}
    since = home_service.visit(db, user_id=actor.user_id)
    kind = OrgKind(org.kind)
    if kind == OrgKind.it_dienstleister:
        return {"since": since, "clients": home_service.clients_for(db, actor=actor, since=since)}
    if kind.is_cert or kind.is_municipal:
        return {"since": since, "news": home_service.news_for(db, actor=actor, since=since, area_wide=kind.is_cert)}
    return {}


def _minutes(n: int):  # noqa: ANN202
    from datetime import timedelta

    return timedelta(minutes=n)


def _home_kind(kind: str) -> str:
    from kommcert.orgs.models import OrgKind

    kind = OrgKind(kind)
    if kind.is_cert:
        return "cert"
    if kind == OrgKind.dienstleister:
        return "provider"
    if kind == OrgKind.mirt:
        return "mirt"
    return "municipal"
