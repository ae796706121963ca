"""publications of incident observables as community reports, and the time to protection

Revision ID: 0018
Revises: 0017
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kommcert.db import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_publications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_published_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_download_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_download_org_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["first_download_org_id"], ["organizations.id"],
                                name=op.f("fk_incident_publications_first_download_org_id_organizations"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"],
                                name=op.f("fk_incident_publications_incident_id_incidents"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["published_by_id"], ["users.id"],
                                name=op.f("fk_incident_publications_published_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"],
                                name=op.f("fk_incident_publications_report_id_reports"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_publications")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_incident_publications_incident_id")),
    )
    with op.batch_alter_table("incident_publications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_publications_first_download_at"), ["first_download_at"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_incident_publications_report_id"), ["report_id"], unique=False)
    op.create_table(
        "incident_published_observables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observable_id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("indicator_type", sa.String(length=16), nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["observable_id"], ["incident_observables.id"],
                                name=op.f("fk_incident_published_observables_observable_id_incident_observables"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["publication_id"], ["incident_publications.id"],
                                name=op.f("fk_incident_published_observables_publication_id_incident_publications"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"],
                                name=op.f("fk_incident_published_observables_report_id_reports"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_published_observables")),
        sa.UniqueConstraint("observable_id", name=op.f("uq_incident_published_observables_observable_id")),
    )
    with op.batch_alter_table("incident_published_observables", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_published_observables_publication_id"), ["publication_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incident_published_observables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_published_observables_publication_id"))
    op.drop_table("incident_published_observables")
    with op.batch_alter_table("incident_publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_publications_report_id"))
        batch_op.drop_index(batch_op.f("ix_incident_publications_first_download_at"))
    op.drop_table("incident_publications")
