"""Migration 0014 adds and removes ``organizations.bsig_in_scope`` without rebuilding the table."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from kommcert.db import make_engine
from kommcert.migrate import alembic_config, upgrade


def test_up_and_down_keep_every_row_that_points_at_an_organisation(tmp_path) -> None:  # noqa: ANN001
    # On SQLite a batch rebuild drops ``organizations``; with foreign keys on, ON DELETE CASCADE then
    # empties share_targets, users and the rest. A plain ADD/DROP COLUMN leaves them alone.
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url, revision="0013")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organizations (key, kind, name, require_totp, created_at, updated_at) "
                          "VALUES ('x', 'land', 'X', 0, '2026-01-01', '2026-01-01')"))
        conn.execute(text("INSERT INTO share_targets (object_type, object_id, org_id, include_subtree, created_at) "
                          "SELECT 'report', 1, id, 1, '2026-01-01' FROM organizations"))
    engine.dispose()
    upgrade(url, revision="0014")
    command.downgrade(alembic_config(url), "0013")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM share_targets")).scalar() == 1
            columns = [row[1] for row in conn.execute(text("PRAGMA table_info(organizations)"))]
            assert "bsig_in_scope" not in columns
    finally:
        engine.dispose()
