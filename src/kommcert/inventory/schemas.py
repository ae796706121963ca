"""Input and output of inventories. Lengths and the count are checked by the service with a German
message (the same words for the API, the pages, CSV and SBOM lines); the schemas only type them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from kommcert.validation import Id

FIELDS = ("vendor", "product", "version", "cpe", "purl", "count", "where_used")


class ItemIn(BaseModel):
    """One product an organisation runs. ``product`` may stay empty when ``cpe`` or ``purl`` names it."""

    vendor: str = Field("", max_length=2000)
    product: str = Field("", max_length=2000)
    version: str = Field("", max_length=2000)
    cpe: str = Field("", max_length=2000)
    purl: str = Field("", max_length=2000)
    count: int = Field(1, ge=-(2**31), le=2**31 - 1)
    where_used: str = Field("", max_length=2000)
    catalog_product_id: Id | None = None


class ItemUpdate(BaseModel):
    """Only the fields given change."""

    vendor: str | None = Field(None, max_length=2000)
    product: str | None = Field(None, max_length=2000)
    version: str | None = Field(None, max_length=2000)
    cpe: str | None = Field(None, max_length=2000)
    purl: str | None = Field(None, max_length=2000)
    count: int | None = Field(None, ge=-(2**31), le=2**31 - 1)
    where_used: str | None = Field(None, max_length=2000)


class ItemRead(BaseModel):
    id: int
    vendor: str
    product: str
    version: str
    cpe: str
    purl: str
    count: int
    where_used: str
    vendor_key: str
    product_key: str
    catalog_product_id: int | None
    origin: str
    updated_at: datetime


class InventoryRead(BaseModel):
    org_id: int
    org_name: str
    inventory_id: int | None
    keeper_org_id: int | None
    keeper_name: str | None
    may_edit: bool
    items: list[ItemRead]


class KeeperIn(BaseModel):
    """The IT service provider that keeps the inventory (one that serves the organisation); null withdraws."""

    provider_org_id: Id | None = None


class CatalogEntryRead(BaseModel):
    id: int
    name: str
    vendor: str
    product: str
    version: str
    vendor_key: str
    product_key: str
    cpe: str
    purl: str
    advisory_count: int


class ImportLineRead(BaseModel):
    line: int
    vendor: str
    product: str
    version: str
    count: int
    errors: list[str]


class ImportResultRead(BaseModel):
    org_id: int
    added: int
    removed: int
