"""Bulk writes straight through the database driver, for the import and sighting hot paths.

SQLAlchemy's per-value type processing costs about a third of a million-row import; here the
values are converted once, in bulk, to what the driver stores (the same text SQLAlchemy's SQLite
dialect writes for datetimes and UUIDs), and handed to COPY (PostgreSQL) or ``executemany``.
A :class:`Stage` is a temporary table that one ``INSERT … SELECT`` then moves on, so the database,
not Python, decides what is new. Measured in bench/.

The work is split so that a caller can prepare the next batch while the database writes the last
one: :meth:`Stage.payload` touches no connection (any thread), :meth:`Stage.fill` and
:func:`run_script` do (one thread at a time).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session


@lru_cache(maxsize=65536)
def _sqlite_datetime(value: datetime) -> str:
    # Imports repeat a few timestamps (the import time, a feed's valid_from) many times over.
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return _sqlite_datetime(value)
    if isinstance(value, uuid.UUID):
        return value.hex
    return value


@lru_cache(maxsize=65536)
def _copy_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).isoformat()


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value: Any) -> str:
    if value is None:
        return "\\N"
    if value.__class__ is str:
        if "\x00" in value:  # PostgreSQL text cannot hold NUL; the readers reject it before this
            raise ValueError("NUL character in a text value")
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return _copy_datetime(value)
    return str(value)  # int, UUID


def copy_text(rows: Sequence[Sequence[Any]]) -> str:
    """Rows in PostgreSQL's COPY text format (tab-separated, ``\\N`` for NULL, escaped text).

    Faster than the driver's per-row ``write_row`` and free of the connection, so a batch can be
    encoded while the connection is busy with the previous one."""
    field = _copy_field
    return "".join(["\t".join([field(v) for v in row]) + "\n" for row in rows])


def insert_rows(db: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT many rows (tuples in ``columns`` order): COPY on PostgreSQL, else one ``executemany``."""
    if rows:
        conn = db.connection()
        _write(conn, table.name, columns, _payload(conn.dialect.name, rows))


def _payload(dialect: str, rows: Sequence[Sequence[Any]]) -> Any:
    if dialect == "postgresql":
        return copy_text(rows)
    if dialect == "sqlite":
        return [tuple(_sqlite_value(v) for v in row) for row in rows]
    return list(rows)


def _write(conn: Connection, table: str, columns: Sequence[str], payload: Any) -> None:
    if not payload:
        return
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":  # COPY is several times faster than INSERT
        with conn.connection.driver_connection.cursor() as cur, \
                cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # noqa: S608 - names from our models
            copy.write(payload)
        return
    marks = ", ".join("?" if conn.dialect.name == "sqlite" else "%s" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", payload)  # noqa: S608


def stamps(dialect: str, base: datetime, count: int) -> list[str]:
    """``count`` consecutive microseconds from ``base``, each already in the text the driver stores
    (COPY on PostgreSQL, SQLAlchemy's form on SQLite): a distinct ``added_at`` per imported row costs
    one string per row, not a datetime conversion and a cache miss in :func:`copy_text`."""
    base = base.astimezone(UTC)
    suffix = "+00:00" if dialect == "postgresql" else ""
    out: list[str] = []
    while count > 0:
        second = base.replace(microsecond=0)
        prefix = second.strftime("%Y-%m-%d %H:%M:%S.")
        start = base.microsecond
        n = min(count, 1_000_000 - start)
        out += [f"{prefix}{m:06d}{suffix}" for m in range(start, start + n)]
        count -= n
        base = second + timedelta(seconds=1)
    return out


@dataclass(frozen=True)
class Stage:
    """A temporary staging table: ``select_sql`` returns no rows but gives the columns the types
    of the real tables. It lives for one transaction on PostgreSQL (``ON COMMIT DROP``) and for
    the connection on SQLite, so every :meth:`fill` replaces what was there."""

    name: str
    select_sql: str
    columns: tuple[str, ...]

    def create(self, conn: Connection) -> None:
        drop = "ON COMMIT DROP " if conn.dialect.name == "postgresql" else ""
        conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {self.name} {drop}AS {self.select_sql}")

    def payload(self, dialect: str, rows: Sequence[Sequence[Any]]) -> Any:
        """The rows as the driver takes them; needs no connection."""
        return _payload(dialect, rows)

    def fill(self, conn: Connection, payload: Any) -> None:
        """Create or empty the table, then write ``payload`` into it."""
        self.create(conn)
        conn.exec_driver_sql(self.clear_sql(conn.dialect.name))
        self.write(conn, payload)

    def write(self, conn: Connection, payload: Any) -> None:
        """Add ``payload`` to the (created) table; a caller that empties it in its own script."""
        _write(conn, self.name, self.columns, payload)

    def clear_sql(self, dialect: str) -> str:
        return f"TRUNCATE {self.name}" if dialect == "postgresql" else f"DELETE FROM {self.name}"  # noqa: S608


def stage_rows(db: Session, stage: Stage, rows: Sequence[Sequence[Any]]) -> None:
    """Fill ``stage`` with ``rows``, replacing what an earlier batch left there."""
    conn = db.connection()
    stage.fill(conn, stage.payload(conn.dialect.name, rows))


def run_script(conn: Connection, statements: Sequence[str]) -> list[tuple[int, list[tuple]]]:
    """Run parameterless statements and return each one's (rowcount, rows).

    On PostgreSQL they go to the server as one simple query: one round trip, and one wait for the
    GIL afterwards instead of one per statement (a thread that comes back from the socket waits
    up to the switch interval while another thread parses the next batch)."""
    if conn.dialect.name != "postgresql":
        out = []
        for sql in statements:
            result = conn.exec_driver_sql(sql)
            rows = [tuple(r) for r in result] if result.returns_rows else []
            out.append((result.rowcount, rows))
        return out
    out = []
    with conn.connection.driver_connection.cursor() as cur:
        cur.execute("; ".join(statements).encode(), prepare=False)
        while True:
            out.append((cur.rowcount, cur.fetchall() if cur.description else []))
            if not cur.nextset():
                break
    return out
