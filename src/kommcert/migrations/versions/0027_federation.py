"""federation: peers (kommcert instances) and what they sent

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 00:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kommcert.db

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('federation_peers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('max_tlp', sa.String(length=16), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('push_cursor', sa.JSON(), nullable=False),
    sa.Column('last_push_at', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_push_error', sa.Text(), nullable=False),
    sa.Column('sightings_sent', sa.Integer(), nullable=False),
    sa.Column('last_received_at', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sightings_received', sa.Integer(), nullable=False),
    sa.Column('created_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_federation_peers_org_id_organizations'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['subscriptions.id'],
                            name=op.f('fk_federation_peers_subscription_id_subscriptions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_federation_peers')),
    sa.UniqueConstraint('org_id', name=op.f('uq_federation_peers_org_id')),
    sa.UniqueConstraint('subscription_id', name=op.f('uq_federation_peers_subscription_id')),
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_from_peer', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('received_from_peer')
    op.drop_table('federation_peers')
