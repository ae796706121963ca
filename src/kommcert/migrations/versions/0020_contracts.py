"""framework contract of the Land: rate card lines, contingents and their ledger

Revision ID: 0020
Revises: 0019
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kommcert.db import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("contingents",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("org_id", sa.Integer(), nullable=False),
    sa.Column("year", sa.Integer(), nullable=False),
    sa.Column("unit", sa.String(length=8), nullable=False),
    sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_contingents_org_id_organizations"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_contingents")),
    sa.UniqueConstraint("org_id", "year", name=op.f("uq_contingents_org_id_year"))
    )
    with op.batch_alter_table("contingents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contingents_org_id"), ["org_id"], unique=False)

    op.create_table("contingent_entries",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("contingent_id", sa.Integer(), nullable=False),
    sa.Column("kind", sa.String(length=8), nullable=False),
    sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column("reference", sa.String(length=200), nullable=False),
    sa.Column("created_by_id", sa.Integer(), nullable=True),
    sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["contingent_id"], ["contingents.id"], name=op.f("fk_contingent_entries_contingent_id_contingents"), ondelete="CASCADE"),
    sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_contingent_entries_created_by_id_users"), ondelete="SET NULL"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_contingent_entries"))
    )
    with op.batch_alter_table("contingent_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contingent_entries_contingent_id"), ["contingent_id"], unique=False)

    op.create_table("framework_contracts",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("title", sa.String(length=200), nullable=False),
    sa.Column("provider_org_id", sa.Integer(), nullable=False),
    sa.Column("valid_from", sa.Date(), nullable=False),
    sa.Column("valid_until", sa.Date(), nullable=False),
    sa.Column("created_by_id", sa.Integer(), nullable=True),
    sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_framework_contracts_created_by_id_users"), ondelete="SET NULL"),
    sa.ForeignKeyConstraint(["provider_org_id"], ["organizations.id"], name=op.f("fk_framework_contracts_provider_org_id_organizations"), ondelete="RESTRICT"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_contracts"))
    )
    with op.batch_alter_table("framework_contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_framework_contracts_provider_org_id"), ["provider_org_id"], unique=False)

    op.create_table("rate_card_lines",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("contract_id", sa.Integer(), nullable=False),
    sa.Column("role", sa.String(length=100), nullable=False),
    sa.Column("hourly_rate", sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column("daily_flat_rate", sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column("travel_flat_rate", sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column("valid_from", sa.Date(), nullable=False),
    sa.Column("valid_until", sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(["contract_id"], ["framework_contracts.id"], name=op.f("fk_rate_card_lines_contract_id_framework_contracts"), ondelete="CASCADE"),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_card_lines"))
    )
    with op.batch_alter_table("rate_card_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_card_lines_contract_id"), ["contract_id"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("rate_card_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_card_lines_contract_id"))

    op.drop_table("rate_card_lines")
    with op.batch_alter_table("framework_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_framework_contracts_provider_org_id"))

    op.drop_table("framework_contracts")
    with op.batch_alter_table("contingent_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contingent_entries_contingent_id"))

    op.drop_table("contingent_entries")
    with op.batch_alter_table("contingents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contingents_org_id"))

    op.drop_table("contingents")
