"""Use cases of accounts: users, password login, sessions, API tokens, and the request's actor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload

from kommcert.accounts import passwords
from kommcert.accounts.models import ApiToken, Role, TokenScope, User, UserSession
from kommcert.accounts.secrets import digest, new_api_token, new_secret
from kommcert.accounts.token_use import Note
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.db import utcnow
from kommcert.errors import AuthenticationFailed, InvalidInput, NotFound, PermissionDenied, Throttled
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import Organization, OrgKind
from kommcert.sharing.actor import Actor
from kommcert.sharing.tlp import TLP


def normalise_email(email: str) -> str:
    return email.strip().lower()


# An organisation's place in the tree and the clients whose consent it holds, by organisation id:
# callers that resolve many actors in a short time (the feeds) pass a dict they keep for a while.
OrgFacts = dict[int, tuple[tuple[int, ...], tuple[int, ...]]]


def actor_for(db: Session, user: User, *, token: ApiToken | None = None, facts: OrgFacts | None = None) -> Actor:
    org = user.org
    path, served = _org_facts(db, org, facts)
    return Actor(
        user_id=user.id,
        org_id=org.id,
        org_kind=OrgKind(org.kind),
        role=Role(user.role),
        org_path=path,
        token_scope=TokenScope(token.scope) if token is not None else None,
        token_id=token.id if token is not None else None,
        served_org_ids=served,
        peer_max_tlp=_peer_max_tlp(db, org),
    )


def _peer_max_tlp(db: Session, org: Organization) -> TLP | None:
    """A peer instance's ceiling (``federation.models.Peer``); CLEAR if its row is missing (the
    policy's safe default), None for every other kind (one query only for peers, which are few)."""
    if not OrgKind(org.kind).is_peer:
        return None
    from kommcert.federation.models import Peer

    found = db.scalar(select(Peer.max_tlp).where(Peer.org_id == org.id))
    return TLP(found) if found is not None else TLP.clear


def _org_facts(db: Session, org: Organization, facts: OrgFacts | None) -> tuple[tuple[int, ...], tuple[int, ...]]:
    known = facts.get(org.id) if facts is not None else None
    if known is None:
        known = (tuple(orgs_service.ancestor_ids(db, org.id)), _served(db, org))
        if facts is not None:
            facts[org.id] = known
    return known


def _served(db: Session, org: Organization) -> tuple[int, ...]:
    from kommcert.home import access

    return access.consented_clients(db, org.id, org.kind)


# --- users -------------------------------------------------------------------------------

def get_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound("Benutzer nicht gefunden.", "User not found.")
    return user


def get_user_by_email(db: Session, email: str) -> User | None:
    return db.scalar(select(User).where(User.email == normalise_email(email)))


def validate_password(password: str) -> None:
    if len(password) < passwords.MIN_LENGTH:
        raise InvalidInput(
            f"Das Passwort muss mindestens {passwords.MIN_LENGTH} Zeichen lang sein.",
            f"The password must be at least {passwords.MIN_LENGTH} characters long.",
        )


def can_manage_users_of(db: Session, actor: Actor, org_id: int) -> bool:
    """Admins manage the users of their organisation and of every organisation below it (a Kreis
    admin those of its Verbandsgemeinden and Gemeinden); CERT admins manage all."""
    return actor.can_write and orgs_service.administers(db, actor, org_id)


def create_user(
    db: Session, *, actor: Actor | None, org: Organization, email: str, name: str, role: Role,
    password: str | None,
) -> User:
    """``actor`` None means the operator's CLI or the demo loader, which act with full rights."""
    if actor is not None and not can_manage_users_of(db, actor, org.id):
        raise PermissionDenied()
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise InvalidInput("Ungültige E-Mail-Adresse.", "Invalid e-mail address.")
    if get_user_by_email(db, email) is not None:
        raise InvalidInput("Diese E-Mail-Adresse ist schon vergeben.", "This e-mail address is taken.")
    if password is not None:
        validate_password(password)
    user = User(
        org=org, email=email, name=name.strip() or email, role=Role(role),
        password_hash=passwords.hash_password(password) if password else None,
    )
    db.add(user)
    db.flush()
    audit_service.record(db, AuditEvent(
        events.USER_CREATED, actor_user_id=actor.user_id if actor else None, org_id=org.id,
        object_type="user", object_id=user.id, detail={"email": email, "role": str(role)},
    ))
    return user


