"""Store: declarative base, tz-aware timestamps, engine and session factories."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, String, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored and returned as aware UTC datetimes, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def byte_ordered(length: int) -> String:
    """A string column for machine values (indicator values, idempotency keys) that PostgreSQL
    compares byte by byte (collation "C"): its unique indexes then compare with memcmp instead of
    the database's locale, which made every probe of a million-row import several times dearer.
    SQLite compares bytes anyway."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def import_models() -> None:
    """Register every domain's tables on ``Base.metadata`` (for Alembic and tests)."""
    from kommcert.accounts import models as _accounts  # noqa: F401
    from kommcert.advisories import models as _advisories  # noqa: F401
    from kommcert.audit import models as _audit  # noqa: F401
    from kommcert.awareness import models as _awareness  # noqa: F401
    from kommcert.contracts import models as _contracts  # noqa: F401
    from kommcert.deployments import models as _deployments  # noqa: F401
    from kommcert.federation import models as _federation  # noqa: F401
    from kommcert.helprequests import models as _helprequests  # noqa: F401
    from kommcert.home import models as _home  # noqa: F401
    from kommcert.incidents import deadline_models as _incident_deadlines  # noqa: F401
    from kommcert.incidents import models as _incidents  # noqa: F401
    from kommcert.incidents import publication_models as _incident_publications  # noqa: F401
    from kommcert.indicators import models as _indicators  # noqa: F401
    from kommcert.inventory import models as _inventory  # noqa: F401
    from kommcert.jobs import models as _jobs  # noqa: F401
    from kommcert.notifications import models as _notifications  # noqa: F401
    from kommcert.orgs import models as _orgs  # noqa: F401
    from kommcert.providers import models as _providers  # noqa: F401
    from kommcert.reports import models as _reports  # noqa: F401
    from kommcert.sharing import models as _sharing  # noqa: F401
    from kommcert.subscriptions import models as _subscriptions  # noqa: F401
    from kommcert.taxii import models as _taxii  # noqa: F401
    from kommcert.uploads import models as _uploads  # noqa: F401


# SQLite transactions start as readers (BEGIN DEFERRED): in WAL mode readers never wait. A reader
# that then writes (a feed GET writes its audit entry and the token's last use) cannot be upgraded
# while another connection writes, or has written since its snapshot: SQLite answers "database is
# locked" at once, without waiting for busy_timeout. So before the first write statement of a
# transaction the reader's snapshot is dropped and the transaction restarts as BEGIN IMMEDIATE,
# which queues for the write lock (busy_timeout). Nothing is lost: it has not written yet, and
# its earlier reads simply were an older snapshot, as under PostgreSQL's READ COMMITTED.
_SQLITE_TX = "kommcert.sqlite_tx"
_READING, _WRITING = "reading", "writing"
_SQLITE_READS = re.compile(
    r"\s*(SELECT|EXPLAIN|RELEASE|ROLLBACK|PRAGMA\s+[\w.]+\s*(\(|;|$)"
    r"|WITH\b(?!.*\b(INSERT|UPDATE|DELETE|REPLACE)\b))", re.IGNORECASE | re.DOTALL)
SQLITE_BUSY_TIMEOUT_MS = 30_000


class WriteLockTimeout(sqlite3.OperationalError):
    """A reading SQLite transaction waited busy_timeout for the write lock in vain. It had written
    nothing yet (the lock is taken before its first write), so it may be rolled back and retried
    without losing work; SQLAlchemy raises it wrapped in ``OperationalError``."""


def is_write_lock_timeout(exc: BaseException) -> bool:
    return isinstance(getattr(exc, "orig", None), WriteLockTimeout)


def _take_write_lock(dbapi_conn: Any) -> None:
    dbapi_conn.execute("ROLLBACK")
    try:
        dbapi_conn.execute("BEGIN IMMEDIATE")  # waits up to busy_timeout for the writer before us
    except sqlite3.OperationalError as exc:
        dbapi_conn.execute("BEGIN")  # SQLAlchemy still holds a transaction open on this connection
        raise WriteLockTimeout(*exc.args) from exc


def make_engine(database_url: str, *, sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
                **kwargs: Any) -> Engine:
    if database_url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": sqlite_busy_timeout_ms / 1000})
        engine = create_engine(database_url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, open transactions, so SAVEPOINTs work.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={int(sqlite_busy_timeout_ms)}")
            # WAL with synchronous=NORMAL is crash-safe (only the last commits may roll back on
            # power loss) and a large page cache keeps the indexes of big imports in memory.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA cache_size=-131072")
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            immediate = bool(conn.get_execution_options().get("immediate"))
            conn.info[_SQLITE_TX] = None  # the BEGIN below is no write
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
            conn.info[_SQLITE_TX] = _WRITING if immediate else _READING

        @event.listens_for(engine, "before_cursor_execute")
        def _sqlite_write_lock(conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
            if conn.info.get(_SQLITE_TX) != _READING or _SQLITE_READS.match(statement):
                return
            # A SAVEPOINT counts as a write (one is opened to write), so a reading transaction has
            # none open that the restart could drop.
            conn.info[_SQLITE_TX] = _WRITING
            _take_write_lock(conn.connection.dbapi_connection)

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(database_url, **kwargs)


def relaxed_commit(db: Session) -> None:
    """Let this transaction's commit return before its WAL reaches the disk (PostgreSQL only): for
    transactions whose only write is bookkeeping that may be lost in a crash (a token's last use),
    never for audit entries or content. Thousands of appliance polls otherwise each wait for an
    fsync."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL synchronous_commit = off"))


@contextmanager
def scratch_postgres_database(base_url: str, name: str) -> Iterator[str]:
    """A database of its own on ``base_url``'s PostgreSQL server, dropped afterwards (an earlier one
    of the same name first): for test workers, benchmarks and servers started by tests. Yields its URL."""
    from sqlalchemy.engine import make_url

    admin = make_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work for CLI commands and jobs: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
