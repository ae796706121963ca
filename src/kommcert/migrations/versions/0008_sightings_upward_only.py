"""sightings travel upward only: publishers of the indicator are no longer addressed

Revision ID: 0008
Revises: 0007

Until now a sighting addressed the organisations that published its indicator, so they saw the
reporter's name, log source and system. Anyone becomes a publisher by importing a value (a Gemeinde
re-importing another Kreis's value as GREEN saw that Kreis's sightings), so publishing grants no
details any more: the reporter, its ancestors and the CERTs see them, everyone else counts only.
Sightings never had other share targets, so all of theirs go.
"""
from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM share_targets WHERE object_type = 'sighting'")


def downgrade() -> None:
    pass  # the removed audiences were a leak; they are not restored
