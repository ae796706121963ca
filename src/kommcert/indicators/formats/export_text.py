"""Plain-text blocklists and CSV for firewalls, proxies and spreadsheets.

Writers stream: they take rows one at a time and yield text chunks of a few KB, so an export of
a million indicators never sits in memory whole. :func:`chunked` is the buffering the other
export writers share.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from kommcert.indicators.formats.records import AnyRow, ExportRow
from kommcert.indicators.types import IndicatorType

CHUNK_SIZE = 8 * 1024

PLAIN_CONTENT_TYPE = "text/plain; charset=utf-8"
PLAIN_FILENAME = "kommcert-indicators.txt"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
CSV_FILENAME = "kommcert-indicators.csv"

SCAN_CONTENT_TYPE = "text/tab-separated-values; charset=utf-8"
SCAN_FILENAME = "kommcert-scan.tsv"
SCAN_MAGIC = "#kommcert-scan 1"
SCAN_COLUMNS = ("id", "type", "value", "valid_from", "valid_until")
CSV_COLUMNS = ("type", "value", "tlp", "valid_from", "valid_until", "confidence", "tags", "report", "comment")
# OWASP "CSV injection": a cell starting with one of these is a formula in Excel/LibreOffice.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def chunked(pieces: Iterable[str], size: int = CHUNK_SIZE) -> Iterator[str]:
    """Join small strings into chunks of about ``size`` characters: one response write per chunk
    instead of one per line keeps streaming responses fast."""
    buf: list[str] = []
    length = 0
    for piece in pieces:
        buf.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buf)
            buf.clear()
            length = 0
    if buf:
        yield "".join(buf)


def utc_text(value: datetime) -> str:
    """``2026-01-02T03:04:05Z`` — naive datetimes are taken as UTC (that is how the database stores them)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def safe_line(value: str) -> bool:
    """A value with a line break would smuggle a second entry into a line-based list."""
    return "\n" not in value and "\r" not in value


def _plain_lines(rows: Iterable[AnyRow], types: set[IndicatorType] | None, header: bool,
                 generated: datetime | None) -> Iterator[str]:
    when = utc_text(generated or datetime.now(UTC))
    if header:
        names = ",".join(sorted(t.value for t in types)) if types else "all"
        yield f"# kommcert indicators ({names}), generated {when}\n"
    count = 0
    for row in rows:
        if (types is None or row.type in types) and safe_line(row.value):
            count += 1
            yield row.value + "\n"
    if header:
        # the count can only be known at the end of a streamed list
        yield f"# {count} entries\n"


def write_plain(rows: Iterable[AnyRow], *, types: set[IndicatorType] | None = None, header: bool = True,
                generated: datetime | None = None) -> Iterator[str]:
    """One value per line, as firewalls and proxies fetch them ("external dynamic lists").

    With ``header`` a ``#`` comment line names the types and generation time and a last comment
    line gives the count; appliances that do not accept comments get ``header=False``.
    """
    return chunked(_plain_lines(rows, types, header, generated))


def csv_cell(value: str) -> str:
    """Neutralise spreadsheet formulas: prefix ``'`` to a cell starting with = + - @ (or tab/CR)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_chunks(rows: Iterable[ExportRow], size: int) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow((
            row.type.value,
            csv_cell(row.value),
            row.tlp.label,
            utc_text(row.valid_from),
            utc_text(row.valid_until) if row.valid_until else "",
            "" if row.confidence is None else str(row.confidence),
            csv_cell(";".join(row.tags)),
            csv_cell(row.report_title or ""),
            csv_cell(row.comment or ""),
        ))
        if out.tell() >= size:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    if out.tell():
        yield out.getvalue()


def write_csv(rows: Iterable[ExportRow], *, size: int = CHUNK_SIZE) -> Iterator[str]:
    """CSV (RFC 4180, ``\\r\\n``) with the columns of :data:`CSV_COLUMNS`; tags joined with ``;``."""
    return _csv_chunks(rows, size)


def _scan_lines(rows: Iterable[ExportRow], org_id: int | None, generated: datetime) -> Iterator[str]:
    yield f"{SCAN_MAGIC}\torg={org_id if org_id is not None else ''}\tgenerated={utc_text(generated)}\n"
    yield "#" + "\t".join(SCAN_COLUMNS) + "\n"
    for row in rows:
        if safe_line(row.value) and "\t" not in row.value:
            until = utc_text(row.valid_until) if row.valid_until else ""
            yield f"{row.id}\t{row.type.value}\t{row.value}\t{utc_text(row.valid_from)}\t{until}\n"


def write_scan(rows: Iterable[ExportRow], *, org_id: int | None, generated: datetime) -> Iterator[str]:
    """The indicator set for ``kommcert scan``: what may be blocked, with ids (for sightings) and
    validity (a hit before ``valid_from`` is reported as such). The first line names the organisation
    the set was made for, so a scanner never uses another organisation's cached set."""
    return chunked(_scan_lines(rows, org_id, generated))
