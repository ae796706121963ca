"""The IT service provider's opt-in view: a municipality allows the providers that serve it to see
its sightings and its appliances' feed fetches. Without that consent the ``serves`` relation grants
nothing."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.errors import PermissionDenied
from kommcert.home.models import ProviderAccess
from kommcert.orgs.models import Organization, OrgKind, org_serves
from kommcert.sharing.actor import Actor


def consented_clients(db: Session, provider_id: int, kind: OrgKind | str | None) -> tuple[int, ...]:
    """The clients of an IT service provider that opted in (what ``Actor.served_org_ids`` holds)."""
    if kind != OrgKind.it_dienstleister:
        return ()
    return tuple(sorted(db.scalars(
        select(org_serves.c.client_id).join(ProviderAccess, ProviderAccess.org_id == org_serves.c.client_id)
        .where(org_serves.c.provider_id == provider_id))))


def providers_of(db: Session, org_id: int) -> list[Organization]:
    return list(db.scalars(select(Organization).join(org_serves, org_serves.c.provider_id == Organization.id)
                           .where(org_serves.c.client_id == org_id).order_by(Organization.name)))


def is_granted(db: Session, org_id: int) -> bool:
    return db.get(ProviderAccess, org_id) is not None


def may_change(actor: Actor, org_id: int) -> bool:
    """The municipality's own admins decide (not the provider, not the Kreis)."""
    return actor.can_write and actor.is_admin and actor.org_id == org_id and actor.user_id is not None


def set_access(db: Session, *, actor: Actor, org_id: int, granted: bool) -> None:
    if not may_change(actor, org_id):
        raise PermissionDenied("Nur die Administration der Organisation selbst kann das erlauben.",
                               "Only the organisation's own administrators can allow this.")
    if granted == is_granted(db, org_id):
        return
    if granted:
        db.add(ProviderAccess(org_id=org_id, granted_by_id=actor.user_id))
    else:
        db.execute(delete(ProviderAccess).where(ProviderAccess.org_id == org_id))
    db.flush()
    audit_service.record(db, AuditEvent(events.ORG_UPDATED, actor_user_id=actor.user_id, org_id=org_id,
                                        detail={"provider_access": granted}))
