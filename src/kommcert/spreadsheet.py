"""CSV files made for people: cells a spreadsheet program would run as a formula are defused.

One rule for every CSV export (the audit log, the Lagebild tables, the awareness tables): a cell that starts
with = + - @ gets a leading ', which Excel and LibreOffice show as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@")


def safe_cell(value: object) -> str:
    """Spreadsheet programs run cells that start with = + - @ as formulas."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def csv_text(header: Sequence[object], rows: Iterable[Sequence[object]], *, delimiter: str = ";") -> str:
    """Header and rows as CSV text, every cell through :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([safe_cell(v) for v in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()
