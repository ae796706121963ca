"""TAXII 2.1 server: date_added of provenances, status resources

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 00:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import kommcert.db

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

# Rows stored before this revision: their import time plus their id in microseconds, so that the
# rows of one import (which share created_at) get distinct date_added values, in id order.
_BACKFILL_PG = "UPDATE provenances SET added_at = created_at + id * interval '1 microsecond'"
# SQLite keeps SQLAlchemy's text form 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds carried by strftime,
# the microseconds written back with six digits.
_MICROS = "(CAST(substr(created_at, 21, 6) AS INTEGER) + id)"
_SECONDS = f"strftime('%Y-%m-%d %H:%M:%S', substr(created_at, 1, 19), '+' || ({_MICROS} / 1000000) || ' seconds')"
_BACKFILL_SQLITE = f"UPDATE provenances SET added_at = {_SECONDS} || '.' || printf('%06d', {_MICROS} % 1000000)"  # noqa: S608


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    # NOT NULL needs a value for the rows already there; the backfill replaces it at once.
    op.add_column('provenances', sa.Column('added_at', kommcert.db.UTCDateTime(timezone=True), nullable=False,
                                           server_default=sa.text("'1970-01-01 00:00:00+00'") if postgres
                                           else sa.text("'1970-01-01 00:00:00.000000'")))
    op.execute(_BACKFILL_PG if postgres else _BACKFILL_SQLITE)
    if postgres:  # SQLite cannot drop a default without copying the table; every writer sets the column
        op.alter_column('provenances', 'added_at', server_default=None)
    op.create_index('ix_provenances_added_at_id', 'provenances', ['added_at', 'id'], unique=False)
    # TAXII finds an object by its STIX id (indicator--<uuid>)
    op.create_index(op.f('ix_indicators_uuid'), 'indicators', ['uuid'], unique=False)
    op.create_table('taxii_statuses',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('collection_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('request_timestamp', kommcert.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('total_count', sa.Integer(), nullable=False),
    sa.Column('success_count', sa.Integer(), nullable=False),
    sa.Column('failure_count', sa.Integer(), nullable=False),
    sa.Column('pending_count', sa.Integer(), nullable=False),
    sa.Column('successes', sa.JSON(), nullable=False),
    sa.Column('failures', sa.JSON(), nullable=False),
    sa.Column('report_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_taxii_statuses_org_id_organizations'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_taxii_statuses_user_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_taxii_statuses'))
    )
    op.create_index(op.f('ix_taxii_statuses_org_id'), 'taxii_statuses', ['org_id'], unique=False)
    op.create_index(op.f('ix_taxii_statuses_request_timestamp'), 'taxii_statuses', ['request_timestamp'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_taxii_statuses_request_timestamp'), table_name='taxii_statuses')
    op.drop_index(op.f('ix_taxii_statuses_org_id'), table_name='taxii_statuses')
    op.drop_table('taxii_statuses')
    op.drop_index(op.f('ix_indicators_uuid'), table_name='indicators')
    op.drop_index('ix_provenances_added_at_id', table_name='provenances')
    with op.batch_alter_table('provenances') as batch:
        batch.drop_column('added_at')
