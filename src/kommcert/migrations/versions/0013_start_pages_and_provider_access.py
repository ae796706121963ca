"""start pages (last visit) and the IT service provider's opt-in access

Revision ID: 0013
Revises: 0012
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kommcert.db import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "start_page_visits",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("since", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_start_page_visits_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_start_page_visits")),
    )
    op.create_table(
        "provider_access",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_provider_access_org_id_organizations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_provider_access")),
    )


def downgrade() -> None:
    op.drop_table("provider_access")
    op.drop_table("start_page_visits")
