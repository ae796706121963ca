"""Who may see and change an organisation's inventory.

Seeing is the sharing policy on the ``Inventory`` row (AMBER+STRICT, ``upward``; the keeping IT service
provider is addressed without subtree). Before the first line there is no row: :func:`may_see_missing`
gives the answer the policy gives for a new inventory without an audience, so "no inventory yet" and
"not yours to see" look alike to an outsider; ``tests/inventory/test_access.py`` holds the two equal.

Changing is for the owner organisation's writers and, while it still serves the organisation, the
writers of the IT service provider its administrators named as keeper.
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from kommcert.inventory.models import Inventory
from kommcert.orgs.models import OrgAncestry, org_serves
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor


def may_see_missing(db: Session, actor: Actor, org_id: int) -> bool:
    """The policy's answer for an inventory of ``org_id`` not written yet: the organisation itself, the
    organisations above it and the CERTs."""
    if not actor.is_authenticated or actor.org_id is None:
        return False
    if actor.org_id == org_id or actor.is_cert:
        return True
    return bool(db.scalar(select(exists().where(OrgAncestry.org_id == org_id,
                                                OrgAncestry.ancestor_id == actor.org_id))))


def serves(db: Session, provider_id: int, client_id: int) -> bool:
    return bool(db.scalar(select(exists().where(org_serves.c.provider_id == provider_id,
                                                org_serves.c.client_id == client_id))))


def may_edit(db: Session, actor: Actor, inventory: Inventory) -> bool:
    if not actor.can_write or actor.org_id is None:
        return False
    if actor.org_id == inventory.owner_org_id:
        return True
    return (inventory.managed_by_org_id == actor.org_id and serves(db, actor.org_id, inventory.owner_org_id)
            and policy.can(db, actor, policy.VIEW, inventory))


def may_create(actor: Actor, org_id: int) -> bool:
    """Only the organisation's own writers start an inventory (a keeper is named on an existing one)."""
    return actor.can_write and actor.org_id == org_id


def may_name_keeper(actor: Actor, org_id: int) -> bool:
    """The organisation's own administrators decide who keeps its inventory (not the provider, not the Kreis)."""
    return actor.can_write and actor.is_admin and actor.org_id == org_id and actor.user_id is not None
