"""advisory matches: bulk-friendly schema for the full re-match

``advisory_matches`` loses its two foreign keys (to ``advisories`` and ``organizations``). The rows are
derived data that every match rewrites; on PostgreSQL the per-row checks of the two keys were ~24 s of
the ~56 s the first full re-match spent writing its ~3 million rows. kommcert deletes neither
advisories nor organisations (withdrawn / deactivated instead); the matching code removes rows whose
advisory or organisation is gone (see docs/architecture.md, matching, decision 7).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 00:50:00
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("advisory_matches", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_advisory_matches_advisory_id_advisories"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_advisory_matches_org_id_organizations"), type_="foreignkey")


def downgrade() -> None:
    # Rows of advisories or organisations deleted meanwhile would fail the keys' validation.
    op.execute("DELETE FROM advisory_matches WHERE advisory_id NOT IN (SELECT id FROM advisories) "
               "OR org_id NOT IN (SELECT id FROM organizations)")
    with op.batch_alter_table("advisory_matches", schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f("fk_advisory_matches_advisory_id_advisories"), "advisories",
                                    ["advisory_id"], ["id"], ondelete="CASCADE")
        batch_op.create_foreign_key(batch_op.f("fk_advisory_matches_org_id_organizations"), "organizations",
                                    ["org_id"], ["id"], ondelete="CASCADE")
