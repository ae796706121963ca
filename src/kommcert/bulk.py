"""Bulk writes straight through the database driver, for the import and sighting hot paths.

SQLAlchemy's per-value type processing costs about a third of a million-row import; here the
values are converted once, in bulk, to what the driver stores (the same text SQLAlchemy's SQLite
dialect writes for datetimes and UUIDs), and handed to COPY (PostgreSQL) or ``executemany``.
:func:`stage_rows` fills a temporary table that one ``INSERT … SELECT`` then moves on, so the
database, not Python, decides what is new. Measured in bench/.
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


def insert_rows(db: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """INSERT many rows (tuples in ``columns`` order): COPY on PostgreSQL, else one ``executemany``."""
    if rows:
        _write(db.connection(), table.name, columns, rows)


def _write(conn: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":  # COPY is several times faster than INSERT
        with conn.connection.driver_connection.cursor() as cur, \
                cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # noqa: S608 - names from our models
            for row in rows:
                copy.write_row(row)
        return
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in columns)
        rows = [tuple(_sqlite_value(v) for v in row) for row in rows]
    else:
        marks = ", ".join("%s" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))  # noqa: S608


def stage_rows(db: Session, name: str, select_sql: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Fill a temporary staging table (created from ``select_sql``, which returns no rows but gives
    the columns their types) with ``rows``, replacing what an earlier batch left there."""
    conn = db.connection()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {name} ON COMMIT DROP AS {select_sql}")
        conn.exec_driver_sql(f"TRUNCATE {name}")
    else:
        conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {name} AS {select_sql}")
        conn.exec_driver_sql(f"DELETE FROM {name}")  # noqa: S608 - our own table name
    _write(conn, name, columns, rows)
