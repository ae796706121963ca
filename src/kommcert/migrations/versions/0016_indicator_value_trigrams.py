"""a trigram index over indicator values on PostgreSQL, for searches by part of a value

Revision ID: 0016
Revises: 0015

Searching for part of a value (``LIKE '%…%'``) read every value: for a rare string among a million
values half a second of a CERT analyst's search. ``pg_trgm`` (a trusted extension since PostgreSQL
13: the database owner may create it) answers it from a GIN index. SQLite has no such index; its
searches walk id windows as before. The index is not in the models (no portable declaration):
``kommcert.migrate.DATABASE_ONLY_INDEXES`` keeps autogenerate from dropping it.
"""
from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX IF NOT EXISTS ix_indicators_value_trgm ON indicators USING gin (value gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_indicators_value_trgm")
