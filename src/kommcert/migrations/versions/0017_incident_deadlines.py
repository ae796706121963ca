"""the legal deadlines of each incident, with reminders and who marked them done

Revision ID: 0017
Revises: 0016

One row per deadline rule that applies to an incident (``incidents.deadline_models``), kept up to date
by ``incidents.deadline_service.recompute``; ``next_remind_at`` is indexed for the reminder job.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kommcert.db

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incident_deadlines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('rule_key', sa.String(length=64), nullable=False),
    sa.Column('title_de', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('basis', sa.String(length=300), nullable=False),
    sa.Column('recipient_de', sa.String(length=300), nullable=False),
    sa.Column('recipient_en', sa.String(length=300), nullable=False),
    sa.Column('due_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('remind_at', sa.JSON(), nullable=False),
    sa.Column('next_remind_at', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_until', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_at', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_incident_deadlines_done_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_deadlines_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_deadlines')),
    sa.UniqueConstraint('incident_id', 'rule_key', name=op.f('uq_incident_deadlines_incident_id_rule_key'))
    )
    with op.batch_alter_table('incident_deadlines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_deadlines_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_deadlines_next_remind_at'), ['next_remind_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('incident_deadlines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_deadlines_next_remind_at'))
        batch_op.drop_index(batch_op.f('ix_incident_deadlines_incident_id'))
    op.drop_table('incident_deadlines')
