"""registry of helpers: provider profiles, regions served, people

Revision ID: 0019
Revises: 0018
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kommcert.db import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_profiles",
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("qualifications", sa.JSON(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("on_call_phone", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"],
                                name=op.f("fk_provider_profiles_org_id_organizations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_provider_profiles")),
    )
    op.create_table(
        "provider_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider_org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["provider_org_id"], ["provider_profiles.org_id"],
                                name=op.f("fk_provider_people_provider_org_id_provider_profiles"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_provider_people_user_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_people")),
    )
    with op.batch_alter_table("provider_people", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_people_provider_org_id"), ["provider_org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_provider_people_user_id"), ["user_id"], unique=False)
    op.create_table(
        "provider_regions",
        sa.Column("provider_org_id", sa.Integer(), nullable=False),
        sa.Column("region_org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["provider_org_id"], ["provider_profiles.org_id"],
                                name=op.f("fk_provider_regions_provider_org_id_provider_profiles"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["region_org_id"], ["organizations.id"],
                                name=op.f("fk_provider_regions_region_org_id_organizations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("provider_org_id", "region_org_id", name=op.f("pk_provider_regions")),
    )
    with op.batch_alter_table("provider_regions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provider_regions_region_org_id"), ["region_org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("provider_regions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_regions_region_org_id"))
    op.drop_table("provider_regions")
    with op.batch_alter_table("provider_people", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_people_user_id"))
        batch_op.drop_index(batch_op.f("ix_provider_people_provider_org_id"))
    op.drop_table("provider_people")
    op.drop_table("provider_profiles")
