"""the team named on accepting a help request, kept on the request (not in the incident's timeline)

Revision ID: 0022
Revises: 0021
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, never a batch rebuild: on SQLite rebuilding ``help_requests`` drops the table,
    # and with foreign keys on that cascades into the deployments that point at it (see 0015).
    op.add_column("help_requests", sa.Column("team", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))


def downgrade() -> None:
    op.drop_column("help_requests", "team")
