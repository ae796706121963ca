"""Who is asking: a user of an organisation (via session or token), or nobody."""

from __future__ import annotations

from dataclasses import dataclass, field

from kommcert.accounts.models import Role, TokenScope
from kommcert.orgs.models import OrgKind
from kommcert.sharing.tlp import TLP


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int | None = None
    org_id: int | None = None
    org_kind: OrgKind | None = None
    role: Role | None = None
    # The actor's organisation and all its ancestors, nearest first.
    org_path: tuple[int, ...] = field(default=())
    # None for a browser session (full rights of the role), else the token's scope.
    token_scope: TokenScope | None = None
    token_id: int | None = None
    # An organisation's service token (appliances): no person, so nothing addressed to a named
    # person and no TLP:RED; read-only.
    service: bool = False
    # For an IT service provider: the municipalities it serves (``org_serves``) that allowed it to
    # see their sightings (``home.models.ProviderAccess``). Empty for everyone else.
    served_org_ids: tuple[int, ...] = field(default=())
    # For a peer (another kommcert instance, ``OrgKind.peer``): the highest TLP it may receive
    # (``federation.models.Peer.max_tlp``; CLEAR when unknown). Ignored for every other kind.
    peer_max_tlp: TLP | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None or (self.service and self.org_id is not None)

    @property
    def is_cert(self) -> bool:
        return self.org_kind is not None and OrgKind(self.org_kind).is_cert

    @property
    def is_peer(self) -> bool:
        return self.org_kind is not None and OrgKind(self.org_kind).is_peer

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_cert_admin(self) -> bool:
        return self.is_cert and self.is_admin

    @property
    def can_write(self) -> bool:
        """Whether the credential (not the object) allows changes at all."""
        if not self.is_authenticated or self.role == Role.reader:
            return False
        return self.token_scope in (None, TokenScope.read_write)


ANONYMOUS = Actor()
