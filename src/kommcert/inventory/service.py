"""Inventories: read one, add / change / remove lines, name the keeping IT service provider, import
CSV and CycloneDX. Every change re-matches the organisation (``advisories.events.inventory_changed``)
in the caller's transaction, so a rolled-back import matches and tells nobody."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from packageurl import PackageURL
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from kommcert.advisories import events as advisory_events
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.inventory import access, catalog, csv_import, cyclonedx, keys
from kommcert.inventory.models import Inventory, InventoryItem
from kommcert.inventory.schemas import ItemIn, ItemUpdate
from kommcert.orgs.models import Organization
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import Audience, get_or_404, set_audience
from kommcert.sharing.tlp import TLP

FORMATS = ("csv", "cyclonedx")
MAX_COUNT = 1_000_000
LIMITS = {"vendor": 300, "product": 300, "version": 200, "cpe": 1000, "purl": 1000, "where_used": 500}
LABELS = {"vendor": ("Hersteller", "vendor"), "product": ("Produkt", "product"), "version": ("Version", "version"),
          "cpe": ("CPE", "CPE"), "purl": ("purl", "purl"), "where_used": ("Einsatzort", "where used")}


@dataclass
class InventoryView:
    org: Organization
    inventory: Inventory | None
    items: list[InventoryItem]
    may_edit: bool
    keeper: Organization | None = None
    may_name_keeper: bool = False
    providers: list[Organization] = field(default_factory=list)  # who may be named keeper


# ---------------------------------------------------------------- reading

def _org(db: Session, org_id: int) -> Organization:
    org = db.get(Organization, org_id)
    if org is None:
        raise NotFound()
    return org


def _inventory_of(db: Session, org_id: int) -> Inventory | None:
    return db.scalar(select(Inventory).where(Inventory.owner_org_id == org_id))


def _readable(db: Session, actor: Actor, org_id: int) -> tuple[Organization, Inventory | None]:
    """The organisation and its inventory (None before the first line); 404 for whoever may not see it."""
    org = _org(db, org_id)
    found = _inventory_of(db, org_id)
    if found is None:
        if not access.may_see_missing(db, actor, org_id):
            raise NotFound()
        return org, None
    return org, get_or_404(db, Inventory, found.id, actor)


def get_inventory(db: Session, actor: Actor, org_id: int) -> InventoryView:
    """An organisation's inventory as ``actor`` may see it, lines ordered by vendor and product."""
    from kommcert.home import access as home_access

    org, inventory = _readable(db, actor, org_id)
    items: list[InventoryItem] = []
    keeper = None
    if inventory is not None:
        items = list(db.scalars(select(InventoryItem).where(InventoryItem.inventory_id == inventory.id).order_by(
            func.lower(InventoryItem.vendor), func.lower(InventoryItem.product), InventoryItem.version,
            InventoryItem.id)))
        keeper = db.get(Organization, inventory.managed_by_org_id) if inventory.managed_by_org_id else None
    editable = access.may_edit(db, actor, inventory) if inventory is not None else access.may_create(actor, org_id)
    naming = access.may_name_keeper(actor, org_id)
    return InventoryView(org=org, inventory=inventory, items=items, may_edit=editable, keeper=keeper,
                         may_name_keeper=naming, providers=home_access.providers_of(db, org_id) if naming else [])


def visible_inventories(db: Session, actor: Actor) -> list[tuple[Organization, int]]:
    """The other organisations' inventories the actor may see, with their line counts."""
    counts = (select(InventoryItem.inventory_id, func.count().label("n")).group_by(InventoryItem.inventory_id)
              .subquery())
    stmt = policy.visible(select(Organization, func.coalesce(counts.c.n, 0)).join(
        Inventory, Inventory.owner_org_id == Organization.id).outerjoin(
        counts, counts.c.inventory_id == Inventory.id).where(Inventory.owner_org_id != actor.org_id),
        Inventory, actor).order_by(Organization.name)
    return [(org, n) for org, n in db.execute(stmt).all()]


