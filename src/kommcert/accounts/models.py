"""Users, login sessions and API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kommcert.db import Base, utcnow
from kommcert.orgs.models import Organization


class Role(StrEnum):
    admin = "admin"
    analyst = "analyst"
    member = "member"
    reader = "reader"


ROLE_LABELS_DE = {
    Role.admin: "Administrator/in",
    Role.analyst: "Analyst/in",
    Role.member: "Mitglied",
    Role.reader: "Nur lesen",
}


class TokenScope(StrEnum):
    read = "read"
    read_write = "read_write"
    # Service tokens for appliances only: the feeds and the scan set; ``scan`` also reports sightings.
    feed = "feed"
    scan = "scan"


TOKEN_SCOPE_LABELS_DE = {
    TokenScope.read: "nur lesen",
    TokenScope.read_write: "lesen und schreiben",
    TokenScope.feed: "nur Feeds und Scan-Liste",
    TokenScope.scan: "Feeds, Scan-Liste und Treffer melden",
}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column()
    locale: Mapped[str | None] = mapped_column(String(5))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    # Notifications (kommcert.notifications): "immediate" (one mail each) or "digest" (one mail a day).
    notification_mode: Mapped[str] = mapped_column(String(16), default="immediate", server_default="immediate")
    # May accept the costs of a help request for the organisation (its admins may anyway).
    may_accept_costs: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())

    org: Mapped[Organization] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class UserSession(Base):
    """A browser login. The cookie carries a random secret; only its SHA-256 is stored."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    # False until the second factor is given, where the user or the org requires one.
    mfa_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ip: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship()


class UserInvitation(Base):
    """A one-time link with which the owner of an account created by someone else sets its password.

    Only the SHA-256 of the link's secret is stored, so the creator never holds a working credential.
    """

    __tablename__ = "user_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and self.expires_at > now


class ApiToken(Base):
    """A bearer token. Shown once; stored as SHA-256 (it is 256 random bits, so no slow hash).

    A token belongs either to a person (``user_id``) or, as a service token for appliances, to an
    organisation (``org_id``, read-only): that one sees what the organisation sees, never what is
    addressed to a named person and never TLP:RED.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[TokenScope] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    # The address of that last use (written with last_used_at, at most once a minute).
    last_used_ip: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    org: Mapped[Organization | None] = relationship()

    @property
    def owner_org_id(self) -> int:
        return self.org_id if self.user is None else self.user.org_id  # type: ignore[return-value]

    @property
    def is_service(self) -> bool:
        return self.user_id is None

    @property
    def scope_label(self) -> str:
        return TOKEN_SCOPE_LABELS_DE[TokenScope(self.scope)]

    def is_usable(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now
