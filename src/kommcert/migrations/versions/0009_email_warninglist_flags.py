"""e-mail indicators lose the flags of host name warninglists

Revision ID: 0009
Revises: 0008

Host name lists ("Very common domains", special-use names) were applied to the domain part of an
e-mail address, so evil.sender@outlook.com was flagged and left out of every blocking export and
scan set. Lists now apply to the types they were written for; values flagged that way are cleared
(a string list naming the whole address flags it again at its next refresh).
"""
from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE indicators SET warninglist = NULL WHERE type = 'email' "
               "AND warninglist IN (SELECT name FROM warninglists WHERE type = 'hostname')")


def downgrade() -> None:
    pass  # the flags were wrong; they are not restored