def list_users(db: Session, *, actor: Actor, org_id: int) -> Sequence[User]:
    """Admins list the users of their subtree, CERT admins any org's; others learn nothing (404)."""
    if not orgs_service.administers(db, actor, org_id):
        raise NotFound()
    return db.scalars(select(User).where(User.org_id == org_id).order_by(User.name)).all()


def users_of(db: Session, *, org_id: int) -> Sequence[User]:
    """For the operator's CLI, which acts with full rights."""
    return db.scalars(select(User).where(User.org_id == org_id).order_by(User.email)).all()


def deactivate(db: Session, *, user: User) -> None:
    """For the operator's CLI: lock the account and end its sessions."""
    user.is_active = False
    db.execute(delete(UserSession).where(UserSession.user_id == user.id))
    audit_service.record(db, AuditEvent(events.USER_UPDATED, org_id=user.org_id, object_type="user",
                                        object_id=user.id, detail={"is_active": "False"}))
    db.flush()


def managed_user(db: Session, *, actor: Actor, user_id: int) -> User:
    """A user the actor administers; anyone else's is "not found"."""
    user = db.get(User, user_id)
    if user is None or not orgs_service.administers(db, actor, user.org_id):
        raise NotFound("Benutzer nicht gefunden.", "User not found.")
    return user


def update_user(db: Session, *, actor: Actor, user_id: int, name: str | None = None, role: Role | None = None,
                is_active: bool | None = None, reset_totp: bool = False, may_accept_costs: bool | None = None) -> User:
    user = managed_user(db, actor=actor, user_id=user_id)
    if not actor.can_write:
        raise PermissionDenied("Dieser Zugang darf nur lesen.", "This credential is read-only.")
    if user.id == actor.user_id and (role not in (None, Role.admin) or is_active is False):
        raise InvalidInput("Sie können sich nicht selbst die Administration entziehen oder sperren.",
                           "You cannot remove your own administration rights or deactivate yourself.")
    changes: dict[str, object] = {}
    if name is not None and name.strip() and name.strip() != user.name:
        user.name = changes["name"] = name.strip()[:200]
    if role is not None and role != user.role:
        user.role = changes["role"] = Role(role)
    if is_active is not None and is_active != user.is_active:
        user.is_active = changes["is_active"] = is_active
        if not is_active:  # a deactivated user is logged out everywhere at once
            db.execute(delete(UserSession).where(UserSession.user_id == user.id))
    if reset_totp:
        user.totp_enabled, user.totp_secret, user.totp_last_step = False, None, None
        changes["totp_reset"] = True
    if may_accept_costs is not None and may_accept_costs != user.may_accept_costs:
        # The right to accept costs for help (``helprequests``) is kept by the organisation's own admins.
        if not (actor.is_admin and actor.org_id == user.org_id):
            raise PermissionDenied("Das Recht, Kosten zu übernehmen, vergibt die Administration der eigenen "
                                   "Organisation.", "The right to accept costs is given by the organisation's "
                                   "own administrators.")
        user.may_accept_costs = changes["may_accept_costs"] = may_accept_costs
    db.flush()
    if changes:
        audit_service.record(db, AuditEvent(events.USER_UPDATED, actor_user_id=actor.user_id, org_id=user.org_id,
                                            object_type="user", object_id=user.id,
                                            detail={k: str(v) for k, v in changes.items()}))
    return user


