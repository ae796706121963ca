"""Test fixtures: one migrated database per run, a rolled-back transaction per test, personas.

``KOMMCERT_TEST_DATABASE_URL`` selects the store (CI: PostgreSQL); the default is SQLite.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from kommcert import migrate
from kommcert.config import Settings, load_settings
from kommcert.db import make_engine, scratch_postgres_database

pytest_plugins = ["tests.personas"]

SECRET = "test-secret-key-0123456789-abcdefghijklmnop"


def pytest_configure(config: pytest.Config) -> None:
    """``KOMMCERT_TEST_CLOCK_OFFSET_DAYS=N`` runs the whole suite N days ahead (from before collection,
    so module-level dates move too; xdist workers inherit the variable and do the same)."""
    from tests.timetravel import sitecustomize as clock

    clock.start()


@pytest.fixture(scope="session", autouse=True)
def _shifted_clock_for_child_processes() -> None:
    """Processes the tests start (servers, CLI runs, spawned readers) get the shifted clock too. Only
    here, where tests run, so xdist workers start without it (time_machine would be imported before
    pytest could load it as a plugin)."""
    from tests.timetravel import sitecustomize as clock

    if clock.offset_days():
        clock.export_to_children()


def _test_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("KOMMCERT_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def reset_postgres(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = _test_database_url(tmp_path_factory)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not (worker and url.startswith("postgresql")):
        yield url
        return
    # Under pytest-xdist each worker gets a database of its own on the same server: resetting one
    # shared schema from two workers raced ("relation organizations does not exist").
    from sqlalchemy.engine import make_url

    with scratch_postgres_database(url, f"{make_url(url).database}_{worker}") as worker_url:
        yield worker_url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    if engine.dialect.name == "postgresql":
        reset_postgres(engine)
    migrate.upgrade(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator:
    conn = engine.connect()
    trans = conn.begin()
    try:
        yield conn
    finally:
        trans.rollback()
        conn.close()


@pytest.fixture
def session_factory(connection) -> sessionmaker[Session]:  # noqa: ANN001
    """Sessions on the test's connection; their commits only release savepoints."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    session = session_factory()
    yield session
    session.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # feed_state_seconds=0: tests see every change in the feeds' ETags at once (test_feeds checks the reuse).
    # job_runner=inline: an import job runs in the request, on the test's rolled-back connection.
    # token_use_seconds=0: a poll writes its token's last use itself, not a thread on the test's connection.
    upload_dir = tmp_path / "uploads"
    return load_settings(env="test", secret_key=SECRET, database_url=database_url, secure_cookies=False,
                         base_url="http://testserver", feed_state_seconds=0, job_runner="inline",
                         token_use_seconds=0,
                         upload_dir=str(upload_dir))


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]):  # noqa: ANN201
    from kommcert.app import create_app

    return create_app(settings, sessionmaker=session_factory)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # noqa: ANN001
    with TestClient(app, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def cli_db(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator:  # noqa: ANN001
    """A migrated SQLite file that the ``kommcert`` CLI uses through the environment."""
    from typer.testing import CliRunner

    from kommcert.cli.main import app as cli_app
    from kommcert.config import get_settings

    monkeypatch.setenv("KOMMCERT_ENV", "dev")
    monkeypatch.setenv("KOMMCERT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    get_settings.cache_clear()
    assert CliRunner().invoke(cli_app, ["db", "upgrade"]).exit_code == 0
    yield tmp_path
    get_settings.cache_clear()
