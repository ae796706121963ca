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
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
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
