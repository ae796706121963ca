"""Inventory pages: the editor (own organisation at ``/inventory``, another one the reader may see at
``/inventory/{org_id}``) with the catalogue search as you type (htmx, no inline script), the import of
CSV or CycloneDX with a preview, and the CERT's alias list at ``/inventory/catalog``.

Every page reads through ``inventory.service`` (the sharing policy: invisible → 404); a refused form
shows the page again with the German message and writes nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from kommcert.deps import DbSession, SettingsDep
from kommcert.errors import DomainError, InvalidInput, NotFound
from kommcert.inventory import catalog, service
from kommcert.inventory.models import InventoryItem
from kommcert.inventory.schemas import FIELDS, ItemIn, ItemUpdate
from kommcert.sharing.actor import Actor
from kommcert.uploads import service as uploads_service
from kommcert.validation import Id, parse_id
from kommcert.web import forms
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()
PREVIEW_ROWS = 500


def _own(actor: Actor) -> int:
    if actor.org_id is None:
        raise NotFound()
    return actor.org_id


def _page(request: Request, db: Session, actor: Actor, org_id: int, status_code: int = 200,
          **ctx: Any) -> Response:
    view = service.get_inventory(db, actor, org_id)
    others = service.visible_inventories(db, actor) if org_id == actor.org_id else []
    return render(request, "inventory/index.html", {"view": view, "others": others, "own": org_id == actor.org_id,
                                                    "values": ctx.pop("values", {}), **ctx},
                  status_code=status_code)


def _values(form: FormData) -> dict[str, str]:
    return {name: str(form.get(name, ""))[:2000] for name in FIELDS}


def _item_in(values: dict[str, str], catalog_id: str = "") -> ItemIn:
    data: dict[str, Any] = {k: v for k, v in values.items() if k != "count"}
    count = values.get("count", "").strip() or "1"
    try:
        data["count"] = int(count)
    except ValueError:
        raise InvalidInput("Anzahl: bitte eine ganze Zahl angeben.", "Count: please give a whole number.") from None
    data["catalog_product_id"] = parse_id(catalog_id) if catalog_id else None
    return forms.schema(ItemIn, data, "Bitte die Felder prüfen.", "Please check the fields.")


def _back(org_id: int, actor: Actor) -> RedirectResponse:
    return RedirectResponse("/inventory" if org_id == actor.org_id else f"/inventory/{org_id}", status_code=303)


@router.get("/inventory")
def own_page(request: Request, db: DbSession, actor: PageActor) -> Response:
    return _page(request, db, actor, _own(actor))


# ---------------------------------------------------------------- catalogue (before /inventory/{org_id})

@router.get("/inventory/catalog")
def catalog_page(request: Request, db: DbSession, actor: PageActor, q: str = "") -> Response:
    """The CERT's page: aliases (list, add, remove) and the catalogue search."""
    return _catalog(request, db, actor, q=q[:200])


def _catalog(request: Request, db: Session, actor: Actor, status_code: int = 200, **ctx: Any) -> Response:
    q = ctx.pop("q", "")
    return render(request, "inventory/catalog.html", {
        "aliases": catalog.list_aliases(db), "may_keep": actor.is_cert and actor.can_write,
        "hits": catalog.search(db, q) if q else [], "q": q, **ctx}, status_code=status_code)


@router.post("/inventory/catalog/aliases")
async def add_alias(request: Request, db: DbSession, actor: PageActor) -> Response:
    form = await request.form()
    values = {k: str(form.get(k, ""))[:400] for k in ("kind", "alias", "canonical", "vendor")}
    try:
        catalog.add_alias(db, actor=actor, **values)
    except DomainError as exc:
        db.rollback()
        return _catalog(request, db, actor, status_code=exc.status_code, error=exc, values=values)
    return RedirectResponse("/inventory/catalog", status_code=303)


@router.post("/inventory/catalog/aliases/{alias_id}/delete")
def remove_alias(alias_id: Id, db: DbSession, actor: PageActor) -> Response:
    catalog.remove_alias(db, actor=actor, alias_id=alias_id)
    return RedirectResponse("/inventory/catalog", status_code=303)


@router.get("/inventory/catalog/search")
def search_partial(request: Request, db: DbSession, actor: PageActor, product: str = "", q: str = "") -> Response:
    """htmx: the catalogue entries for what is typed in the product field (or ``q``)."""
    text = (q or product)[:200]
    return render(request, "inventory/_hits.html", {"hits": catalog.search(db, text), "q": text})


@router.get("/inventory/catalog/pick")
def pick_partial(request: Request, db: DbSession, actor: PageActor, entry: Id) -> Response:
    """htmx: the add form's fields filled from a catalogue entry."""
    e = catalog.get_entry(db, entry)
    values = {"vendor": e.vendor, "product": e.product, "version": e.version, "cpe": e.cpe, "purl": e.purl,
              "count": "1", "where_used": ""}
    return render(request, "inventory/_fields.html", {"values": values, "catalog_id": e.id, "picked": e})


# ---------------------------------------------------------------- import

@router.get("/inventory/import")
def import_page(request: Request, db: DbSession, actor: PageActor, org: Id | None = None) -> Response:
    view = service.get_inventory(db, actor, org or _own(actor))
    return render(request, "inventory/import.html", {"view": view, "formats": service.FORMATS})


