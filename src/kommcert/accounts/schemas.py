from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kommcert.accounts.models import Role, TokenScope
from kommcert.validation import Id, NonBlank


class UserCreate(BaseModel):
    org_id: Id
    email: str = Field(min_length=3, max_length=254)
    name: NonBlank = Field(max_length=200)
    role: Role = Role.member


class UserUpdate(BaseModel):
    name: NonBlank | None = Field(None, max_length=200)
    role: Role | None = None
    is_active: bool | None = None
    reset_totp: bool = False
    may_accept_costs: bool | None = None  # the right to accept costs for help (own organisation's admins)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org_id: int
    email: str
    name: str
    role: Role
    is_active: bool
    totp_enabled: bool
    created_at: datetime
    last_login_at: datetime | None
    may_accept_costs: bool = False


class UserCreated(UserRead):
    invitation_url: str = Field(description="Shown once; also mailed to the user. The account can log in only "
                                            "after its owner has set a password with this one-time link.")


class TokenCreate(BaseModel):
    name: NonBlank = Field(max_length=100)
    scope: TokenScope = TokenScope.read
    expires_at: datetime | None = None
    user_id: Id | None = Field(None, description="Only the caller's own id: a token is created for its owner "
                                                  "only; anyone else's id is refused with 403.")


class ServiceTokenCreate(BaseModel):
    name: NonBlank = Field(max_length=100)
    scope: TokenScope = Field(TokenScope.read, description="'feed': the feeds and the scan set only; 'scan': "
                                                           "also report sightings (kommcert scan --report); "
                                                           "'read': the whole read API. Never 'read_write'.")
    expires_at: datetime | None = None
    org_id: Id | None = Field(None, description="The organisation; default the caller's. Administrators of an "
                                                "organisation above it may create its tokens too.")


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int | None = Field(description="The owner; empty for a service token of an organisation.")
    org_id: int | None = Field(None, description="For a service token: its organisation.")
    name: str
    prefix: str
    scope: TokenScope
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    last_used_ip: str | None = Field(None, description="The address of the last use (updated at most once a "
                                                        "minute, with last_used_at).")


class TokenCreated(TokenRead):
    token: str = Field(description="Shown once. Send it as 'Authorization: Bearer <token>'.")


class OrgSecurity(BaseModel):
    require_totp: bool


class OrgReportingDuty(BaseModel):
    """Whether the organisation is bound by the reporting duty of § 32 BSIG (deadlines of its incidents)."""

    bsig_in_scope: bool
