"""Models and migrations agree, on SQLite and (where the suite runs on it) PostgreSQL."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from kommcert import migrate
from kommcert.db import Base, import_models, make_engine


def _diff(engine: Engine) -> list:
    import_models()
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": migrate.include_object})
        return compare_metadata(ctx, Base.metadata)


def test_it_migrates_a_fresh_sqlite_database_to_the_models(tmp_path) -> None:  # noqa: ANN001
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        assert _diff(engine) == []
        assert "organizations" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_it_migrates_the_suite_database_to_the_models(engine: Engine) -> None:
    # The session fixture migrated the suite's database (PostgreSQL in CI) from an empty schema.
    expected = "postgresql" if os.environ.get("KOMMCERT_TEST_DATABASE_URL", "").startswith(
        "postgresql") else "sqlite"
    assert engine.dialect.name == expected
    assert _diff(engine) == []


def test_it_has_one_head() -> None:
    assert len(migrate.current_heads("sqlite://")) == 1


def test_machine_values_compare_bytewise_on_postgresql(engine: Engine) -> None:
    # Migration 0005: the unique indexes over indicator values and sighting keys compare bytes.
    import_models()
    inspector = inspect(engine)
    columns = {(t, c["name"]): c for t in ("indicators", "sightings", "reports") for c in inspector.get_columns(t)}
    wanted = "C" if engine.dialect.name == "postgresql" else None
    for key in (("indicators", "value"), ("indicators", "type"), ("sightings", "idempotency_key")):
        assert columns[key]["type"].collation == wanted, key
    assert columns[("reports", "title")]["type"].collation is None


def test_data_migrations_clear_leaky_audiences_and_wrong_email_flags(tmp_path) -> None:  # noqa: ANN001
    """0008: sightings addressed their publishers (details sideways); 0009: host name lists had
    flagged e-mail addresses at common providers."""
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, revision="0007")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO organizations (id, key, kind, name, require_totp, created_at, updated_at) "
                              "VALUES (1, 'k', 'kreis', 'Kreis', 0, '2020-01-01', '2020-01-01')"))
            conn.execute(text("INSERT INTO share_targets (object_type, object_id, org_id, include_subtree, created_at) "
                              "VALUES ('sighting', 1, 1, 0, '2020-01-01'), ('report', 1, 1, 1, '2020-01-01')"))
            conn.execute(text("INSERT INTO warninglists (name, description, version, type, builtin, enabled, entries, "
                              "updated_at) VALUES ('Common', '', 1, 'hostname', 1, 1, 'outlook.com', '2020-01-01'), "
                              "('Exact', '', 1, 'string', 1, 1, 'x@y.example', '2020-01-01')"))
            for n, (kind, value, flag) in enumerate([("email", "evil@outlook.com", "Common"),
                                                     ("domain", "outlook.com", "Common"),
                                                     ("email", "x@y.example", "Exact")]):
                conn.execute(text("INSERT INTO indicators (uuid, type, value, created_at, updated_at, warninglist, "
                                  "warninglist_override, review_state) VALUES (:u, :t, :v, '2020-01-01', '2020-01-01', "
                                  ":w, 0, 'none')"), {"u": f"{n:032x}", "t": kind, "v": value, "w": flag})
        migrate.upgrade(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT object_type FROM share_targets")).scalars().all() == ["report"]
            flags = dict(conn.execute(text("SELECT value, warninglist FROM indicators")).all())
        assert flags == {"evil@outlook.com": None, "outlook.com": "Common", "x@y.example": "Exact"}
    finally:
        engine.dispose()


def test_0015_up_and_down_keep_the_sessions_and_tokens_that_point_at_a_user(tmp_path) -> None:  # noqa: ANN001
    """On SQLite a batch rebuild of ``users`` drops the table, and ON DELETE CASCADE then empties
    api_tokens and user_sessions; 0015 adds and drops its column in place."""
    from alembic import command
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    migrate.upgrade(url, revision="0014")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO organizations (id, key, kind, name, require_totp, bsig_in_scope, "
                              "created_at, updated_at) "
                              "VALUES (1, 'k', 'kreis', 'Kreis', 0, 0, '2020-01-01', '2020-01-01')"))
            conn.execute(text("INSERT INTO users (id, org_id, email, name, role, is_active, totp_enabled, created_at) "
                              "VALUES (1, 1, 'a@b.example', 'A', 'admin', 1, 0, '2020-01-01')"))
            conn.execute(text("INSERT INTO api_tokens (user_id, name, prefix, token_hash, scope, created_at) "
                              "VALUES (1, 'x', 'kc_x', 'h', 'read', '2020-01-01')"))
        migrate.upgrade(url, revision="0015")
        command.downgrade(migrate.alembic_config(url), "0014")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM api_tokens")).scalar() == 1
    finally:
        engine.dispose()