@router.post("/inventory/import")
async def import_submit(request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    try:
        form = await request.form(max_files=1, max_fields=20)
    except HTTPException as exc:
        raise InvalidInput(f"Das Formular ist zu groß oder beschädigt ({exc.detail}).",
                           f"The form is too large or damaged ({exc.detail}).") from None
    org_id = parse_id(str(form.get("org", ""))) or _own(actor)
    view = service.get_inventory(db, actor, org_id)
    action = str(form.get("action", "preview"))
    fmt = str(form.get("format", "csv"))
    replace = bool(form.get("replace"))
    keep = {"format": fmt, "replace": replace}
    upload = None
    try:
        if fmt not in service.FORMATS:
            raise InvalidInput("Format: CSV oder CycloneDX-SBOM.", "Format: CSV or CycloneDX SBOM.")
        spooled = str(form.get("upload", "")).strip()
        upload_field = form.get("file")
        if spooled:
            upload = uploads_service.get_own(db, actor=actor, upload_id=spooled)
        elif isinstance(upload_field, UploadFile) and upload_field.filename:
            upload = uploads_service.spool(db, actor=actor, settings=settings, stream=upload_field.file,
                                           filename=upload_field.filename)
        else:
            raise InvalidInput("Bitte eine Datei wählen.", "Please choose a file.")
        data = uploads_service.path_of(settings, upload).read_bytes()
        if action == "cancel":
            uploads_service.discard(db, settings=settings, upload=upload)
            return _back(org_id, actor)
        if action == "import":
            result = service.import_file(db, actor=actor, org_id=org_id, fmt=fmt, data=data, name=upload.filename,
                                         replace=replace)
            uploads_service.discard(db, settings=settings, upload=upload)
            return render(request, "inventory/import.html", {"view": service.get_inventory(db, actor, org_id),
                                                             "formats": service.FORMATS, "result": result})
        preview = service.preview_import(fmt, data, name=upload.filename)
        db.commit()  # the upload stays for the second step, also when the preview shows errors
        return render(request, "inventory/import.html", {
            "view": view, "formats": service.FORMATS, "preview": preview, "rows": preview.lines[:PREVIEW_ROWS],
            "upload": upload, "values": keep})
    except DomainError as exc:
        db.rollback()
        return render(request, "inventory/import.html", {
            "view": service.get_inventory(db, actor, org_id), "formats": service.FORMATS, "error": exc,
            "values": keep, "upload": upload if upload is not None and action == "import" else None},
            status_code=exc.status_code)


# ---------------------------------------------------------------- one organisation's inventory

@router.get("/inventory/{org_id}")
def org_page(org_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return _page(request, db, actor, org_id)


@router.post("/inventory/{org_id}/items")
async def add_item(org_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    form = await request.form()
    values = _values(form)
    try:
        service.add_item(db, actor=actor, org_id=org_id, item_in=_item_in(values, str(form.get("catalog_id", ""))))
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        db.rollback()
        return _page(request, db, actor, org_id, status_code=exc.status_code, error=exc, values=values)
    return _back(org_id, actor)


def _line(db: Session, actor: Actor, org_id: int, item_id: int) -> tuple[service.InventoryView, InventoryItem]:
    view = service.get_inventory(db, actor, org_id)
    item = next((i for i in view.items if i.id == item_id), None)
    if item is None:
        raise NotFound("Diese Inventarzeile gibt es nicht.", "No such inventory line.")
    return view, item


@router.get("/inventory/{org_id}/items/{item_id}/edit")
def edit_page(org_id: Id, item_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    view, item = _line(db, actor, org_id, item_id)
    values = {name: str(getattr(item, name)) for name in FIELDS}
    return render(request, "inventory/edit.html", {"view": view, "item": item, "values": values})


@router.post("/inventory/{org_id}/items/{item_id}")
async def edit_item(org_id: Id, item_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    form = await request.form()
    values = _values(form)
    try:
        item_in = _item_in(values)
        changes = ItemUpdate(**item_in.model_dump(exclude={"catalog_product_id"}))
        service.update_item(db, actor=actor, org_id=org_id, item_id=item_id, changes=changes)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        db.rollback()
        view, item = _line(db, actor, org_id, item_id)
        return render(request, "inventory/edit.html", {"view": view, "item": item, "values": values, "error": exc},
                      status_code=exc.status_code)
    return _back(org_id, actor)


@router.post("/inventory/{org_id}/items/{item_id}/delete")
def delete_item(org_id: Id, item_id: Id, db: DbSession, actor: PageActor) -> Response:
    service.delete_item(db, actor=actor, org_id=org_id, item_id=item_id)
    return _back(org_id, actor)


@router.post("/inventory/{org_id}/keeper")
async def set_keeper(org_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    form = await request.form()
    text = str(form.get("provider", "")).strip()
    provider = parse_id(text) if text else None
    try:
        if text and provider is None:
            raise InvalidInput("Unbekannter IT-Dienstleister.", "Unknown IT service provider.")
        service.set_keeper(db, actor=actor, org_id=org_id, provider_org_id=provider)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        db.rollback()
        return _page(request, db, actor, org_id, status_code=exc.status_code, error=exc)
    return _back(org_id, actor)
