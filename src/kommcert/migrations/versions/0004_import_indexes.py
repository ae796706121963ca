"""drop indexes no query needs, which every imported row paid for or which misled the planner

Revision ID: 0004
Revises: 0003

``indicators.uuid`` is a random UUID (version 4) used only to name the indicator in exports; nothing
looks an indicator up by it. ``provenances.valid_until`` is only read per indicator, after the
(indicator_id, report_id) index found the rows. ``sightings.owner_org_id`` is the first column of
the unique (owner_org_id, idempotency_key) index; with the single-column index beside it, PostgreSQL
checked a batch's keys by scanning all of the organisation's sightings (quadratic at 100k).
"""
from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sightings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sightings_owner_org_id"))
    with op.batch_alter_table("provenances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provenances_valid_until"))
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_indicators_uuid"), type_="unique")


def downgrade() -> None:
    with op.batch_alter_table("sightings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sightings_owner_org_id"), ["owner_org_id"], unique=False)
    with op.batch_alter_table("indicators", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_indicators_uuid"), ["uuid"])
    with op.batch_alter_table("provenances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provenances_valid_until"), ["valid_until"], unique=False)
