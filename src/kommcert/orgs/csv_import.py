"""Read organisations from CSV.

Header (order free, ``;`` or ``,`` separated, UTF-8 with or without BOM)::

    key,kind,name,parent_key,ags,ars,email,phone,population,serves

``key``, ``kind`` and ``name`` are required; ``parent_key`` names an organisation in the file or
already in the database. ``serves`` (for ``it_dienstleister``) lists the keys of the served
municipalities separated by ``|``. Any bad line stops the read with file, line and reason.
"""

from __future__ import annotations

import csv
import io
from typing import IO

from kommcert.errors import InvalidInput
from kommcert.orgs.models import OrgKind
from kommcert.orgs.records import OrgRecord

REQUIRED = ("key", "kind", "name")
KNOWN = (*REQUIRED, "parent_key", "ags", "ars", "email", "phone", "population", "serves")
MAX_LINES = 100_000


def _error(name: str, line: int, de: str, en: str) -> InvalidInput:
    return InvalidInput(f"{name}, Zeile {line}: {de}", f"{name}, line {line}: {en}")


def read(stream: IO[str], *, name: str) -> list[OrgRecord]:
    try:
        text = stream.read()
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{name}: keine UTF-8-Datei", f"{name}: not a UTF-8 file") from exc
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{name}: die Datei ist leer.", f"{name}: the file is empty.") from None
    except csv.Error as exc:  # e.g. a header field over the csv module's 131,072 characters
        raise _error(name, 1, f"CSV-Fehler: {exc}", f"CSV error: {exc}") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise _error(name, 1, f"Spalte(n) fehlen: {', '.join(missing)}", f"missing column(s): {', '.join(missing)}")
    unknown = [c for c in header if c not in KNOWN]
    if unknown:
        raise _error(name, 1, f"unbekannte Spalte(n): {', '.join(unknown)}", f"unknown column(s): {', '.join(unknown)}")
    records: list[OrgRecord] = []
    seen: dict[str, int] = {}
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise _error(name, reader.line_num, f"CSV-Fehler: {exc}", f"CSV error: {exc}") from None
    if len(rows) > MAX_LINES:
        raise InvalidInput(f"{name}: mehr als {MAX_LINES} Zeilen.", f"{name}: more than {MAX_LINES} lines.")
    for offset, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise _error(name, offset, f"{len(row)} statt {len(header)} Spalten",
                         f"{len(row)} instead of {len(header)} columns")
        values = {h: cell.strip() for h, cell in zip(header, row, strict=True)}
        records.append(_record(values, name=name, line=offset))
        key = records[-1].key
        if key in seen:
            raise _error(name, offset, f"Schlüssel {key} kommt doppelt vor (zuerst Zeile {seen[key]})",
                         f"key {key} occurs twice (first on line {seen[key]})")
        seen[key] = offset
    return records


def _record(v: dict[str, str], *, name: str, line: int) -> OrgRecord:
    if not v["key"] or len(v["key"]) > 64:
        raise _error(name, line, "Schlüssel fehlt oder ist zu lang", "key missing or too long")
    if not v["name"] or len(v["name"]) > 200:
        raise _error(name, line, "Name fehlt oder ist zu lang", "name missing or too long")
    try:
        kind = OrgKind(v["kind"])
    except ValueError:
        raise _error(name, line, f"unbekannte Art „{v['kind']}“", f"unknown kind '{v['kind']}'") from None
    population = v.get("population") or None
    if population is not None and not population.isdigit():
        raise _error(name, line, "Einwohnerzahl ist keine Zahl", "population is not a number")
    for field, size in (("ags", 8), ("ars", 12)):
        value = v.get(field) or ""
        if value and not (value.isdigit() and len(value) <= size):
            raise _error(name, line, f"{field.upper()} muss aus höchstens {size} Ziffern bestehen",
                         f"{field.upper()} must be at most {size} digits")
    return OrgRecord(
        key=v["key"], kind=kind, name=v["name"], parent_key=v.get("parent_key") or None, line=line,
        ags=v.get("ags") or None, ars=v.get("ars") or None, email=v.get("email") or None,
        phone=v.get("phone") or None, population=int(population) if population else None,
        serves=[s.strip() for s in (v.get("serves") or "").split("|") if s.strip()],
    )
