"""reports edited, re-marked and withdrawn

Revision ID: 0011
Revises: 0010

A withdrawn report keeps its rows (its audience may still read it, marked); its provenances stop
counting for feeds, search and scan sets. Who withdrew it is in the audit log.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kommcert.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column without constraints: SQLite adds it in place (no table copy under the
    # provenances' foreign keys).
    op.add_column("reports", sa.Column("withdrawn_at", kommcert.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("withdrawn_at")