def change_password(db: Session, *, user: User, old: str, new: str, ip: str | None,
                    keep_session_id: int | None = None) -> int:
    """Set a new password and end every other session of the user (someone who knew the old
    password may be logged in elsewhere). API tokens stay: they are separate credentials, listed
    and revoked on the token page. Returns the number of sessions ended."""
    if not passwords.verify_password(user.password_hash, old):
        audit_service.record(db, AuditEvent(events.LOGIN_FAILED, org_id=user.org_id, subject=user.email, ip=ip,
                                            detail={"during": "password_change"}))
        raise InvalidInput("Das bisherige Passwort stimmt nicht.", "The current password is not correct.")
    validate_password(new)
    user.password_hash = passwords.hash_password(new)
    ended = end_other_sessions(db, user_id=user.id, keep_session_id=keep_session_id)
    audit_service.record(db, AuditEvent(events.USER_UPDATED, actor_user_id=user.id, org_id=user.org_id,
                                        object_type="user", object_id=user.id, ip=ip,
                                        detail={"password": "changed", "sessions_ended": ended}))
    db.flush()
    return ended


def end_other_sessions(db: Session, *, user_id: int, keep_session_id: int | None = None) -> int:
    stmt = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_session_id is not None:
        stmt = stmt.where(UserSession.id != keep_session_id)
    return db.execute(stmt).rowcount or 0


# --- login -------------------------------------------------------------------------------

KNOWN_ADDRESS_DAYS = 90


def _check_throttle(db: Session, *, email: str, ip: str | None, max_failures: int, window: timedelta) -> None:
    """Hard limits are per (address, account) and per address, so a stranger elsewhere cannot lock
    anyone out. The limit per account across all addresses (a distributed guess) stops only addresses
    from which the account has never logged in: its owner at the usual desk still gets in."""
    since = utcnow() - window

    def failures(**where: str | None) -> int:
        return audit_service.count_since(db, action=events.LOGIN_FAILED, since=since, **where)

    if ip and (failures(subject=email, ip=ip) >= max_failures or failures(ip=ip) >= max_failures * 4):
        raise Throttled()
    if failures(subject=email) >= max_failures * 4 and not (ip and audit_service.count_since(
            db, action=events.LOGIN, since=utcnow() - timedelta(days=KNOWN_ADDRESS_DAYS), subject=email, ip=ip)):
        raise Throttled()


def authenticate(
    db: Session, *, email: str, password: str, ip: str | None, max_failures: int = 5,
    window: timedelta = timedelta(minutes=15),
) -> User:
    """Check a password. Unknown users cost one argon2 verification too and get the same message.

    Failures are written to the audit log and counted there for throttling; the caller must
    commit even when this raises, so the failure is kept.
    """
    email = normalise_email(email)
    _check_throttle(db, email=email, ip=ip, max_failures=max_failures, window=window)
    user = get_user_by_email(db, email)
    ok = passwords.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        audit_service.record(db, AuditEvent(
            events.LOGIN_FAILED, actor_user_id=None, org_id=user.org_id if user else None,
            subject=email, ip=ip,
        ))
        raise AuthenticationFailed(
            "E-Mail-Adresse oder Passwort ist falsch.", "Wrong e-mail address or password."
        )
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def mfa_required(user: User) -> bool:
    return bool(user.totp_enabled or user.org.require_totp)


def start_session(db: Session, *, user: User, ip: str | None, hours: int) -> tuple[str, UserSession]:
    """Create a browser session; returns the cookie secret (only its digest is stored)."""
    secret = new_secret()
    session = UserSession(
        user=user, secret_hash=digest(secret), csrf_token=new_secret(24),
        mfa_passed=not mfa_required(user), expires_at=utcnow() + timedelta(hours=hours), ip=ip,
    )
    db.add(session)
    if session.mfa_passed:
        _record_login(db, user, ip)
    db.flush()
    return secret, session


def _record_login(db: Session, user: User, ip: str | None) -> None:
    user.last_login_at = utcnow()
    audit_service.record(db, AuditEvent(
        events.LOGIN, actor_user_id=user.id, org_id=user.org_id, subject=user.email, ip=ip
    ))


def resolve_session(db: Session, secret: str | None) -> UserSession | None:
    if not secret:
        return None
    session = db.scalar(select(UserSession).where(UserSession.secret_hash == digest(secret)))
    if session is None or session.expires_at <= utcnow() or not session.user.is_active:
        return None
    return session


def end_session(db: Session, session: UserSession) -> None:
    audit_service.record(db, AuditEvent(
        events.LOGOUT, actor_user_id=session.user_id, org_id=session.user.org_id
    ))
    db.delete(session)
    db.flush()


