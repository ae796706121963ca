"""Use cases of the organisation tree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.orgs import csv_import, gv100ad, importing
from kommcert.orgs.models import OrgAncestry, Organization, OrgContact, OrgKind
from kommcert.orgs.schemas import ContactIn
from kommcert.sharing.actor import Actor

# Which kinds may hang under which; functional organisations hang under the Land.
ALLOWED_PARENTS: dict[OrgKind, frozenset[OrgKind | None]] = {
    OrgKind.land: frozenset({None}),
    OrgKind.regierungsbezirk: frozenset({OrgKind.land}),
    OrgKind.kreis: frozenset({OrgKind.land, OrgKind.regierungsbezirk}),
    OrgKind.kreisfreie_stadt: frozenset({OrgKind.land, OrgKind.regierungsbezirk}),
    OrgKind.verbandsgemeinde: frozenset({OrgKind.kreis}),
    OrgKind.verbandsfreie_gemeinde: frozenset({OrgKind.kreis}),
    OrgKind.ortsgemeinde: frozenset({OrgKind.verbandsgemeinde}),
    OrgKind.land_cert: frozenset({OrgKind.land}),
    OrgKind.kommunal_cert: frozenset({OrgKind.land}),
    OrgKind.dienstleister: frozenset({OrgKind.land}),
    OrgKind.mirt: frozenset({OrgKind.land}),
    OrgKind.it_dienstleister: frozenset({OrgKind.land, OrgKind.kreis}),
    # A peer instance stands beside the tree by default (so no "whole Land" audience reaches it).
    OrgKind.peer: frozenset({None, OrgKind.land}),
}


def get(db: Session, org_id: int) -> Organization:
    org = db.get(Organization, org_id)
    if org is None:
        raise NotFound("Organisation nicht gefunden.", "Organisation not found.")
    return org


def get_by_key(db: Session, key: str) -> Organization | None:
    return db.scalar(select(Organization).where(Organization.key == key))


def check_parent(kind: OrgKind, parent: Organization | None) -> None:
    parent_kind = OrgKind(parent.kind) if parent is not None else None
    if parent_kind not in ALLOWED_PARENTS[kind]:
        where = parent.name if parent is not None else "—"
        raise InvalidInput(
            f"Eine Organisation der Art {kind.value} kann nicht unter {where} hängen.",
            f"An organisation of kind {kind.value} cannot hang under {where}.",
        )


def create_org(
    db: Session, *, key: str, kind: OrgKind, name: str, parent: Organization | None = None,
    **fields: object,
) -> Organization:
    check_parent(kind, parent)
    org = Organization(key=key, kind=kind, name=name, parent=parent, **fields)
    db.add(org)
    db.flush()
    _write_ancestry(db, org)
    return org


def move_org(db: Session, org: Organization, parent: Organization | None) -> None:
    check_parent(OrgKind(org.kind), parent)
    if parent is not None and org.id in ancestor_ids(db, parent.id):
        raise InvalidInput("Eine Organisation kann nicht unter sich selbst hängen.",
                           "An organisation cannot hang under itself.")
    org.parent = parent
    db.flush()
    for sub_id in subtree_ids(db, org.id):
        _write_ancestry(db, db.get(Organization, sub_id))  # type: ignore[arg-type]


def _write_ancestry(db: Session, org: Organization) -> None:
    db.execute(delete(OrgAncestry).where(OrgAncestry.org_id == org.id))
    chain: list[int] = [org.id]
    parent_id = org.parent_id
    while parent_id is not None:
        chain.append(parent_id)
        parent_id = db.scalar(select(Organization.parent_id).where(Organization.id == parent_id))
    db.add_all(OrgAncestry(org_id=org.id, ancestor_id=a, depth=d) for d, a in enumerate(chain))
    db.flush()


def ancestor_ids(db: Session, org_id: int) -> tuple[int, ...]:
    """The org itself, then its ancestors, nearest first."""
    rows = db.scalars(
        select(OrgAncestry.ancestor_id).where(OrgAncestry.org_id == org_id).order_by(OrgAncestry.depth)
    ).all()
    return tuple(rows) or (org_id,)


def subtree_ids(db: Session, org_id: int) -> list[int]:
    """The org and every organisation below it, shallowest first."""
    return list(
        db.scalars(
            select(OrgAncestry.org_id).where(OrgAncestry.ancestor_id == org_id).order_by(OrgAncestry.depth)
        )
    )


def list_children(db: Session, org_id: int | None) -> Sequence[Organization]:
    """Municipal levels first (in tree order), then the functional organisations, each by name."""
    stmt = select(Organization)
    stmt = stmt.where(Organization.parent_id.is_(None) if org_id is None else Organization.parent_id == org_id)
    order = list(OrgKind)
    return sorted(db.scalars(stmt).all(), key=lambda o: (order.index(OrgKind(o.kind)), o.name))


def can_see_contacts(db: Session, actor: Actor, org: Organization) -> bool:
    """Contacts are for the org itself, its ancestors and the CERTs."""
    if not actor.is_authenticated or actor.org_id is None:
        return False
    if actor.is_cert:
        return True
    return actor.org_id in ancestor_ids(db, org.id)


def administers(db: Session, actor: Actor, org_id: int) -> bool:
    """Delegated administration: an admin administers the own organisation and every organisation
    below it (a Kreis admin its Verbandsgemeinden and Gemeinden, a VG admin its Gemeinden, never
    another Kreis); CERT admins administer all. Reading only; changes also need ``can_write``."""
    if actor.user_id is None or not actor.is_admin or actor.org_id is None:
        return False
    return actor.is_cert or actor.org_id in ancestor_ids(db, org_id)


def can_manage(db: Session, actor: Actor, org: Organization) -> bool:
    """Contacts and settings: the administrators of the org and of those above it; CERT admins all."""
    return actor.can_write and administers(db, actor, org.id)


def managed_orgs(db: Session, actor: Actor) -> Sequence[Organization]:
    """The organisations an admin may pick on the administration pages: the own one and those below
    it, in tree order (CERT admins reach every other one from its organisation page)."""
    if actor.user_id is None or not actor.is_admin or actor.org_id is None:
        return []
    rows = db.execute(select(Organization, OrgAncestry.depth).join(OrgAncestry, OrgAncestry.org_id == Organization.id)
                      .where(OrgAncestry.ancestor_id == actor.org_id)).all()
    order = list(OrgKind)
    return [o for o, _ in sorted(rows, key=lambda r: (r[1], order.index(OrgKind(r[0].kind)), r[0].name))]


# --- import -------------------------------------------------------------------------------

def _require_cert_admin(actor: Actor | None) -> None:
    """``None`` is the operator at the CLI, who has the database anyway."""
    if actor is not None and not (actor.is_cert_admin and actor.can_write):
        raise PermissionDenied("Nur CERT-Administratoren dürfen den Organisationsbaum importieren.",
                               "Only CERT administrators may import the organisation tree.")


def import_gv100ad(db: Session, *, actor: Actor | None, stream: IO[str], name: str, land_key: str
                   ) -> importing.ImportResult:
    _require_cert_admin(actor)
    records = gv100ad.read(stream, name=name, land_key=land_key)
    return importing.apply_records(db, records, source=name, actor_user_id=actor.user_id if actor else None)


def import_csv(db: Session, *, actor: Actor | None, stream: IO[str], name: str) -> importing.ImportResult:
    _require_cert_admin(actor)
    records = csv_import.read(stream, name=name)
    return importing.apply_records(db, records, source=name, actor_user_id=actor.user_id if actor else None)


# --- contacts -----------------------------------------------------------------------------

def _contacts_org(db: Session, actor: Actor, org_id: int) -> Organization:
    """The org whose contacts the actor may see; anything else is "not found"."""
    org = get(db, org_id)
    if not can_see_contacts(db, actor, org):
        raise NotFound()
    return org


def list_contacts(db: Session, *, actor: Actor, org_id: int) -> Sequence[OrgContact]:
    org = _contacts_org(db, actor, org_id)
    return db.scalars(select(OrgContact).where(OrgContact.org_id == org.id).order_by(
        OrgContact.role, OrgContact.name)).all()


def upsert_contact(db: Session, *, actor: Actor, org_id: int, contact_in: ContactIn,
                   contact_id: int | None = None) -> OrgContact:
    org = _contacts_org(db, actor, org_id)
    if not can_manage(db, actor, org):
        raise PermissionDenied("Nur Administratoren der Organisation dürfen Kontakte ändern.",
                               "Only the organisation's administrators may change contacts.")
    if contact_id is None:
        contact = OrgContact(org_id=org.id)
        db.add(contact)
    else:
        contact = db.get(OrgContact, contact_id)
        if contact is None or contact.org_id != org.id:
            raise NotFound()
    for field, value in contact_in.model_dump().items():
        setattr(contact, field, value)
    db.flush()
    audit_service.record(db, AuditEvent(events.ORG_UPDATED, actor_user_id=actor.user_id, org_id=org.id,
                                        object_type="contact", object_id=contact.id,
                                        detail={"role": str(contact.role)}))
    return contact


def delete_contact(db: Session, *, actor: Actor, org_id: int, contact_id: int) -> None:
    org = _contacts_org(db, actor, org_id)
    contact = db.get(OrgContact, contact_id)
    if contact is None or contact.org_id != org.id:
        raise NotFound()
    if not can_manage(db, actor, org):
        raise PermissionDenied("Nur Administratoren der Organisation dürfen Kontakte ändern.",
                               "Only the organisation's administrators may change contacts.")
    db.delete(contact)
    db.flush()
    audit_service.record(db, AuditEvent(events.ORG_UPDATED, actor_user_id=actor.user_id, org_id=org.id,
                                        object_type="contact", object_id=contact_id, detail={"deleted": True}))


def breadcrumb(db: Session, org: Organization) -> list[Organization]:
    """Root first, the org itself last."""
    ids = list(reversed(ancestor_ids(db, org.id)))
    by_id = {o.id: o for o in db.scalars(select(Organization).where(Organization.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


def search(db: Session, *, q: str | None = None, kind: OrgKind | None = None, parent_id: int | None = None,
           limit: int = 200) -> Sequence[Organization]:
    stmt = select(Organization).order_by(Organization.name).limit(min(max(limit, 1), 1000))
    if q:
        like = f"%{q.strip()[:100]}%"
        stmt = stmt.where(Organization.name.ilike(like) | Organization.key.ilike(like))
    if kind is not None:
        stmt = stmt.where(Organization.kind == kind)
    if parent_id is not None:
        stmt = stmt.where(Organization.parent_id == parent_id)
    return db.scalars(stmt).all()


def set_bsig_in_scope(db: Session, *, actor: Actor, org_id: int, in_scope: bool) -> Organization:
    """Mark an organisation as bound by the reporting duty of § 32 BSIG (its administrators, those
    above it, CERT admins). The deadlines of its open incidents follow at once."""
    from kommcert.incidents import deadline_service

    org = get(db, org_id)
    if not can_manage(db, actor, org):
        raise PermissionDenied() if administers(db, actor, org.id) or actor.org_id == org.id else NotFound()
    if org.bsig_in_scope != in_scope:
        org.bsig_in_scope = in_scope
        db.flush()
        audit_service.record(db, AuditEvent(events.ORG_UPDATED, actor_user_id=actor.user_id, org_id=org.id,
                                            detail={"bsig_in_scope": in_scope}))
        deadline_service.recompute_for_org(db, org.id)
    return org


def set_require_totp(db: Session, *, actor: Actor, org_id: int, required: bool) -> Organization:
    org = get(db, org_id)
    if not can_manage(db, actor, org):
        raise PermissionDenied() if administers(db, actor, org.id) or actor.org_id == org.id else NotFound()
    org.require_totp = required
    db.flush()
    audit_service.record(db, AuditEvent(events.ORG_UPDATED, actor_user_id=actor.user_id, org_id=org.id,
                                        detail={"require_totp": required}))
    return org
