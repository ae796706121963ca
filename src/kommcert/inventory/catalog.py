"""The shared product catalogue and the vendor/product aliases.

The catalogue is built only from the products named by advisories that every member may see
(TLP:CLEAR and GREEN, published, not withdrawn): an AMBER or RED advisory's product names would tell
who is told about what. One entry per (vendor key, product key, version or empty); every product also
gets its entry without a version, so a search finds "Exchange Server" whatever version one runs.

Aliases map a normalised spelling to its canonical key (``"factory_talk"`` → ``"factorytalk"``, vendor
``"ms"`` → ``"microsoft"``); every write of an inventory line and of an advisory product applies them
(:func:`canonical_vendor`, :func:`canonical_product`). A new or removed alias re-keys the inventory
lines and advisory products it concerns, rebuilds the catalogue and re-matches what moved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select, tuple_, update
from sqlalchemy.orm import Session

from kommcert.advisories.models import Advisory, AdvisoryProduct, AdvisoryState
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.inventory import keys
from kommcert.inventory.models import CatalogAlias, CatalogProduct, Inventory, InventoryItem
from kommcert.sharing.actor import Actor
from kommcert.sharing.tlp import TLP

SEARCH_LIMIT = 20
CHUNK = 1000
ALIAS_KINDS = ("vendor", "product")
# A catalogue version is one a municipality can pick: no ranges ("<1.25.2", "vers:…", ">= 4.0").
_PLAIN_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z._+\- ]{0,63}")
_RANGE_WORDS = re.compile(r"\b(and|or|before|after|prior|all|up to|through|bis|ab|vor|alle)\b", re.IGNORECASE)


# ---------------------------------------------------------------- aliases

@dataclass
class Aliases:
    """All aliases in memory, for imports (one query instead of two per line)."""

    vendors: dict[str, str] = field(default_factory=dict)
    products: dict[tuple[str, str], str] = field(default_factory=dict)

    def vendor(self, key: str) -> str:
        return self.vendors.get(key, key)

    def product(self, vendor_key: str, key: str) -> str:
        return self.products.get((vendor_key, key)) or self.products.get(("", key)) or key


def load_aliases(db: Session) -> Aliases:
    out = Aliases()
    for a in db.scalars(select(CatalogAlias)):
        if a.kind == "vendor":
            out.vendors[a.alias_key] = a.canonical_key
        else:
            out.products[(a.vendor_key, a.alias_key)] = a.canonical_key
    return out


def canonical_vendor(db: Session, key: str) -> str:
    """The canonical vendor key for a normalised one (``"ms"`` → ``"microsoft"`` with that alias)."""
    found = db.scalar(select(CatalogAlias.canonical_key).where(
        CatalogAlias.kind == "vendor", CatalogAlias.vendor_key == "", CatalogAlias.alias_key == key))
    return found or key


def canonical_product(db: Session, vendor_key: str, key: str) -> str:
    """The canonical product key; an alias for this vendor wins over one for any vendor."""
    rows = db.execute(select(CatalogAlias.vendor_key, CatalogAlias.canonical_key).where(
        CatalogAlias.kind == "product", CatalogAlias.alias_key == key,
        CatalogAlias.vendor_key.in_({vendor_key, ""}))).all()
    by_vendor = dict(rows)
    return by_vendor.get(vendor_key) or by_vendor.get("") or key


def item_keys(aliases: Aliases, vendor: str, product: str) -> tuple[str, str]:
    """(vendor key, product key) of a vendor and product as written, aliases applied."""
    vendor_key = aliases.vendor(keys.vendor_key(vendor))
    return vendor_key, aliases.product(vendor_key, keys.product_key(product))


def _may_keep(actor: Actor) -> None:
    if not (actor.is_cert and actor.can_write and actor.user_id is not None):
        raise PermissionDenied("Aliasse pflegen die Analystinnen und Analysten der CERTs.",
                               "Aliases are kept by the CERTs' analysts.")


def list_aliases(db: Session) -> list[CatalogAlias]:
    return list(db.scalars(select(CatalogAlias).order_by(CatalogAlias.kind.desc(), CatalogAlias.canonical_key,
                                                         CatalogAlias.alias_key)))


def add_alias(db: Session, *, actor: Actor, kind: str, alias: str, canonical: str, vendor: str = "") -> CatalogAlias:
    """``alias`` means ``canonical`` (both as written or as keys; normalised here). For a product alias,
    ``vendor`` limits it to that vendor's products (empty: any vendor)."""
    _may_keep(actor)
    if kind not in ALIAS_KINDS:
        raise InvalidInput("Art des Alias: vendor (Hersteller) oder product (Produkt).",
                           "Alias kind: vendor or product.")
    if len(alias) > 300 or len(canonical) > 300 or len(vendor) > 300:
        raise InvalidInput("Alias, Name oder Hersteller ist zu lang (höchstens 300 Zeichen).",
                           "Alias, name or vendor too long (at most 300 characters).")
    normalise = keys.vendor_key if kind == "vendor" else keys.product_key
    alias_key, canonical_key = normalise(alias), normalise(canonical)
    vendor_key = canonical_vendor(db, keys.vendor_key(vendor)) if kind == "product" and vendor.strip() else ""
    if not alias_key or not canonical_key:
        raise InvalidInput("Alias und eigentlicher Name dürfen nicht leer sein.",
                           "Alias and canonical name must not be empty.")
    if alias_key == canonical_key:
        raise InvalidInput("Alias und eigentlicher Name sind gleich geschrieben.",
                           "Alias and canonical name are spelled the same.")
    aliases = load_aliases(db)
    known = aliases.vendors if kind == "vendor" else \
        {k[1]: v for k, v in aliases.products.items() if k[0] == vendor_key}
    if canonical_key in known:  # no chains: "ms" → "msft" → "microsoft" would depend on the order of reads
        canonical_key = known[canonical_key]
    if alias_key in known or alias_key in known.values() or (alias_key == canonical_key):
        raise InvalidInput(f"Für „{alias_key}“ gibt es schon einen Alias.", f"'{alias_key}' already has an alias.")
    row = CatalogAlias(kind=kind, vendor_key=vendor_key, alias_key=alias_key, canonical_key=canonical_key)
    db.add(row)
    db.flush()
    _rekey(db, kind=kind, vendor_key=vendor_key, old=alias_key, new=canonical_key)
    audit_service.record(db, AuditEvent(events.CATALOG_ALIAS_CHANGED, actor_user_id=actor.user_id,
                                        org_id=actor.org_id, object_type="catalog_alias", object_id=row.id,
                                        detail={"added": True, "kind": kind, "alias": alias_key,
                                                "canonical": canonical_key, "vendor": vendor_key}))
    return row