# --- API tokens --------------------------------------------------------------------------

def create_token(
    db: Session, *, actor: Actor | None, user: User, name: str, scope: TokenScope,
    expires_at: datetime | None,
) -> tuple[str, ApiToken]:
    """Returns the token text, which is shown once and never stored. A token is its owner's
    credential: ``actor`` must be ``user`` (None: the personas and callers that proved ownership,
    see :func:`create_token_with_password`)."""
    if actor is not None and actor.user_id != user.id:
        refuse_foreign_token(db, actor=actor, user_id=user.id)
    if actor is not None and not actor.can_write:
        raise PermissionDenied("Dieser Zugang darf nur lesen.", "This credential is read-only.")
    if TokenScope(scope) not in PERSONAL_SCOPES:
        raise InvalidInput("Persönliche Tokens dürfen lesen oder lesen und schreiben; Feeds und Scanner bekommen "
                           "ein Organisations-Token.", "Personal tokens read or read and write; feeds and "
                           "scanners get an organisation token.")
    name, text, prefix = _new_token_text(name, expires_at)
    token = ApiToken(
        user=user, name=name, prefix=prefix, token_hash=digest(text), scope=TokenScope(scope),
        expires_at=expires_at,
    )
    db.add(token)
    db.flush()
    audit_service.record(db, AuditEvent(
        events.TOKEN_CREATED, actor_user_id=actor.user_id if actor else None, org_id=user.org_id,
        object_type="api_token", object_id=token.id,
        detail={"name": name, "scope": str(scope), "prefix": prefix, "for_user": user.id},
    ))
    return text, token


def refuse_foreign_token(db: Session, *, actor: Actor, user_id: int | None) -> None:
    """Nobody obtains another person's credential, administrators included: audited 403, the same
    for every other id (it tells nothing about whether the user exists)."""
    audit_service.record_kept(db, AuditEvent(
        events.TOKEN_REFUSED, actor_user_id=actor.user_id, org_id=actor.org_id, object_type="user",
        object_id=user_id, detail={"reason": "token_for_other_user"},
    ))
    raise PermissionDenied("Ein Token kann nur für das eigene Konto angelegt werden.",
                           "A token can only be created for one's own account.")


def create_own_token(
    db: Session, *, actor: Actor, name: str, scope: TokenScope, expires_at: datetime | None,
    for_user_id: int | None = None,
) -> tuple[str, ApiToken]:
    """The API's and the page's way: a token for the caller. A ``for_user_id`` of someone else is refused."""
    if actor.user_id is None or (for_user_id is not None and for_user_id != actor.user_id):
        refuse_foreign_token(db, actor=actor, user_id=for_user_id)
    return create_token(db, actor=actor, user=get_user(db, actor.user_id), name=name,  # type: ignore[arg-type]
                        scope=scope, expires_at=expires_at)


def create_token_with_password(
    db: Session, *, email: str, password: str, name: str, scope: TokenScope, expires_at: datetime | None,
) -> tuple[str, ApiToken]:
    """The CLI's way: whoever runs it proves to be the owner with the owner's password (throttled
    and audited like a login)."""
    user = authenticate(db, email=email, password=password, ip=None)
    return create_token(db, actor=actor_for(db, user), user=user, name=name, scope=scope, expires_at=expires_at)


PERSONAL_SCOPES = (TokenScope.read, TokenScope.read_write)
SERVICE_SCOPES = (TokenScope.feed, TokenScope.scan, TokenScope.read)
SIGHTINGS_PATH = "/api/v1/sightings"


def token_permits(token: ApiToken, *, method: str, path: str) -> bool:
    """Whether the token's scope covers this request. A ``feed`` token fetches the feeds and the scan
    set only; a ``scan`` token also reports the scanner's sightings. Other scopes cover the API (what
    they may change is the actor's ``can_write``). A peer instance's token only reads here."""
    scope = TokenScope(token.scope)
    if token.user is not None and OrgKind(token.user.org.kind).is_peer:
        # A peer instance writes only over TAXII (its sightings, marked as received); elsewhere it reads.
        return method in ("GET", "HEAD")
    if scope not in (TokenScope.feed, TokenScope.scan):
        return True
    if method in ("GET", "HEAD") and path.startswith("/feeds/"):
        return True
    return scope == TokenScope.scan and method == "POST" and path.rstrip("/") == SIGHTINGS_PATH


