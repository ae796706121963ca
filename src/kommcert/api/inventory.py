"""Inventories and the product catalogue under /api/v1.

``/inventory`` is the caller's own organisation, ``/orgs/{org_id}/inventory`` any organisation whose
inventory the caller may see (its Kreis, the CERTs, the IT service provider it named): anyone else gets
404. Writes are for the organisation's writers and its keeping provider (``inventory.access``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from sqlalchemy.orm import Session

from kommcert.api.auth import UserActor, WriterActor
from kommcert.deps import DbSession, SettingsDep
from kommcert.errors import InvalidInput, NotFound, TooLarge
from kommcert.inventory import catalog, service
from kommcert.inventory.schemas import (
    CatalogEntryRead,
    ImportResultRead,
    InventoryRead,
    ItemIn,
    ItemRead,
    ItemUpdate,
    KeeperIn,
)
from kommcert.sharing.actor import Actor
from kommcert.validation import Id

router = APIRouter(tags=["warnings"])


def _own(actor: Actor) -> int:
    if actor.org_id is None:
        raise NotFound()
    return actor.org_id


def _item(item) -> ItemRead:  # noqa: ANN001
    return ItemRead.model_validate(item, from_attributes=True)


def _read(db: Session, actor: Actor, org_id: int) -> InventoryRead:
    view = service.get_inventory(db, actor, org_id)
    return InventoryRead(org_id=view.org.id, org_name=view.org.name,
                         inventory_id=view.inventory.id if view.inventory else None,
                         keeper_org_id=view.keeper.id if view.keeper else None,
                         keeper_name=view.keeper.name if view.keeper else None,
                         may_edit=view.may_edit, items=[_item(i) for i in view.items])


@router.get("/inventory", response_model=InventoryRead)
def own_inventory(db: DbSession, actor: UserActor) -> InventoryRead:
    """Your organisation's inventory (empty before the first line)."""
    return _read(db, actor, _own(actor))


@router.get("/orgs/{org_id}/inventory", response_model=InventoryRead)
def org_inventory(org_id: Id, db: DbSession, actor: UserActor) -> InventoryRead:
    """An organisation's inventory: for the organisation, the organisations above it, the CERTs and the
    IT service provider it named as keeper; 404 for everyone else."""
    return _read(db, actor, org_id)


@router.post("/inventory/items", response_model=ItemRead, status_code=201)
def add_own_item(item_in: ItemIn, db: DbSession, actor: WriterActor) -> ItemRead:
    return _item(service.add_item(db, actor=actor, org_id=_own(actor), item_in=item_in, origin="api"))


@router.post("/orgs/{org_id}/inventory/items", response_model=ItemRead, status_code=201)
def add_item(org_id: Id, item_in: ItemIn, db: DbSession, actor: WriterActor) -> ItemRead:
    return _item(service.add_item(db, actor=actor, org_id=org_id, item_in=item_in, origin="api"))


@router.patch("/inventory/items/{item_id}", response_model=ItemRead)
def update_own_item(item_id: Id, changes: ItemUpdate, db: DbSession, actor: WriterActor) -> ItemRead:
    return _item(service.update_item(db, actor=actor, org_id=_own(actor), item_id=item_id, changes=changes))


@router.patch("/orgs/{org_id}/inventory/items/{item_id}", response_model=ItemRead)
def update_item(org_id: Id, item_id: Id, changes: ItemUpdate, db: DbSession, actor: WriterActor) -> ItemRead:
    return _item(service.update_item(db, actor=actor, org_id=org_id, item_id=item_id, changes=changes))


@router.delete("/inventory/items/{item_id}", status_code=204)
def delete_own_item(item_id: Id, db: DbSession, actor: WriterActor) -> None:
    service.delete_item(db, actor=actor, org_id=_own(actor), item_id=item_id)


@router.delete("/orgs/{org_id}/inventory/items/{item_id}", status_code=204)
def delete_item(org_id: Id, item_id: Id, db: DbSession, actor: WriterActor) -> None:
    service.delete_item(db, actor=actor, org_id=org_id, item_id=item_id)


@router.put("/orgs/{org_id}/inventory/keeper", response_model=InventoryRead)
def set_keeper(org_id: Id, body: KeeperIn, db: DbSession, actor: WriterActor) -> InventoryRead:
    """The organisation's administrators name an IT service provider that serves it as keeper of the
    inventory (its writers may then change it), or withdraw it with ``null``."""
    service.set_keeper(db, actor=actor, org_id=org_id, provider_org_id=body.provider_org_id)
    return _read(db, actor, org_id)


@router.post("/inventory/import", response_model=ImportResultRead)
def import_inventory(db: DbSession, actor: WriterActor, settings: SettingsDep,
                     file: Annotated[UploadFile, File(description="CSV or CycloneDX JSON")],
                     format: Annotated[str, Form(description="csv or cyclonedx")],  # noqa: A002
                     replace: Annotated[bool, Form(description="replace the lines of earlier imports "
                                                               "of this format")] = False,
                     org_id: Annotated[Id | None, Form(description="default: your organisation")] = None,
                     ) -> ImportResultRead:
    """Import all lines or none; a bad line is a 422 naming its line (CSV) or component (SBOM)."""
    if format not in service.FORMATS:
        raise InvalidInput("Format: csv oder cyclonedx.", "Format: csv or cyclonedx.")
    data = file.file.read(settings.max_upload_bytes + 1)
    if len(data) > settings.max_upload_bytes:
        raise TooLarge("Die Datei ist zu groß.", "The file is too large.")
    result = service.import_file(db, actor=actor, org_id=org_id or _own(actor), fmt=format, data=data,
                                 name=file.filename or "", replace=replace)
    return ImportResultRead(org_id=result.org_id, added=result.added, removed=result.removed)


@router.get("/catalog", response_model=list[CatalogEntryRead])
def search_catalog(db: DbSession, actor: UserActor,
                   q: str = Query("", max_length=200, description="at least 2 characters")) -> list[CatalogEntryRead]:
    """Products named in public advisories, by name, vendor or alias (at most 20)."""
    return [CatalogEntryRead.model_validate(e, from_attributes=True) for e in catalog.search(db, q)]
