"""compare indicator values and sighting keys byte by byte on PostgreSQL (collation "C")

Revision ID: 0005
Revises: 0004

The unique (type, value) index of ``indicators`` and (owner_org_id, idempotency_key) of
``sightings`` were compared under the database's locale (C.UTF-8, de_DE.UTF-8 …): every probe and
insert of an import went through strcoll. These are machine values; byte order is the right order
for them and lets the indexes compare with memcmp (and serve ``LIKE 'prefix%'``). SQLite already
compares bytes, so there is nothing to do there. Changing the collation rebuilds the indexes.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = (("indicators", "type", 16), ("indicators", "value", 2048), ("sightings", "idempotency_key", 120))


def _set_collation(collation: str | None) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in COLUMNS:
        op.alter_column(table, column, type_=sa.String(length, collation=collation),
                        existing_type=sa.String(length), existing_nullable=False)


def upgrade() -> None:
    _set_collation("C")


def downgrade() -> None:
    _set_collation("default")
