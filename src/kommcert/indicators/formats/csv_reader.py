"""CSV import with a column mapping: whatever spreadsheet a partner sends, the analyst names the
value column (and optionally type, TLP, comment and tag columns).

German spreadsheets export ``;``-separated files, everything else ``,``: the delimiter is sniffed
from the header line unless given. A row with the wrong number of cells becomes a :class:`Reject`
naming its line; whether rejects abort the import is the service's decision.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator
from typing import IO

from kommcert.errors import InvalidInput
from kommcert.indicators.formats.records import IndicatorRecord, Reject
from kommcert.indicators.normalize import InvalidIndicator, detect, normalize
from kommcert.indicators.types import IndicatorType
from kommcert.sharing.tlp import TLP

# Type names partners write, beyond our own: MISP and STIX names, and plain words.
# None = "an IP address or range", family decided by the value.
TYPE_ALIASES: dict[str, IndicatorType | None] = {
    "ip": None, "ip-dst": None, "ip-src": None, "ip-address": None, "ipv4-addr": None, "ipv6-addr": None,
    "cidr": None, "netz": None, "ip-adresse": None,
    "domain-name": IndicatorType.domain, "fqdn": IndicatorType.domain,
    "host": IndicatorType.hostname,
    "uri": IndicatorType.url, "link": IndicatorType.url,
    "email-addr": IndicatorType.email, "email-src": IndicatorType.email, "email-dst": IndicatorType.email,
    "e-mail": IndicatorType.email, "mail": IndicatorType.email,
    "sha-1": IndicatorType.sha1, "sha-256": IndicatorType.sha256,
}
# Header names read without a mapping (any case): German spreadsheets say "Wert;Typ;Kommentar".
VALUE_HEADERS = ("value", "wert", "indicator", "indikator", "ioc")
TYPE_HEADERS = ("type", "typ", "art", "indikatortyp")
TLP_HEADERS = ("tlp",)
COMMENT_HEADERS = ("comment", "kommentar", "description", "beschreibung", "bemerkung", "notiz", "hinweis")
TAGS_HEADERS = ("tags", "labels", "schlagworte", "schlagwörter")
_TAG_SPLIT = re.compile(r"[,;|]")
FIELD_LIMIT = 131_072  # csv.field_size_limit()'s default, kept explicit


def _bounded_lines(stream: IO[str], place: str) -> Iterator[str]:
    """Physical lines of at most FIELD_LIMIT characters: a file without line breaks must not become
    one string in memory."""
    number = 1
    while line := stream.readline(FIELD_LIMIT + 1):
        number += 1
        if len(line) > FIELD_LIMIT:
            raise InvalidInput(f"{place}Zeile {number}: länger als {FIELD_LIMIT} Zeichen",
                               f"{place}line {number}: longer than {FIELD_LIMIT} characters")
        yield line


def _checked(reader: Iterator[list[str]], place: str) -> Iterator[list[str]]:
    """The reader's rows; its errors become :class:`InvalidInput` naming the line."""
    line = getattr(reader, "line_num", 0)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            line = getattr(reader, "line_num", 0) + 1
            raise InvalidInput(f"{place}Zeile {line}: kein UTF-8-Text (andere Zeichenkodierung oder Binärdatei)",
                               f"{place}line {line}: not UTF-8 text (another encoding or a binary file)") from None
        except csv.Error as exc:
            line = getattr(reader, "line_num", 0)
            reason = str(exc)
            if "field larger" in reason:
                de, en = f"Feld länger als {FIELD_LIMIT} Zeichen", f"field longer than {FIELD_LIMIT} characters"
            elif "NUL" in reason:
                de, en = "NUL-Zeichen (Binärdatei?)", "NUL character (a binary file?)"
            else:
                de, en = f"CSV-Fehler: {reason[:100]}", f"CSV error: {reason[:100]}"
            raise InvalidInput(f"{place}Zeile {line}: {de}", f"{place}line {line}: {en}") from None
        yield row


def parse_type(text: str) -> IndicatorType | None:
    """Our type for a type cell; None for a generic IP. Raises ``ValueError`` for unknown names."""
    name = text.strip().lower().replace("_", "-")
    if name in TYPE_ALIASES:
        return TYPE_ALIASES[name]
    return IndicatorType(name.replace("-", "_"))


def sniff_delimiter(header: str) -> str:
    """The most frequent of ``;``, ``,`` and tab in the header line (``,`` on a tie or none)."""
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    cells = [cell.strip().lower() for cell in header]
    for name in names:
        if name in cells:
            return cells.index(name)
    return None


def _column(header: list[str], name: str | None, role: str, place: str = "",
            known: tuple[str, ...] = ()) -> int | None:
    """The index of the named column; unnamed (or named by the role's English default, such as
    "value"), the first header cell among ``known``. A named column that is missing is an error."""
    wanted = (name or "").strip().lower()
    if not wanted or (known and wanted == known[0]):
        found = _find(header, known)
        if found is not None or not wanted:
            return found
    else:
        found = _find(header, (wanted,))
        if found is not None:
            return found
    shown = ", ".join(f"„{cell.strip()[:40]}“" for cell in header[:10])
    shown_en = ", ".join(f"'{cell.strip()[:40]}'" for cell in header[:10])
    accepted = f" Ohne Angabe erkannt (Groß-/Kleinschreibung egal): {', '.join(known)}." if known else ""
    accepted_en = f" Recognised without a mapping (any case): {', '.join(known)}." if known else ""
    raise InvalidInput(f"{place}Zeile 1: Spalte „{(name or known[0])[:100]}“ ({role}) fehlt in der Kopfzeile "
                       f"({shown}).{accepted}",
                       f"{place}line 1: column '{(name or known[0])[:100]}' ({role}) is missing from the header "
                       f"({shown_en}).{accepted_en}")