def resolve_token(db: Session, text: str, *, ip: str | None = None, note_use: Note | None = None) -> ApiToken | None:
    # The person and organisation in the same query: every API request and feed poll needs them.
    token = db.scalar(select(ApiToken).where(ApiToken.token_hash == digest(text)).options(
        joinedload(ApiToken.user).joinedload(User.org), joinedload(ApiToken.org)))
    now = utcnow()
    if token is None or not token.is_usable(now) or (token.user is not None and not token.user.is_active):
        audit_service.record(db, AuditEvent(
            events.TOKEN_REJECTED, org_id=token.owner_org_id if token else None,
            object_type="api_token", object_id=token.id if token else None, ip=ip,
            detail={"prefix": text[:11]},
        ))
        return None
    # Only touch the row once a minute: SIEMs poll often and each write costs. The address goes
    # with the time, so "last used from" is as fresh as "last used" and costs no extra write.
    # ``note_use`` (the feeds) keeps the write out of the request (``accounts.token_use``).
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        if note_use is not None:
            note_use(token.id, now, ip)
        else:
            token.last_used_at = now
            token.last_used_ip = ip[:45] if ip else None
    return token


def recheck_token(db: Session, token_id: int, *, ip: str | None = None, note_use: Note | None = None) -> bool:
    """Whether a token resolved earlier is still usable (not revoked, not expired, its person still
    active), in one small query; touches its last use as :func:`resolve_token` does. For callers that
    keep the token's actor between requests (the feeds): a revocation takes effect at once. A
    ``False`` sends the caller back to :func:`resolve_token`, which records the rejection."""
    row = db.execute(select(ApiToken.revoked_at, ApiToken.expires_at, ApiToken.last_used_at, User.is_active)
                     .outerjoin(User, User.id == ApiToken.user_id).where(ApiToken.id == token_id)).first()
    now = utcnow()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now) \
            or row.is_active is False:
        return False
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        if note_use is not None:
            note_use(token_id, now, ip)
            return True
        db.execute(update(ApiToken).where(ApiToken.id == token_id)
                   .values(last_used_at=now, last_used_ip=ip[:45] if ip else None))
    return True


def actor_for_token(db: Session, token: ApiToken, *, facts: OrgFacts | None = None) -> Actor:
    """A person's token acts as that person (within its scope); a service token as its
    organisation without a person: no named-person targets, no TLP:RED. It only reads, except a
    ``scan`` token, which reports sightings (``token_permits`` keeps it to that one write)."""
    if token.user is not None:
        return actor_for(db, token.user, token=token, facts=facts)
    org = token.org
    scope = TokenScope.read_write if token.scope == TokenScope.scan else TokenScope.read
    path, served = _org_facts(db, org, facts)  # type: ignore[arg-type]
    return Actor(user_id=None, org_id=org.id, org_kind=OrgKind(org.kind), role=None,  # type: ignore[union-attr]
                 org_path=path, token_scope=scope, token_id=token.id, service=True, served_org_ids=served,
                 peer_max_tlp=_peer_max_tlp(db, org))  # type: ignore[arg-type]


