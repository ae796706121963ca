"""Product inventories: each organisation keeps what it runs (vendor, product, version, CPE 2.3, purl,
count, where used). One :class:`Inventory` per organisation is the ``Shared`` object — AMBER+STRICT
with ``upward`` (the owner, its Kreis and the Land/CERTs see it, no other municipality) — and its lines
are parts of it, like a report's comments. An IT service provider that keeps the inventory on a
municipality's behalf is addressed in the inventory's audience and named in ``managed_by_org_id``.

The catalogue is built from the products named in advisories that every member may see (TLP:CLEAR and
GREEN), with vendor and product aliases, so that a small municipality picks a product from a search
list instead of typing a CPE.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kommcert.db import Base, utcnow
from kommcert.sharing.models import Shared


class Inventory(Shared, Base):
    __tablename__ = "inventories"
    __share_type__ = "inventory"
    __owner_index__ = False  # the unique index on owner_org_id serves

    id: Mapped[int] = mapped_column(primary_key=True)
    managed_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("owner_org_id", name="uq_inventories_owner"),)


class InventoryItem(Base):
    __tablename__ = "inventory_items"
    __table_args__ = (Index("ix_inventory_items_vendor_product", "vendor_key", "product_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inventory_id: Mapped[int] = mapped_column(ForeignKey("inventories.id", ondelete="CASCADE"), index=True)
    vendor: Mapped[str] = mapped_column(String(300), default="")
    product: Mapped[str] = mapped_column(String(300))
    version: Mapped[str] = mapped_column(String(200), default="")
    cpe: Mapped[str] = mapped_column(String(1000), default="")
    purl: Mapped[str] = mapped_column(String(1000), default="")
    count: Mapped[int] = mapped_column(Integer, default=1)
    where_used: Mapped[str] = mapped_column(String(500), default="")
    # Normalised (lower case, aliases applied) for matching; set by the service on every write.
    vendor_key: Mapped[str] = mapped_column(String(300), default="")
    product_key: Mapped[str] = mapped_column(String(300), default="")
    catalog_product_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_products.id", ondelete="SET NULL"), default=None)
    origin: Mapped[str] = mapped_column(String(12), default="manual")  # manual | csv | cyclonedx | api
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CatalogProduct(Base):
    """A product as advisories name it: "Microsoft Exchange Server 2019" with its CPE prefix or purl."""

    __tablename__ = "catalog_products"
    __table_args__ = (UniqueConstraint("vendor_key", "product_key", "version", name="uq_catalog_products"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(600))
    vendor: Mapped[str] = mapped_column(String(300), default="")
    product: Mapped[str] = mapped_column(String(300))
    version: Mapped[str] = mapped_column(String(200), default="")
    vendor_key: Mapped[str] = mapped_column(String(300), default="")
    product_key: Mapped[str] = mapped_column(String(300))
    cpe: Mapped[str] = mapped_column(String(1000), default="")
    purl: Mapped[str] = mapped_column(String(1000), default="")
    advisory_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CatalogAlias(Base):
    """``kind`` vendor or product: ``alias_key`` (normalised spelling) means ``canonical_key``;
    for products ``vendor_key`` says whose product (empty: any vendor)."""

    __tablename__ = "catalog_aliases"
    __table_args__ = (UniqueConstraint("kind", "vendor_key", "alias_key", name="uq_catalog_aliases"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    vendor_key: Mapped[str] = mapped_column(String(300), default="")
    alias_key: Mapped[str] = mapped_column(String(300))
    canonical_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