# ---------------------------------------------------------------- checking a line

def _too_long(name: str, limit: int) -> InvalidInput:
    de, en = LABELS[name]
    return InvalidInput(f"{de}: höchstens {limit} Zeichen.", f"{en}: at most {limit} characters.")


def clean(values: dict[str, Any]) -> dict[str, Any]:
    """A line's values checked and completed (vendor, product and version from the CPE or purl where
    empty). Raises :class:`InvalidInput` with the first problem."""
    out: dict[str, Any] = {}
    for name, limit in LIMITS.items():
        text = str(values.get(name) or "").strip()
        if "\x00" in text:
            raise InvalidInput(f"{LABELS[name][0]}: enthält ein NUL-Zeichen.", f"{LABELS[name][1]}: contains NUL.")
        if len(text) > limit:
            raise _too_long(name, limit)
        out[name] = text
    count = values.get("count")
    if count in (None, ""):
        out["count"] = 1
    else:
        try:
            out["count"] = count if isinstance(count, int) else int(str(count).strip())
        except ValueError:
            raise InvalidInput(f"Anzahl „{str(count)[:20]}“ ist keine ganze Zahl.",
                               f"Count '{str(count)[:20]}' is not a whole number.") from None
        if not 1 <= out["count"] <= MAX_COUNT:
            raise InvalidInput("Anzahl: mindestens 1, höchstens " + f"{MAX_COUNT:,}".replace(",", ".") + ".",
                               f"Count: at least 1, at most {MAX_COUNT:,}.")
    if out["cpe"]:
        if not keys.is_cpe23(out["cpe"]):
            raise InvalidInput("CPE: kein gültiger CPE-2.3-Name (Form cpe:2.3:a:hersteller:produkt:version:…, "
                               "13 Teile). Im Zweifel leer lassen.",
                               "CPE: not a valid CPE 2.3 name (cpe:2.3:a:vendor:product:version:…, 13 parts). "
                               "Leave it empty when in doubt.")
        vendor, product, version = keys.cpe_fields(out["cpe"])
        out["vendor"] = out["vendor"] or vendor.replace("_", " ")[:300]
        out["product"] = out["product"] or product.replace("_", " ")[:300]
        out["version"] = out["version"] or version[:200]
    if out["purl"]:
        try:
            purl = PackageURL.from_string(out["purl"])
        except ValueError as exc:
            reason = str(exc).splitlines()[0][:120]
            raise InvalidInput(f"purl: keine gültige Paket-Adresse ({reason}). Im Zweifel leer lassen.",
                               f"purl: not a valid package URL ({reason}). Leave it empty when in doubt.") from None
        out["vendor"] = out["vendor"] or (purl.namespace or "").rsplit("/", 1)[-1][:300]
        out["product"] = out["product"] or purl.name[:300]
        out["version"] = out["version"] or (purl.version or "")[:200]
    if not out["product"]:
        raise InvalidInput("Produkt fehlt (oder eine CPE bzw. purl, die es nennt).",
                           "Product missing (or a CPE or purl naming it).")
    return out


def _with_keys(db: Session, values: dict[str, Any], aliases: catalog.Aliases,
               lookup: dict[tuple[str, str, str], int] | None = None) -> dict[str, Any]:
    vendor_key, product_key = catalog.item_keys(aliases, values["vendor"], values["product"])
    values["vendor_key"], values["product_key"] = vendor_key[:300], product_key[:300]
    if lookup is None:
        values["catalog_product_id"] = catalog.entry_id_for(db, vendor_key, product_key, values["version"])
    else:
        values["catalog_product_id"] = lookup.get((vendor_key, product_key, values["version"])) or lookup.get(
            (vendor_key, product_key, ""))
    return values


# ---------------------------------------------------------------- writing