def remove_alias(db: Session, *, actor: Actor, alias_id: int) -> None:
    _may_keep(actor)
    row = db.get(CatalogAlias, alias_id)
    if row is None:
        raise NotFound("Diesen Alias gibt es nicht.", "No such alias.")
    kind, vendor_key, alias_key, canonical_key = row.kind, row.vendor_key, row.alias_key, row.canonical_key
    db.delete(row)
    db.flush()
    _unkey(db, kind=kind, vendor_key=vendor_key, alias_key=alias_key, canonical_key=canonical_key)
    audit_service.record(db, AuditEvent(events.CATALOG_ALIAS_CHANGED, actor_user_id=actor.user_id,
                                        org_id=actor.org_id, object_type="catalog_alias", object_id=alias_id,
                                        detail={"added": False, "kind": kind, "alias": alias_key,
                                                "canonical": canonical_key, "vendor": vendor_key}))


def _rekey(db: Session, *, kind: str, vendor_key: str, old: str, new: str) -> None:
    """Lines and advisory products spelled ``old`` now carry ``new``; then the catalogue and matching follow."""
    orgs: set[int] = set()
    advisories: set[int] = set()
    for model, owner in ((InventoryItem, "items"), (AdvisoryProduct, "products")):
        column = model.vendor_key if kind == "vendor" else model.product_key
        where = [column == old]
        if kind == "product" and vendor_key:
            where.append(model.vendor_key == vendor_key)
        if owner == "items":
            orgs |= set(db.scalars(select(Inventory.owner_org_id).join(InventoryItem).where(*where)))
        else:
            advisories |= set(db.scalars(select(AdvisoryProduct.advisory_id).where(*where)))
        db.execute(update(model).where(*where).values({column.key: new}).execution_options(synchronize_session=False))
    _after_rekey(db, orgs, advisories)


def _unkey(db: Session, *, kind: str, vendor_key: str, alias_key: str, canonical_key: str) -> None:
    """The alias is gone: rows whose own spelling is the alias get their own key back."""
    aliases = load_aliases(db)
    orgs: set[int] = set()
    advisories: set[int] = set()
    for model in (InventoryItem, AdvisoryProduct):
        column = model.vendor_key if kind == "vendor" else model.product_key
        where = [column == canonical_key]
        if kind == "product" and vendor_key:
            where.append(model.vendor_key == vendor_key)
        for row in db.scalars(select(model).where(*where)):
            vk, pk = item_keys(aliases, row.vendor, row.product)
            if (vk, pk) != (row.vendor_key, row.product_key):
                row.vendor_key, row.product_key = vk, pk
                if model is InventoryItem:
                    orgs.add(row.inventory_id)
                else:
                    advisories.add(row.advisory_id)
    db.flush()
    owner_orgs = set(db.scalars(select(Inventory.owner_org_id).where(Inventory.id.in_(orgs)))) if orgs else set()
    _after_rekey(db, owner_orgs, advisories)


