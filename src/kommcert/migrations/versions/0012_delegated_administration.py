"""delegated administration: contact proposals and org service tokens

Revision ID: 0012
Revises: 0011

Members propose changes to their organisation's emergency contacts (``contact_proposals``); the
administrators above accept or reject them. Service tokens record the address of their last use
(``api_tokens.last_used_ip``) next to its time. The new token scopes ``feed`` and ``scan`` fit the
existing ``api_tokens.scope`` column.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kommcert.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("phone_out_of_band", sa.String(length=64), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", kommcert.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", kommcert.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["org_contacts.id"],
                                name=op.f("fk_contact_proposals_contact_id_org_contacts"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"],
                                name=op.f("fk_contact_proposals_decided_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"],
                                name=op.f("fk_contact_proposals_org_id_organizations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"],
                                name=op.f("fk_contact_proposals_proposed_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_proposals")),
    )
    with op.batch_alter_table("contact_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_proposals_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_proposals_state"), ["state"], unique=False)
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_used_ip", sa.String(length=45), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("last_used_ip")
    with op.batch_alter_table("contact_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_proposals_state"))
        batch_op.drop_index(batch_op.f("ix_contact_proposals_org_id"))
    op.drop_table("contact_proposals")