def _writable(db: Session, actor: Actor, org_id: int) -> Inventory:
    """The inventory ``actor`` may change (created on the first write by the organisation itself)."""
    _org(db, org_id)
    found = _inventory_of(db, org_id)
    if found is None:
        if not access.may_see_missing(db, actor, org_id):
            raise NotFound()
        if not access.may_create(actor, org_id):
            raise PermissionDenied("Das Inventar pflegt die Organisation selbst (oder der von ihr benannte "
                                   "IT-Dienstleister).",
                                   "The inventory is kept by the organisation itself (or the IT service provider "
                                   "it named).")
        found = Inventory(owner_org_id=org_id, created_by_id=actor.user_id, tlp=TLP.amber_strict, upward=True)
        db.add(found)
        db.flush()
        return found
    inventory = get_or_404(db, Inventory, found.id, actor)
    if not access.may_edit(db, actor, inventory):
        raise PermissionDenied("Dieses Inventar dürfen Sie nur lesen.", "You may only read this inventory.")
    return inventory


def _changed(db: Session, inventory: Inventory) -> None:
    inventory.updated_at = utcnow()
    db.flush()
    advisory_events.inventory_changed(db, org_id=inventory.owner_org_id)


def _item(db: Session, inventory: Inventory, item_id: int) -> InventoryItem:
    item = db.get(InventoryItem, item_id)
    if item is None or item.inventory_id != inventory.id:
        raise NotFound("Diese Inventarzeile gibt es nicht.", "No such inventory line.")
    return item


def add_item(db: Session, *, actor: Actor, org_id: int, item_in: ItemIn, origin: str = "manual") -> InventoryItem:
    checked = clean(item_in.model_dump())
    inventory = _writable(db, actor, org_id)
    values = _with_keys(db, checked, catalog.load_aliases(db))
    if item_in.catalog_product_id is not None and db.get(catalog.CatalogProduct, item_in.catalog_product_id):
        values["catalog_product_id"] = item_in.catalog_product_id
    item = InventoryItem(inventory_id=inventory.id, origin=origin, **values)
    db.add(item)
    _changed(db, inventory)
    return item


def update_item(db: Session, *, actor: Actor, org_id: int, item_id: int, changes: ItemUpdate) -> InventoryItem:
    inventory = _writable(db, actor, org_id)
    item = _item(db, inventory, item_id)
    current = {name: getattr(item, name) for name in (*LIMITS, "count")}
    current.update(changes.model_dump(exclude_none=True))
    values = _with_keys(db, clean(current), catalog.load_aliases(db))
    for name, value in values.items():
        setattr(item, name, value)
    _changed(db, inventory)
    return item


def delete_item(db: Session, *, actor: Actor, org_id: int, item_id: int) -> None:
    inventory = _writable(db, actor, org_id)
    db.delete(_item(db, inventory, item_id))
    _changed(db, inventory)


def set_keeper(db: Session, *, actor: Actor, org_id: int, provider_org_id: int | None) -> Inventory:
    """Name the IT service provider (one that serves the organisation) that keeps the inventory, or
    withdraw it (``None``): the provider is addressed (without subtree) and its writers may edit."""
    from kommcert.home import access as home_access

    _org(db, org_id)
    if not access.may_see_missing(db, actor, org_id):
        raise NotFound()
    if not access.may_name_keeper(actor, org_id):
        raise PermissionDenied("Wer das Inventar pflegt, bestimmt die Administration der Organisation selbst.",
                               "Only the organisation's own administrators choose who keeps its inventory.")
    if provider_org_id is not None and provider_org_id not in {o.id for o in home_access.providers_of(db, org_id)}:
        raise InvalidInput("Diese Organisation ist kein IT-Dienstleister, der Sie betreut.",
                           "This organisation is not an IT service provider serving you.")
    inventory = _inventory_of(db, org_id) or _writable(db, actor, org_id)
    previous = inventory.managed_by_org_id
    if previous == provider_org_id:
        return inventory
    inventory.managed_by_org_id = provider_org_id
    set_audience(db, inventory, Audience(orgs_without_subtree=(provider_org_id,) if provider_org_id else ()))
    inventory.updated_at = utcnow()
    db.flush()
    audit_service.record(db, AuditEvent(events.INVENTORY_KEEPER_CHANGED, actor_user_id=actor.user_id, org_id=org_id,
                                        object_type="inventory", object_id=inventory.id,
                                        detail={"provider": provider_org_id, "previous": previous}))
    return inventory


