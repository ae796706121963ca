"""Use cases of the organisation tree."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kommcert.errors import InvalidInput, NotFound
from kommcert.orgs.models import OrgAncestry, Organization, OrgKind
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
    stmt = select(Organization).order_by(Organization.kind, Organization.name)
    stmt = stmt.where(Organization.parent_id.is_(None) if org_id is None else Organization.parent_id == org_id)
    return db.scalars(stmt).all()


def can_see_contacts(db: Session, actor: Actor, org: Organization) -> bool:
    """Contacts are for the org itself, its ancestors and the CERTs."""
    if not actor.is_authenticated or actor.org_id is None:
        return False
    if actor.is_cert:
        return True
    return actor.org_id in ancestor_ids(db, org.id)


def can_manage(db: Session, actor: Actor, org: Organization) -> bool:
    """Org admins manage their own organisation; CERT admins manage all."""
    if not actor.can_write or not actor.is_admin:
        return False
    return actor.is_cert or actor.org_id == org.id
