"""incidents (Vorfälle) and the organisations' § 32 BSIG flag

Revision ID: 0014
Revises: 0013

An incident is a shared object (TLP:AMBER+STRICT, upward); its participants, tasks, timeline,
observables, evidence records and files are parts of it and cascade with it.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kommcert.db

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=False),
    sa.Column('phase', sa.String(length=16), nullable=False),
    sa.Column('reported_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_known_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reporter_name', sa.String(length=200), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('filed_by_id', sa.Integer(), nullable=True),
    sa.Column('on_behalf', sa.Boolean(), nullable=False),
    sa.Column('filed_by_org_id', sa.Integer(), nullable=True),
    sa.Column('callback_phone', sa.String(length=64), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('personal_data_affected', sa.Boolean(), nullable=False),
    sa.Column('data_exfiltrated', sa.Boolean(), nullable=False),
    sa.Column('citizen_services_down', sa.Boolean(), nullable=False),
    sa.Column('ransom_note', sa.Boolean(), nullable=False),
    sa.Column('bsig_answer', sa.Boolean(), nullable=False),
    sa.Column('land_rules_in_scope', sa.Boolean(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('owner_org_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tlp', sa.String(length=16), nullable=False),
    sa.Column('upward', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_incidents_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_incidents_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['incidents.id'], name=op.f('fk_incidents_duplicate_of_id_incidents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['filed_by_id'], ['users.id'], name=op.f('fk_incidents_filed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['filed_by_org_id'], ['organizations.id'], name=op.f('fk_incidents_filed_by_org_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organizations.id'], name=op.f('fk_incidents_owner_org_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_incidents_reporter_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    sa.UniqueConstraint('uuid', name=op.f('uq_incidents_uuid'))
    )
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incidents_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_owner_org_id'), ['owner_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_phase'), ['phase'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_reported_at'), ['reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incidents_tlp'), ['tlp'], unique=False)

    op.create_table('incident_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_attachments_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_incident_attachments_org_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_incident_attachments_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_attachments'))
    )
    with op.batch_alter_table('incident_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_attachments_incident_id'), ['incident_id'], unique=False)

    op.create_table('incident_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_org_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_incident_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['actor_org_id'], ['organizations.id'], name=op.f('fk_incident_events_actor_org_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_events_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_events'))
    )
    with op.batch_alter_table('incident_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_events_incident_id'), ['incident_id'], unique=False)

    op.create_table('incident_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('handed_from', sa.String(length=200), nullable=False),
    sa.Column('handed_to', sa.String(length=200), nullable=False),
    sa.Column('handed_at', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_evidence_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_incident_evidence_org_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_incident_evidence_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_evidence'))
    )
    with op.batch_alter_table('incident_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_evidence_incident_id'), ['incident_id'], unique=False)

    op.create_table('incident_observables',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=2048), nullable=False),
    sa.Column('indicator_type', sa.String(length=16), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('share', sa.Boolean(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_incident_observables_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_observables_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_incident_observables_org_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_observables')),
    sa.UniqueConstraint('incident_id', 'type', 'value', name=op.f('uq_incident_observables_incident_id_type_value'))
    )
    with op.batch_alter_table('incident_observables', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_observables_incident_id'), ['incident_id'], unique=False)

    op.create_table('incident_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_incident_participants_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_participants_incident_id_incidents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_incident_participants_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_participants')),
    sa.UniqueConstraint('incident_id', 'org_id', name=op.f('uq_incident_participants_incident_id_org_id'))
    )
    with op.batch_alter_table('incident_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_participants_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_participants_org_id'), ['org_id'], unique=False)

    op.create_table('incident_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('due_at', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('done_at', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_incident_tasks_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_incident_tasks_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_incident_tasks_done_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_incident_tasks_incident_id_incidents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_tasks'))
    )
    with op.batch_alter_table('incident_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_tasks_incident_id'), ['incident_id'], unique=False)

    # A plain ADD COLUMN, never a batch rebuild: on SQLite rebuilding ``organizations`` drops the
    # table, and its ON DELETE CASCADE foreign keys would empty share_targets, users and more.
    op.add_column('organizations', sa.Column('bsig_in_scope', sa.Boolean(), nullable=False,
                                             server_default=sa.text('0' if op.get_bind().dialect.name == 'sqlite'
                                                                    else 'false')))



def downgrade() -> None:
    # A plain DROP COLUMN (SQLite ≥ 3.35), never a batch rebuild: see upgrade().
    op.drop_column('organizations', 'bsig_in_scope')

    with op.batch_alter_table('incident_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_tasks_incident_id'))

    op.drop_table('incident_tasks')
    with op.batch_alter_table('incident_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_participants_org_id'))
        batch_op.drop_index(batch_op.f('ix_incident_participants_incident_id'))

    op.drop_table('incident_participants')
    with op.batch_alter_table('incident_observables', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_observables_incident_id'))

    op.drop_table('incident_observables')
    with op.batch_alter_table('incident_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_evidence_incident_id'))

    op.drop_table('incident_evidence')
    with op.batch_alter_table('incident_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_events_incident_id'))

    op.drop_table('incident_events')
    with op.batch_alter_table('incident_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_attachments_incident_id'))

    op.drop_table('incident_attachments')
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incidents_tlp'))
        batch_op.drop_index(batch_op.f('ix_incidents_reported_at'))
        batch_op.drop_index(batch_op.f('ix_incidents_phase'))
        batch_op.drop_index(batch_op.f('ix_incidents_owner_org_id'))
        batch_op.drop_index(batch_op.f('ix_incidents_assignee_id'))

    op.drop_table('incidents')