def _after_rekey(db: Session, org_ids: set[int], advisory_ids: set[int]) -> None:
    """Re-match what moved. Not ``advisory_changed``: a re-keyed advisory is no new warning, so only a
    changed result may tell anyone (``announce``), never the "every new warning" mail."""
    from kommcert.advisories import events as advisory_events
    from kommcert.advisories import notifications
    from kommcert.advisories.matching import service as matching

    db.flush()
    rebuild(db)
    for org_id in sorted(org_ids):
        advisory_events.inventory_changed(db, org_id=org_id)
    for advisory in db.scalars(select(Advisory).where(Advisory.id.in_(advisory_ids)).order_by(Advisory.id)):
        notifications.announce(db, matching.match_advisory(db, advisory))


# ---------------------------------------------------------------- building

def _public() -> list:
    """Advisories every member may read: their product names may be offered to everyone."""
    return [Advisory.tlp.in_([TLP.clear, TLP.green]), Advisory.state == AdvisoryState.published,
            Advisory.withdrawn_at.is_(None)]


def catalog_version(version: str) -> str:
    """The version as a catalogue entry shows it, or empty for a range or a wildcard."""
    version = version.strip()
    if not _PLAIN_VERSION.fullmatch(version) or _RANGE_WORDS.search(version):
        return ""
    return version


def display_name(vendor: str, product: str, version: str) -> str:
    """"Microsoft Exchange Server 2019" (no vendor twice: "Microsoft" + "Microsoft Teams")."""
    parts = [] if not vendor or product.casefold().startswith(vendor.casefold()) else [vendor]
    parts.append(product)
    if version:
        parts.append(version)
    return " ".join(p.strip() for p in parts if p.strip())[:600]


def add_products(db: Session, advisory: Advisory) -> None:
    """Bring the catalogue entries of the products this advisory names up to date (called for every
    new revision; an advisory that is not public, or no longer, only lowers the counts)."""
    pairs = set(db.execute(select(AdvisoryProduct.vendor_key, AdvisoryProduct.product_key).where(
        AdvisoryProduct.advisory_id == advisory.id, AdvisoryProduct.product_key != "")).all())
    if pairs:
        _refresh(db, pairs)