# ---------------------------------------------------------------- import

@dataclass
class PreviewLine:
    line: int
    label: str
    values: dict[str, Any]
    errors: list[tuple[str, str]]  # (de, en)


@dataclass
class Preview:
    fmt: str
    lines: list[PreviewLine]

    @property
    def errors(self) -> list[PreviewLine]:
        return [p for p in self.lines if p.errors]


@dataclass
class ImportResult:
    org_id: int
    added: int
    removed: int


def _read(fmt: str, data: bytes, name: str) -> list[csv_import.RawLine]:
    if fmt == "csv":
        return csv_import.read(data)
    if fmt == "cyclonedx":
        return cyclonedx.read(data, name=name)
    raise InvalidInput("Format: csv oder cyclonedx.", "Format: csv or cyclonedx.")


def _where(fmt: str) -> tuple[str, str]:
    return ("Zeile", "line") if fmt == "csv" else ("Komponente", "component")


def preview_import(fmt: str, data: bytes, *, name: str = "") -> Preview:
    """Every line of the file with its problems; a problem with the whole file raises."""
    lines = []
    for raw in _read(fmt, data, name):
        try:
            values, errors = clean(raw.data), []
        except InvalidInput as exc:
            values, errors = dict(raw.data), [(exc.de, exc.en)]
        lines.append(PreviewLine(line=raw.line, label=raw.label, values=values, errors=errors))
    return Preview(fmt=fmt, lines=lines)


def import_file(db: Session, *, actor: Actor, org_id: int, fmt: str, data: bytes, name: str = "",
                replace: bool = False) -> ImportResult:
    """All lines or none: the first bad line refuses the file with its line number. ``replace`` removes
    the lines an earlier import of the same format brought (lines entered by hand stay)."""
    inventory = _writable(db, actor, org_id)  # who may not write learns nothing about the file (nor the org)
    preview = preview_import(fmt, data, name=name)
    if preview.errors:
        bad = preview.errors[0]
        where_de, where_en = _where(fmt)
        more_de = f" (und {len(preview.errors) - 1} weitere fehlerhafte)" if len(preview.errors) > 1 else ""
        more_en = f" (and {len(preview.errors) - 1} more)" if len(preview.errors) > 1 else ""
        raise InvalidInput(f"{where_de} {bad.line}: {bad.errors[0][0]}{more_de} – nichts importiert.",
                           f"{where_en.capitalize()} {bad.line}: {bad.errors[0][1]}{more_en} – nothing imported.")
    removed = 0
    if replace:
        removed = db.execute(delete(InventoryItem).where(InventoryItem.inventory_id == inventory.id,
                                                         InventoryItem.origin == fmt)).rowcount or 0
    aliases, lookup, now = catalog.load_aliases(db), catalog.lookup_ids(db), utcnow()
    rows = [{**_with_keys(db, p.values, aliases, lookup), "inventory_id": inventory.id, "origin": fmt,
             "created_at": now, "updated_at": now} for p in preview.lines]
    for i in range(0, len(rows), 5000):
        db.execute(insert(InventoryItem), rows[i:i + 5000])
    _changed(db, inventory)
    return ImportResult(org_id=org_id, added=len(rows), removed=removed)


def org_id_by_key(db: Session, key: str) -> int:
    org_id = db.scalar(select(Organization.id).where(Organization.key == key))
    if org_id is None:
        raise NotFound(f"Organisation „{key[:64]}“ nicht gefunden.", f"Organisation '{key[:64]}' not found.")
    return org_id
