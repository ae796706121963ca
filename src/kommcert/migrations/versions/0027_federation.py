"""federation: peers (kommcert instances) and what they sent

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 00:50:00
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
