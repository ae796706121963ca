"""Bulk inserts straight through the database driver, for the import and sighting hot paths.

SQLAlchemy's per-value type processing costs about a third of a million-row import; here the
values are converted once, in bulk, to what the driver stores (the same text SQLAlchemy's SQLite
dialect writes for datetimes and UUIDs), and handed to ``executemany``. Measured in bench/.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Table
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


def insert_rows(db: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                ignore_conflicts_on: Sequence[str] | None = None) -> None:
    """INSERT many rows (tuples in ``columns`` order) with one driver ``executemany``."""
    if not rows:
        return
    conn = db.connection()
    dialect = conn.dialect
    names = ", ".join(columns)
    if dialect.name == "postgresql":
        _copy_rows(conn.connection.driver_connection, table.name, names, rows, ignore_conflicts_on)
        return
    _insert_many(conn, table.name, columns, rows, ignore_conflicts_on)


def _insert_many(conn: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                 ignore_conflicts_on: Sequence[str] | None) -> None:
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in columns)
        rows = [tuple(_sqlite_value(v) for v in row) for row in rows]
    else:
        marks = ", ".join("%s" for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - names from our models
    if ignore_conflicts_on:
        sql += f" ON CONFLICT ({', '.join(ignore_conflicts_on)}) DO NOTHING"
    conn.exec_driver_sql(sql, list(rows))


def _copy_rows(raw: Any, table: str, names: str, rows: Sequence[Sequence[Any]],
               ignore_conflicts_on: Sequence[str] | None) -> None:
    """PostgreSQL: COPY is several times faster than INSERT. COPY knows no ON CONFLICT, so rows
    that may collide go through a temporary table and one INSERT … SELECT … ON CONFLICT DO NOTHING."""
    with raw.cursor() as cur:
        target = table
        if ignore_conflicts_on:
            target = f"_bulk_{table}"
            cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {target} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP")
            cur.execute(f"TRUNCATE {target}")
        with cur.copy(f"COPY {target} ({names}) FROM STDIN") as copy:  # noqa: S608 - names from our models
            for row in rows:
                copy.write_row(row)
        if ignore_conflicts_on:
            conflict = ", ".join(ignore_conflicts_on)
            cur.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {target} "  # noqa: S608
                        f"ON CONFLICT ({conflict}) DO NOTHING")


def stage_rows(db: Session, name: str, select_sql: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Fill a temporary staging table (created from ``select_sql``, which returns no rows but gives
    the columns their types) with ``rows``, replacing what an earlier batch left there."""
    conn = db.connection()
    if conn.dialect.name == "postgresql":
        with conn.connection.driver_connection.cursor() as cur:
            cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ON COMMIT DROP AS {select_sql}")
            cur.execute(f"TRUNCATE {name}")
        _copy_rows(conn.connection.driver_connection, name, ", ".join(columns), rows, None)
        return
    conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {name} AS {select_sql}")
    conn.exec_driver_sql(f"DELETE FROM {name}")  # noqa: S608 - our own table name
    _insert_many(conn, name, columns, rows, None)
