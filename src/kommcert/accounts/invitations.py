"""Accounts created by someone else: the owner sets the password through a one-time link.

The creator (an administrator, the operator's CLI) never sets or learns a password. The link's
secret is random; only its SHA-256 is stored; it works once and for :data:`INVITATION_DAYS` days.
An account created in another organisation is told to that organisation's administrators.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import Role, User, UserInvitation
from kommcert.accounts.secrets import digest, new_secret
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.mail import service as mail_service
from kommcert.orgs.models import Organization
from kommcert.sharing.actor import Actor

INVITATION_DAYS = 7
PATH = "/invitation"


def invite_user(
    db: Session, *, actor: Actor | None, org: Organization, email: str, name: str, role: Role, base_url: str,
) -> tuple[User, str]:
    """Create an account without a password and invite its owner. Returns the user and the link,
    which the caller may show once (it is also mailed to the owner)."""
    user = accounts_service.create_user(db, actor=actor, org=org, email=email, name=name, role=role, password=None)
    link = issue_invitation(db, actor=actor, user=user, base_url=base_url)
    if actor is not None and actor.org_id != org.id:
        _tell_org_admins(db, actor=actor, user=user, base_url=base_url)
    return user, link


def reinvite(db: Session, *, actor: Actor | None, user_id: int, base_url: str) -> tuple[User, str]:
    """A new link for an account whose owner has not set a password yet (the old link stops working).
    An account that has a password gets none: the link would let the administrator take it over."""
    user = accounts_service.managed_user(db, actor=actor, user_id=user_id) if actor else accounts_service.get_user(
        db, user_id)
    if actor is not None and not actor.can_write:
        raise PermissionDenied("Dieser Zugang darf nur lesen.", "This credential is read-only.")
    if user.password_hash is not None:
        raise InvalidInput("Dieses Konto hat schon ein Passwort; eine Einladung gibt es nur für neue Konten.",
                           "This account already has a password; invitations are for new accounts only.")
    return user, issue_invitation(db, actor=actor, user=user, base_url=base_url)


def issue_invitation(db: Session, *, actor: Actor | None, user: User, base_url: str) -> str:
    secret = new_secret()
    db.execute(delete(UserInvitation).where(UserInvitation.user_id == user.id, UserInvitation.used_at.is_(None)))
    invitation = UserInvitation(user=user, token_hash=digest(secret), created_by_id=actor.user_id if actor else None,
                                expires_at=utcnow() + timedelta(days=INVITATION_DAYS))
    db.add(invitation)
    db.flush()
    link = f"{base_url.rstrip('/')}{PATH}?token={secret}"
    mail_service.queue_mail(db, to=[user.email], subject="Ihr Zugang zu kommcert / Your kommcert account", text=(
        f"Guten Tag {user.name},\n\nfür Sie wurde ein Zugang bei kommcert ({user.org.name}) angelegt. "
        f"Bitte legen Sie innerhalb von {INVITATION_DAYS} Tagen Ihr Passwort fest:\n\n{link}\n\n"
        "Der Link gilt nur einmal. Wenn Sie keinen Zugang erwartet haben, melden Sie dies bitte Ihrem CERT.\n\n"
        f"--\n\nAn account at kommcert ({user.org.name}) was created for you. Please set your password within "
        f"{INVITATION_DAYS} days with the link above. It works once."))
    audit_service.record(db, AuditEvent(
        events.INVITATION_SENT, actor_user_id=actor.user_id if actor else None, org_id=user.org_id,
        object_type="user", object_id=user.id, detail={"expires_at": invitation.expires_at.isoformat()},
    ))
    return link


def _tell_org_admins(db: Session, *, actor: Actor, user: User, base_url: str) -> None:
    creator_org = db.get(Organization, actor.org_id) if actor.org_id else None
    audit_service.record(db, AuditEvent(
        events.USER_CREATED_ELSEWHERE, actor_user_id=actor.user_id, org_id=user.org_id, object_type="user",
        object_id=user.id, detail={"by_org_id": actor.org_id, "email": user.email, "role": str(user.role)},
    ))
    admins = db.scalars(select(User.email).where(
        User.org_id == user.org_id, User.role == Role.admin, User.is_active.is_(True), User.id != user.id)).all()
    if not admins:
        return
    by = creator_org.name if creator_org else "?"
    mail_service.queue_mail(db, to=list(admins), subject=f"Neues Konto in Ihrer Organisation: {user.email}", text=(
        f"{by} hat in Ihrer Organisation {user.org.name} das Konto {user.email} ({user.name}, Rolle {user.role}) "
        f"angelegt. Es wird erst nutzbar, wenn die Person selbst ihr Passwort festlegt. Sie sehen es unter "
        f"{base_url.rstrip('/')}/users; war es nicht abgesprochen, sperren Sie es dort.\n\n--\n\n"
        f"{by} created the account {user.email} ({user.name}, role {user.role}) in your organisation "
        f"{user.org.name}. It becomes usable only when its owner sets a password. If this was not agreed, "
        "deactivate it on the users page."))


def open_invitation(db: Session, *, token: str) -> UserInvitation:
    invitation = db.scalar(select(UserInvitation).where(UserInvitation.token_hash == digest(token))) if token else None
    if invitation is None or not invitation.is_usable(utcnow()) or not invitation.user.is_active:
        raise NotFound("Diese Einladung ist ungültig, abgelaufen oder schon benutzt.",
                       "This invitation is invalid, expired or already used.")
    return invitation


def accept_invitation(db: Session, *, token: str, password: str, repeat: str, ip: str | None) -> User:
    """The owner sets the password; the link is used up. The account can log in from now on."""
    invitation = open_invitation(db, token=token)
    if password != repeat:
        raise InvalidInput("Die beiden Passwörter stimmen nicht überein.", "The passwords differ.")
    accounts_service.validate_password(password)
    user = invitation.user
    user.password_hash = accounts_service.passwords.hash_password(password)
    invitation.used_at = utcnow()
    accounts_service.end_other_sessions(db, user_id=user.id)
    audit_service.record(db, AuditEvent(
        events.INVITATION_ACCEPTED, actor_user_id=user.id, org_id=user.org_id, object_type="user",
        object_id=user.id, subject=user.email, ip=ip,
    ))
    db.flush()
    return user
