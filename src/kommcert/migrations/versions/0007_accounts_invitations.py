"""invitations and organisation service tokens

Revision ID: 0007
Revises: 0006

An administrator who creates an account no longer sets or sees its password. The account gets a
one-time link (only its SHA-256 is stored here) with which its owner sets the password. Appliances
get service tokens of their organisation instead of a person's token (``api_tokens.org_id``).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kommcert.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", kommcert.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", kommcert.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", kommcert.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_user_invitations_created_by_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_invitations_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_invitations_token_hash")),
    )
    with op.batch_alter_table("user_invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_invitations_user_id"), ["user_id"], unique=False)

    # Service tokens of an organisation (no person): user_id may be empty, org_id names the owner.
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("org_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_api_tokens_org_id_organizations"), "organizations", ["org_id"],
                                    ["id"], ondelete="CASCADE")
        batch_op.create_foreign_key(batch_op.f("fk_api_tokens_created_by_id_users"), "users", ["created_by_id"],
                                    ["id"], ondelete="SET NULL")
        batch_op.create_index(batch_op.f("ix_api_tokens_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_org_id"))
        batch_op.drop_constraint(batch_op.f("fk_api_tokens_created_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_api_tokens_org_id_organizations"), type_="foreignkey")
        batch_op.drop_column("created_by_id")
        batch_op.drop_column("org_id")
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("user_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_invitations_user_id"))
    op.drop_table("user_invitations")
