"""Own account: password, second factor (TOTP), and the login step that asks for the code."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kommcert.accounts import invitations, totp
from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import ROLE_LABELS_DE, Role
from kommcert.deps import CurrentActor, DbSession, client_ip, current_session
from kommcert.errors import DomainError
from kommcert.notifications import service as notifications_service
from kommcert.notifications.models import MODE_LABELS_DE
from kommcert.web.auth import LoginRequired, PageActor, safe_next
from kommcert.web.templating import render

router = APIRouter()


def _pending_session(request: Request):  # noqa: ANN202
    session = current_session(request)
    if session is None:
        raise LoginRequired("/login")
    return session


@router.get("/login/mfa")
def mfa_form(request: Request, db: DbSession, actor: CurrentActor, next: str = "/") -> Response:  # noqa: A002
    if actor.is_authenticated:
        return RedirectResponse(safe_next(next), status_code=303)
    session = _pending_session(request)
    ctx = {"next": safe_next(next), "setup": not session.user.totp_enabled}
    if ctx["setup"]:  # the org requires a second factor the user has not set up yet
        secret = totp.begin_setup(db, user=session.user)
        ctx.update(secret=secret, qr=totp.qr_svg(totp.provisioning_uri(session.user)))
    return render(request, "account/mfa.html", ctx)


@router.post("/login/mfa")
def mfa_submit(request: Request, db: DbSession, actor: CurrentActor, code: str = Form(""),
               next: str = Form("/")) -> Response:  # noqa: A002
    session = _pending_session(request)
    user = session.user
    try:
        if user.totp_enabled:
            totp.verify(db, user=user, code=code, ip=client_ip(request))
        else:
            totp.confirm_setup(db, user=user, code=code, ip=client_ip(request))
    except DomainError as exc:
        db.commit()  # keep the failure for throttling and audit
        ctx = {"next": safe_next(next), "setup": not user.totp_enabled, "error": exc}
        if ctx["setup"]:
            ctx.update(secret=user.totp_secret, qr=totp.qr_svg(totp.provisioning_uri(user)))
        return render(request, "account/mfa.html", ctx, status_code=exc.status_code)
    totp.pass_session(db, session, ip=client_ip(request))
    return RedirectResponse(safe_next(next), status_code=303)


def _account_page(request: Request, user, status_code: int = 200, **extra: object) -> Response:  # noqa: ANN001
    return render(request, "account/index.html", {"user": user, "role_label": ROLE_LABELS_DE[Role(user.role)],
                                                  "notification_modes": list(MODE_LABELS_DE.items()),
                                                  **extra}, status_code=status_code)


@router.get("/invitation")
def invitation_form(request: Request, db: DbSession, token: str = "") -> Response:
    """The one-time link of a new account: its owner sets the password (no login needed)."""
    try:
        invitation = invitations.open_invitation(db, token=token)
    except DomainError as exc:
        return render(request, "account/invitation.html", {"error": exc, "token": ""}, status_code=exc.status_code)
    return render(request, "account/invitation.html", {"token": token, "user": invitation.user})


@router.post("/invitation")
def invitation_accept(request: Request, db: DbSession, token: str = Form(""), password: str = Form(""),
                      repeat: str = Form("")) -> Response:
    try:
        invitations.accept_invitation(db, token=token, password=password, repeat=repeat, ip=client_ip(request))
    except DomainError as exc:
        ctx: dict[str, object] = {"error": exc, "token": ""}
        if exc.status_code != 404:
            ctx.update(token=token, user=invitations.open_invitation(db, token=token).user)
        return render(request, "account/invitation.html", ctx, status_code=exc.status_code)
    return RedirectResponse("/login?invited=1", status_code=303)


@router.get("/account")
def account(request: Request, db: DbSession, actor: PageActor) -> Response:
    return _account_page(request, accounts_service.get_user(db, actor.user_id))  # type: ignore[arg-type]


@router.post("/account/password")
def change_password(request: Request, db: DbSession, actor: PageActor, old: str = Form(""),
                    new: str = Form(""), repeat: str = Form("")) -> Response:
    user = accounts_service.get_user(db, actor.user_id)  # type: ignore[arg-type]
    try:
        if new != repeat:
            raise DomainError("Die beiden neuen Passwörter stimmen nicht überein.", "The new passwords differ.")
        session = current_session(request)
        accounts_service.change_password(db, user=user, old=old, new=new, ip=client_ip(request),
                                         keep_session_id=session.id if session is not None else None)
    except DomainError as exc:
        db.commit()
        return _account_page(request, user, 422, error=exc)
    return _account_page(request, user, notice="Das Passwort wurde geändert. Alle anderen Anmeldungen sind beendet; "
                                               "API-Tokens bleiben gültig (Seite „API-Tokens“).")


@router.post("/account/notifications")
def change_notification_mode(request: Request, db: DbSession, actor: PageActor, mode: str = Form("")) -> Response:
    """Every notification at once, or one digest a day."""
    try:
        user = notifications_service.set_mode(db, actor=actor, mode=mode)
    except DomainError as exc:
        user = accounts_service.get_user(db, actor.user_id)  # type: ignore[arg-type]
        return _account_page(request, user, exc.status_code, error=exc)
    return _account_page(request, user, notice="Die Einstellung für Benachrichtigungen wurde gespeichert.")


@router.get("/account/totp")
def totp_setup(request: Request, db: DbSession, actor: PageActor) -> Response:
    user = accounts_service.get_user(db, actor.user_id)  # type: ignore[arg-type]
    if user.totp_enabled:
        return RedirectResponse("/account", status_code=303)
    secret = totp.begin_setup(db, user=user)
    return render(request, "account/totp.html", {"secret": secret, "qr": totp.qr_svg(totp.provisioning_uri(user))})


@router.post("/account/totp")
def totp_confirm(request: Request, db: DbSession, actor: PageActor, code: str = Form("")) -> Response:
    user = accounts_service.get_user(db, actor.user_id)  # type: ignore[arg-type]
    try:
        totp.confirm_setup(db, user=user, code=code, ip=client_ip(request))
    except DomainError as exc:
        db.commit()
        return render(request, "account/totp.html", {"secret": user.totp_secret, "error": exc,
                                                     "qr": totp.qr_svg(totp.provisioning_uri(user))}, 422)
    return RedirectResponse("/account", status_code=303)