def _value(kind: IndicatorType | None, raw: str) -> tuple[IndicatorType, str]:
    if kind is None:
        text = raw.strip()
        return normalize(IndicatorType.ipv6 if ":" in text else IndicatorType.ipv4, text)
    return normalize(kind, raw)


def read_csv(
    stream: IO[str],
    *,
    value_column: str | None = None,
    type_column: str | None = None,
    default_type: IndicatorType | None = None,
    tlp_column: str | None = None,
    comment_column: str | None = None,
    tags_column: str | None = None,
    delimiter: str | None = None,
    name: str | None = None,
) -> Iterator[IndicatorRecord | Reject]:
    """Yield one record or reject per data row, in file order.

    Columns not named are found by their usual header names (``VALUE_HEADERS`` …: "Wert;Typ;Kommentar"
    as well as "value,type,comment"). The type comes from the type column, else ``default_type``, else
    it is detected per value. A missing header or a mapped column absent from it raises
    ``InvalidInput`` naming the header and the accepted names (nothing can be read), as does text
    that is not UTF-8, a NUL character or a field over the csv module's limit (131,072 characters),
    each naming the line.
    """
    place = f"{name}, " if name else ""
    try:
        first = stream.readline(FIELD_LIMIT)
    except UnicodeDecodeError:
        raise InvalidInput(f"{place}Zeile 1: kein UTF-8-Text", f"{place}line 1: not UTF-8 text") from None
    if not first.strip():
        raise InvalidInput(f"{place}Zeile 1: Kopfzeile fehlt (leere Datei)",
                           f"{place}line 1: header missing (empty file)")
    if len(first) >= FIELD_LIMIT and not first.endswith("\n"):
        raise InvalidInput(f"{place}Zeile 1: Kopfzeile länger als {FIELD_LIMIT} Zeichen",
                           f"{place}line 1: header longer than {FIELD_LIMIT} characters")
    first = first.removeprefix("\ufeff")
    reader = csv.reader(itertools.chain([first], _bounded_lines(stream, place)),
                        delimiter=delimiter or sniff_delimiter(first))
    rows = _checked(reader, place)
    header = next(rows)
    width = len(header)
    value_at = _column(header, value_column, "Wert/value", place, VALUE_HEADERS)
    if value_at is None:
        _column(header, "value", "Wert/value", place, VALUE_HEADERS)  # raises, naming the accepted headers
    type_at = _column(header, type_column, "Typ/type", place, TYPE_HEADERS if default_type is None else ())
    tlp_at = _column(header, tlp_column, "TLP", place, TLP_HEADERS)
    comment_at = _column(header, comment_column, "Kommentar/comment", place, COMMENT_HEADERS)
    tags_at = _column(header, tags_column, "Tags", place, TAGS_HEADERS)
    for row in rows:
        line = reader.line_num
        where = f"Zeile {line}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            yield Reject(where, f"{place}{where}: {len(row)} Spalten statt {width}",
                         f"{place}line {line}: {len(row)} columns instead of {width}")
            continue
        raw = row[value_at]  # type: ignore[index]
        if not raw.strip():
            yield Reject(where, f"{place}{where}: Wert fehlt", f"{place}line {line}: value missing")
            continue
        try:
            tlp = TLP.parse(row[tlp_at]) if tlp_at is not None and row[tlp_at].strip() else None
        except ValueError:
            yield Reject(where, f"{place}{where}: unbekannte TLP-Stufe „{row[tlp_at][:40]}“",  # type: ignore[index]
                         f"{place}line {line}: unknown TLP level '{row[tlp_at][:40]}'")  # type: ignore[index]
            continue
        typed = type_at is not None and row[type_at].strip()  # type: ignore[index]
        try:
            kind_hint = parse_type(row[type_at]) if typed else default_type  # type: ignore[index]
        except ValueError:
            yield Reject(where, f"{place}{where}: unbekannter Typ „{row[type_at][:40]}“",  # type: ignore[index]
                         f"{place}line {line}: unknown type '{row[type_at][:40]}'")  # type: ignore[index]
            continue
        try:
            kind, value = _value(kind_hint, raw) if typed or kind_hint is not None else detect(raw)
        except InvalidIndicator as exc:
            yield Reject(where, f"{place}{where}: {exc.de}", f"{place}line {line}: {exc.en}")
            continue
        comment = row[comment_at].strip() if comment_at is not None else ""
        tags = tuple(t.strip() for t in _TAG_SPLIT.split(row[tags_at]) if t.strip()) if tags_at is not None else ()
        yield IndicatorRecord(type=kind, value=value, tlp=tlp, tags=tags[:50], comment=comment or None)
