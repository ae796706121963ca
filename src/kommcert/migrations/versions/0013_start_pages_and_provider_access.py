"""start pages (last visit) and the IT service provider's opt-in access

Revision ID: 0013
Revises: 0012
"""
from __future__ import annotations

from alembic import op  # noqa: F401

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