def _new_token_text(name: str, expires_at: datetime | None) -> tuple[str, str, str]:
    """The checked name, a new token's text (shown once) and its prefix."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("Der Name des Tokens fehlt oder ist zu lang.", "Token name missing or too long.")
    if expires_at is not None and expires_at <= utcnow():
        raise InvalidInput("Das Ablaufdatum liegt in der Vergangenheit.", "The expiry lies in the past.")
    text, prefix = new_api_token()
    return name, text, prefix


def create_service_token(db: Session, *, actor: Actor, name: str, expires_at: datetime | None,
                         scope: TokenScope = TokenScope.read, org_id: int | None = None) -> tuple[str, ApiToken]:
    """A token of an organisation for appliances (firewalls, DNS, SIEM, the scanner): it belongs to
    no person, so it outlives staff changes and never carries anyone's personal access. The
    administrators of the organisation and of the organisations above it create one; a CERT admin
    only for the CERT itself (a CERT does not take a Gemeinde's view)."""
    org_id = org_id or actor.org_id
    if actor.user_id is None or not actor.is_admin or not actor.can_write or org_id is None:
        raise PermissionDenied("Nur Administratoren der Organisation legen Organisations-Tokens an.",
                               "Only administrators of the organisation create its service tokens.")
    if actor.org_id not in orgs_service.ancestor_ids(db, org_id):
        if orgs_service.administers(db, actor, org_id):
            raise PermissionDenied("Organisations-Tokens legen nur die Organisation selbst und die übergeordneten "
                                   "Verwaltungen an.", "Only the organisation and the administrations above it "
                                   "create its service tokens.")
        raise NotFound("Organisation nicht gefunden.", "Organisation not found.")
    if TokenScope(scope) not in SERVICE_SCOPES:
        raise InvalidInput("Ein Organisations-Token darf Feeds abrufen, scannen oder lesen, aber nichts ändern.",
                           "A service token may fetch feeds, scan or read, but change nothing.")
    name, text, prefix = _new_token_text(name, expires_at)
    token = ApiToken(org_id=org_id, created_by_id=actor.user_id, name=name, prefix=prefix,
                     token_hash=digest(text), scope=TokenScope(scope), expires_at=expires_at)
    db.add(token)
    db.flush()
    audit_service.record(db, AuditEvent(
        events.TOKEN_CREATED, actor_user_id=actor.user_id, org_id=org_id, object_type="api_token",
        object_id=token.id, detail={"name": name, "scope": str(scope), "prefix": prefix, "service": True},
    ))
    return text, token


def service_tokens(db: Session, *, actor: Actor, org_id: int | None = None) -> Sequence[ApiToken]:
    """An organisation's service tokens, for the administrators of it and of the organisations
    above it (and the CERT admins). The own organisation's list is empty for everyone else; another
    organisation's is "not found"."""
    if org_id is None or org_id == actor.org_id:
        if actor.user_id is None or not actor.is_admin:
            return []
        org_id = actor.org_id
    elif actor.user_id is None or not orgs_service.administers(db, actor, org_id):
        raise NotFound("Organisation nicht gefunden.", "Organisation not found.")
    return db.scalars(select(ApiToken).where(ApiToken.org_id == org_id, ApiToken.user_id.is_(None))
                      .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()


def tokens_of(db: Session, *, user_id: int) -> Sequence[ApiToken]:
    return db.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)).all()


def _may_manage_token(db: Session, actor: Actor, token: ApiToken) -> bool:
    """Own tokens; else the administrators of the token's organisation, of those above it, and CERTs."""
    if actor.user_id is None:  # a service token manages nothing
        return False
    if token.user_id == actor.user_id:
        return True
    return orgs_service.administers(db, actor, token.owner_org_id)


def token_for(db: Session, *, actor: Actor, token_id: int) -> ApiToken:
    """One of the actor's own tokens, of a user the actor administers, or of the actor's organisation
    (administrators); else "not found"."""
    token = db.get(ApiToken, token_id)
    if token is None or not _may_manage_token(db, actor, token):
        raise NotFound("Token nicht gefunden.", "Token not found.")
    return token


def list_tokens(db: Session, *, actor: Actor, user: User) -> Sequence[ApiToken]:
    if actor.user_id != user.id and not orgs_service.administers(db, actor, user.org_id):
        raise NotFound("Benutzer nicht gefunden.", "User not found.")
    return db.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ).all()


def revoke_token(db: Session, *, actor: Actor | None, token: ApiToken) -> None:
    if actor is not None and not (_may_manage_token(db, actor, token) and (
            token.user_id == actor.user_id or actor.can_write)):
        raise PermissionDenied()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit_service.record(db, AuditEvent(
            events.TOKEN_REVOKED, actor_user_id=actor.user_id if actor else None,
            org_id=token.owner_org_id, object_type="api_token", object_id=token.id,
        ))
    db.flush()
