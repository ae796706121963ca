"""awareness: trainings, attendance, coverage, phishing aggregates, readiness

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 00:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kommcert.db

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('awareness_topics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('target_groups', sa.JSON(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_awareness_topics_org_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awareness_topics'))
    )
    op.create_index(op.f('ix_awareness_topics_org_id'), 'awareness_topics', ['org_id'], unique=False)
    op.create_table('awareness_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('target_groups', sa.JSON(), nullable=False),
    sa.Column('starts_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=1000), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('record_names', sa.Boolean(), nullable=False),
    sa.Column('cancelled_at', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('owner_org_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tlp', sa.String(length=16), nullable=False),
    sa.Column('upward', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_awareness_events_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organizations.id'], name=op.f('fk_awareness_events_owner_org_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['topic_id'], ['awareness_topics.id'], name=op.f('fk_awareness_events_topic_id_awareness_topics'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awareness_events'))
    )
    op.create_index(op.f('ix_awareness_events_owner_org_id'), 'awareness_events', ['owner_org_id'], unique=False)
    op.create_index(op.f('ix_awareness_events_starts_at'), 'awareness_events', ['starts_at'], unique=False)
    op.create_index(op.f('ix_awareness_events_tlp'), 'awareness_events', ['tlp'], unique=False)
    op.create_index(op.f('ix_awareness_events_topic_id'), 'awareness_events', ['topic_id'], unique=False)
    op.create_table('awareness_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_posted_on', sa.Date(), nullable=True),
    sa.Column('contacts_reviewed_on', sa.Date(), nullable=True),
    sa.Column('wiba_done', sa.Integer(), nullable=False),
    sa.Column('restore_test_on', sa.Date(), nullable=True),
    sa.Column('exercise_on', sa.Date(), nullable=True),
    sa.Column('reminded_at', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('owner_org_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tlp', sa.String(length=16), nullable=False),
    sa.Column('upward', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_awareness_profiles_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organizations.id'], name=op.f('fk_awareness_profiles_owner_org_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awareness_profiles')),
    sa.UniqueConstraint('owner_org_id', name='uq_awareness_profiles_owner')
    )
    op.create_index(op.f('ix_awareness_profiles_tlp'), 'awareness_profiles', ['tlp'], unique=False)
    op.create_table('phishing_campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=True),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('opened', sa.Integer(), nullable=False),
    sa.Column('clicked', sa.Integer(), nullable=False),
    sa.Column('submitted', sa.Integer(), nullable=False),
    sa.Column('reported', sa.Integer(), nullable=False),
    sa.Column('merged_groups', sa.Integer(), nullable=False),
    sa.Column('imported_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('owner_org_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tlp', sa.String(length=16), nullable=False),
    sa.Column('upward', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_phishing_campaigns_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organizations.id'], name=op.f('fk_phishing_campaigns_owner_org_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phishing_campaigns'))
    )
    op.create_index(op.f('ix_phishing_campaigns_owner_org_id'), 'phishing_campaigns', ['owner_org_id'], unique=False)
    op.create_index(op.f('ix_phishing_campaigns_tlp'), 'phishing_campaigns', ['tlp'], unique=False)
    op.create_table('awareness_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('target_group', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('names', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['awareness_events.id'], name=op.f('fk_awareness_attendance_event_id_awareness_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_awareness_attendance_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_awareness_attendance_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awareness_attendance')),
    sa.UniqueConstraint('event_id', 'org_id', 'target_group', name='uq_awareness_attendance')
    )
    op.create_index(op.f('ix_awareness_attendance_event_id'), 'awareness_attendance', ['event_id'], unique=False)
    op.create_index(op.f('ix_awareness_attendance_org_id'), 'awareness_attendance', ['org_id'], unique=False)
    op.create_table('awareness_headcounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('profile_id', sa.Integer(), nullable=False),
    sa.Column('target_group', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['profile_id'], ['awareness_profiles.id'], name=op.f('fk_awareness_headcounts_profile_id_awareness_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awareness_headcounts')),
    sa.UniqueConstraint('profile_id', 'target_group', name='uq_awareness_headcounts')
    )
    op.create_index(op.f('ix_awareness_headcounts_profile_id'), 'awareness_headcounts', ['profile_id'], unique=False)
    op.create_table('awareness_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('target_group', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['awareness_events.id'], name=op.f('fk_awareness_registrations_event_id_awareness_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_awareness_registrations_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_awareness_registrations_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awareness_registrations')),
    sa.UniqueConstraint('event_id', 'org_id', 'target_group', name='uq_awareness_registrations')
    )
    op.create_index(op.f('ix_awareness_registrations_event_id'), 'awareness_registrations', ['event_id'], unique=False)
    op.create_index(op.f('ix_awareness_registrations_org_id'), 'awareness_registrations', ['org_id'], unique=False)
    op.create_table('awareness_suggestions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_id', sa.Integer(), nullable=True),
    sa.Column('cause', sa.String(length=16), nullable=False),
    sa.Column('created_at', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('dismissed_at', kommcert.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('owner_org_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('tlp', sa.String(length=16), nullable=False),
    sa.Column('upward', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_awareness_suggestions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['incident_id'], ['incidents.id'], name=op.f('fk_awareness_suggestions_incident_id_incidents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organizations.id'], name=op.f('fk_awareness_suggestions_owner_org_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awareness_suggestions')),
    sa.UniqueConstraint('incident_id', name=op.f('uq_awareness_suggestions_incident_id'))
    )
    op.create_index(op.f('ix_awareness_suggestions_owner_org_id'), 'awareness_suggestions', ['owner_org_id'], unique=False)
    op.create_index(op.f('ix_awareness_suggestions_tlp'), 'awareness_suggestions', ['tlp'], unique=False)
    op.create_table('phishing_groups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('merged', sa.Boolean(), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('opened', sa.Integer(), nullable=False),
    sa.Column('clicked', sa.Integer(), nullable=False),
    sa.Column('submitted', sa.Integer(), nullable=False),
    sa.Column('reported', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['phishing_campaigns.id'], name=op.f('fk_phishing_groups_campaign_id_phishing_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phishing_groups'))
    )
    op.create_index(op.f('ix_phishing_groups_campaign_id'), 'phishing_groups', ['campaign_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_phishing_groups_campaign_id'), table_name='phishing_groups')
    op.drop_table('phishing_groups')
    op.drop_index(op.f('ix_awareness_suggestions_tlp'), table_name='awareness_suggestions')
    op.drop_index(op.f('ix_awareness_suggestions_owner_org_id'), table_name='awareness_suggestions')
    op.drop_table('awareness_suggestions')
    op.drop_index(op.f('ix_awareness_registrations_org_id'), table_name='awareness_registrations')
    op.drop_index(op.f('ix_awareness_registrations_event_id'), table_name='awareness_registrations')
    op.drop_table('awareness_registrations')
    op.drop_index(op.f('ix_awareness_headcounts_profile_id'), table_name='awareness_headcounts')
    op.drop_table('awareness_headcounts')
    op.drop_index(op.f('ix_awareness_attendance_org_id'), table_name='awareness_attendance')
    op.drop_index(op.f('ix_awareness_attendance_event_id'), table_name='awareness_attendance')
    op.drop_table('awareness_attendance')
    op.drop_index(op.f('ix_phishing_campaigns_tlp'), table_name='phishing_campaigns')
    op.drop_index(op.f('ix_phishing_campaigns_owner_org_id'), table_name='phishing_campaigns')
    op.drop_table('phishing_campaigns')
    op.drop_index(op.f('ix_awareness_profiles_tlp'), table_name='awareness_profiles')
    op.drop_table('awareness_profiles')
    op.drop_index(op.f('ix_awareness_events_topic_id'), table_name='awareness_events')
    op.drop_index(op.f('ix_awareness_events_tlp'), table_name='awareness_events')
    op.drop_index(op.f('ix_awareness_events_starts_at'), table_name='awareness_events')
    op.drop_index(op.f('ix_awareness_events_owner_org_id'), table_name='awareness_events')
    op.drop_table('awareness_events')
    op.drop_index(op.f('ix_awareness_topics_org_id'), table_name='awareness_topics')
    op.drop_table('awareness_topics')
