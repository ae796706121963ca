"""Reading an inventory CSV: German or English headers, ``;`` or ``,``, UTF-8 with or without BOM.

A pure reader: it gives one :class:`RawLine` per data line with the line number; checking the values
(lengths, CPE, purl, count) is the service's, so the words are the same as in the form. A header the
reader does not know, a missing product column or a file that is not UTF-8 is one error for the file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from kommcert.errors import InvalidInput

MAX_LINES = 100_000
MAX_FIELD = 10_000
# header (lower case, BOM and spaces gone) → field
HEADERS = {
    "hersteller": "vendor", "vendor": "vendor",
    "produkt": "product", "product": "product",
    "version": "version",
    "cpe": "cpe",
    "purl": "purl",
    "anzahl": "count", "count": "count",
    "einsatzort": "where_used", "where_used": "where_used", "where used": "where_used",
}


@dataclass
class RawLine:
    line: int  # line number in the file (CSV) or position of the component (SBOM)
    data: dict[str, str]
    label: str = ""  # how the preview names it when the product is empty ("Komponente 17")


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"Die Datei ist nicht in UTF-8 gespeichert (Byte {exc.start + 1}). Bitte als "
                           "„CSV UTF-8“ speichern.",
                           f"The file is not UTF-8 (byte {exc.start + 1}). Please save it as 'CSV UTF-8'.") from None


def read(data: bytes) -> list[RawLine]:
    text = _text(data)
    if not text.strip():
        raise InvalidInput("Die Datei ist leer.", "The file is empty.")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        fields = _columns(header)
        lines: list[RawLine] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(lines) >= MAX_LINES:
                raise InvalidInput(f"Mehr als {MAX_LINES:,} Zeilen: bitte die Datei aufteilen.".replace(",", "."),
                                   f"More than {MAX_LINES:,} lines: please split the file.")
            if len(row) > len(fields):
                raise InvalidInput(f"Zeile {reader.line_num}: mehr Spalten ({len(row)}) als Überschriften "
                                   f"({len(fields)}).",
                                   f"Line {reader.line_num}: more columns ({len(row)}) than headers ({len(fields)}).")
            values = {f: cell.strip() for f, cell in zip(fields, row, strict=False)}
            lines.append(RawLine(line=reader.line_num, data=values))
    except csv.Error as exc:
        raise InvalidInput(f"Zeile {reader.line_num}: die CSV-Datei ist beschädigt ({exc}).",
                           f"Line {reader.line_num}: the CSV file is damaged ({exc}).") from None
    return lines


def _columns(header: list[str]) -> list[str]:
    fields: list[str] = []
    for cell in header:
        name = cell.strip().strip('"').lower()
        field = HEADERS.get(name)
        if field is None:
            raise InvalidInput(
                f"Unbekannte Spalte „{name[:60]}“. Erlaubt sind: hersteller, produkt, version, cpe, purl, anzahl, "
                "einsatzort (oder vendor, product, version, cpe, purl, count, where_used).",
                f"Unknown column '{name[:60]}'. Allowed: hersteller, produkt, version, cpe, purl, anzahl, einsatzort "
                "(or vendor, product, version, cpe, purl, count, where_used).")
        if field in fields:
            raise InvalidInput(f"Die Spalte „{name[:60]}“ kommt doppelt vor.", f"Column '{name[:60]}' appears twice.")
        fields.append(field)
    if "product" not in fields:
        raise InvalidInput("Die Spalte „produkt“ (oder „product“) fehlt in der Kopfzeile.",
                           "The column 'produkt' (or 'product') is missing from the header line.")
    return fields
