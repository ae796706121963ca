"""invitations: accounts created by someone else get their password from their owner

Revision ID: 0007
Revises: 0006

An administrator who creates an account no longer sets or sees its password. The account gets a
one-time link (only its SHA-256 is stored here) with which its owner sets the password.
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


def downgrade() -> None:
    with op.batch_alter_table("user_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_invitations_user_id"))
    op.drop_table("user_invitations")