def _spellings(aliases: Aliases, pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """(vendor_key, product_key) as stored rows may spell the canonical ``pairs`` (before an alias existed)."""
    out: set[tuple[str, str]] = set()
    for vendor, product in pairs:
        vendors = {vendor} | {a for a, c in aliases.vendors.items() if c == vendor}
        products = {product} | {a for (v, a), c in aliases.products.items() if c == product and v in ("", vendor)}
        out |= {(v, p) for v in vendors for p in products}
    return out


def rebuild(db: Session) -> int:
    """The whole catalogue from the public advisories; returns the number of entries."""
    _refresh(db, None)
    return db.scalar(select(func.count()).select_from(CatalogProduct)) or 0


def _refresh(db: Session, pairs: set[tuple[str, str]] | None) -> None:
    aliases = load_aliases(db)
    stmt = select(AdvisoryProduct.advisory_id, AdvisoryProduct.vendor, AdvisoryProduct.product,
                  AdvisoryProduct.version, AdvisoryProduct.vendor_key, AdvisoryProduct.product_key,
                  AdvisoryProduct.cpe, AdvisoryProduct.purl).join(
        Advisory, Advisory.id == AdvisoryProduct.advisory_id).where(*_public(), AdvisoryProduct.product_key != "")
    wanted: dict[tuple[str, str, str], dict] = {}

    def canon(vendor_key: str, product_key: str) -> tuple[str, str]:
        vk = aliases.vendor(vendor_key)
        return vk, aliases.product(vk, product_key)

    if pairs is None:
        rows = list(db.execute(stmt.order_by(AdvisoryProduct.id)))
    else:
        # Entries are kept under the canonical keys (a product written before its alias has the old ones).
        pairs = {canon(v, p) for v, p in pairs}
        # Every spelling that leads to these entries, as (vendor_key, product_key): the composite index
        # of both tables serves the lookup (product_key alone made PostgreSQL scan all advisory products).
        spellings = sorted(_spellings(aliases, pairs))
        rows = []
        for i in range(0, len(spellings), CHUNK):
            keyed = tuple_(AdvisoryProduct.vendor_key, AdvisoryProduct.product_key).in_(spellings[i:i + CHUNK])
            rows += [r for r in db.execute(stmt.where(keyed)) if canon(r.vendor_key, r.product_key) in pairs]
        rows.sort(key=lambda r: r.advisory_id)
    for row in rows:
        vk, pk = canon(row.vendor_key, row.product_key)
        version = catalog_version(row.version)
        for ver in {version, ""}:
            entry = wanted.setdefault((vk, pk, ver), {
                "vendor": row.vendor[:300], "product": (row.product or row.product_key)[:300], "version": ver,
                "cpe": "", "purl": "", "advisories": set()})
            entry["advisories"].add(row.advisory_id)
            if not entry["cpe"]:
                entry["cpe"] = _entry_cpe(row.cpe, vk, pk, ver)
            if not entry["purl"] and row.purl:
                entry["purl"] = row.purl.split("?")[0].split("#")[0] if ver else row.purl.split("@")[0]
    if pairs is None:
        found = list(db.scalars(select(CatalogProduct)))
    else:
        found = []
        canonical = sorted(pairs)
        for i in range(0, len(canonical), CHUNK):
            found += list(db.scalars(select(CatalogProduct).where(
                tuple_(CatalogProduct.vendor_key, CatalogProduct.product_key).in_(canonical[i:i + CHUNK]))))
    existing = {(e.vendor_key, e.product_key, e.version): e for e in found}
    for key, entry in existing.items():
        if key not in wanted:
            db.delete(entry)
    db.flush()
    for (vk, pk, ver), data in wanted.items():
        row = existing.get((vk, pk, ver))
        if row is None:
            row = CatalogProduct(vendor_key=vk, product_key=pk, version=ver)
            db.add(row)
        row.vendor, row.product = data["vendor"], data["product"]
        row.name = display_name(data["vendor"], data["product"], ver)
        row.cpe, row.purl = data["cpe"][:1000], data["purl"][:1000]
        row.advisory_count = len(data["advisories"])
    db.flush()


def _entry_cpe(cpe: str, vendor_key: str, product_key: str, version: str) -> str:
    """The advisory's own CPE where it names exactly this version; otherwise one built from the keys."""
    if cpe and keys.is_cpe23(cpe):
        _, _, cpe_version = keys.cpe_fields(cpe)
        if version and cpe_version == version:
            return cpe
    return keys.cpe_for(vendor_key, product_key, version)


# ---------------------------------------------------------------- search

def search(db: Session, q: str, *, limit: int = SEARCH_LIMIT) -> list[CatalogProduct]:
    """Entries whose name contains ``q``, or whose vendor or product key starts with it (aliases too):
    name prefixes first, then the products most advisories name."""
    q = q.strip()[:200]
    if len(q) < 2:
        return []
    key = keys.product_key(q)
    aliases = load_aliases(db)
    vendor_keys = {k for k in (key, aliases.vendor(keys.vendor_key(q))) if k}
    product_keys = {key} | {v for (_, a), v in aliases.products.items() if a == key}
    words = q.casefold().split()
    name_match = and_(*[func.lower(CatalogProduct.name).contains(w, autoescape=True) for w in words])
    conditions = [name_match]
    for k in product_keys:
        conditions.append(CatalogProduct.product_key.startswith(k, autoescape=True))
    for k in vendor_keys:
        conditions.append(CatalogProduct.vendor_key == k)
    prefix = func.lower(CatalogProduct.name).startswith(q.casefold(), autoescape=True)
    stmt = select(CatalogProduct).where(or_(*conditions)).order_by(
        prefix.desc(), CatalogProduct.advisory_count.desc(), CatalogProduct.name, CatalogProduct.id).limit(limit)
    return list(db.scalars(stmt))


def get_entry(db: Session, entry_id: int) -> CatalogProduct:
    entry = db.get(CatalogProduct, entry_id)
    if entry is None:
        raise NotFound("Diesen Katalogeintrag gibt es nicht (mehr).", "No such catalogue entry.")
    return entry


def lookup_ids(db: Session) -> dict[tuple[str, str, str], int]:
    """(vendor key, product key, version) → entry id, for linking imported lines."""
    return {(v, p, ver): i for i, v, p, ver in db.execute(select(
        CatalogProduct.id, CatalogProduct.vendor_key, CatalogProduct.product_key, CatalogProduct.version))}


def entry_id_for(db: Session, vendor_key: str, product_key: str, version: str) -> int | None:
    rows = dict(db.execute(select(CatalogProduct.version, CatalogProduct.id).where(
        CatalogProduct.vendor_key == vendor_key, CatalogProduct.product_key == product_key,
        CatalogProduct.version.in_({version, ""}))).all())
    return rows.get(version) or rows.get("")

