"""subscriptions

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 00:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kommcert.db

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_org_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('auth_user', sa.String(length=200), nullable=False),
    sa.Column('auth_secret', sa.Text(), nullable=False),
    sa.Column('tlp', sa.String(length=16), nullable=False),
    sa.Column('audience', sa.JSON(), nullable=False),
    sa.Column('confidence', sa.Integer(), nullable=True),
    sa.Column('lifetime_days', sa.Integer(), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('interval_minutes', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('cursor', sa.JSON(), nullable=False),
    sa.Column('last_attempt_at', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failing_since', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_imported', sa.Integer(), nullable=False),
    sa.Column('last_removed', sa.Integer(), nullable=False),
    sa.Column('total_imported', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('acting_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['acting_user_id'], ['users.id'], name=op.f('fk_subscriptions_acting_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_subscriptions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organizations.id'], name=op.f('fk_subscriptions_owner_org_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_subscriptions_report_id_reports'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions'))
    )
    op.create_index(op.f('ix_subscriptions_next_attempt_at'), 'subscriptions', ['next_attempt_at'], unique=False)
    op.create_index(op.f('ix_subscriptions_owner_org_id'), 'subscriptions', ['owner_org_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_subscriptions_owner_org_id'), table_name='subscriptions')
    op.drop_index(op.f('ix_subscriptions_next_attempt_at'), table_name='subscriptions')
    op.drop_table('subscriptions')
