"""One entry point for every import format: ``read(fmt, stream)`` yields records."""

from __future__ import annotations

import io
from collections.abc import Iterator
from enum import StrEnum
from typing import IO, Any

from kommcert.errors import InvalidInput
from kommcert.indicators.formats import stix
from kommcert.indicators.formats.records import GroupInfo, IndicatorRecord, Reject
from kommcert.indicators.normalize import InvalidIndicator, detect

Item = IndicatorRecord | Reject | GroupInfo


class ImportFormat(StrEnum):
    stix = "stix"
    misp = "misp"
    csv = "csv"
    text = "text"  # one value per line (blocklists)
    freetext = "freetext"  # an advisory or e-mail: IoCs are found in the prose


def read_lines(stream: IO[bytes], *, name: str = "Liste") -> Iterator[Item]:
    """Plain lists: one value per line, ``#`` comments, type detected per value."""
    for line_no, raw in enumerate(io.TextIOWrapper(stream, encoding="utf-8", errors="strict"), start=1):
        text = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("http") else raw.strip()
        if not text:
            continue
        try:
            kind, value = detect(text)
        except InvalidIndicator as exc:
            yield Reject(f"Zeile {line_no}", f"{name}, Zeile {line_no}: {exc.de}", f"{name}, line {line_no}: {exc.en}")
            continue
        except UnicodeDecodeError:
            raise InvalidInput(f"{name}: keine UTF-8-Datei", f"{name}: not a UTF-8 file") from None
        yield IndicatorRecord(type=kind, value=value)


def read(fmt: ImportFormat | str, stream: IO[bytes], *, name: str = "upload", **options: Any) -> Iterator[Item]:
    fmt = ImportFormat(fmt)
    if fmt == ImportFormat.stix:
        return stix.read(stream, source=name)
    if fmt == ImportFormat.text:
        return read_lines(stream, name=name)
    if fmt == ImportFormat.misp:
        from kommcert.indicators.formats import misp

        return misp.read_event(stream)  # type: ignore[attr-defined]
    if fmt == ImportFormat.csv:
        from kommcert.indicators.formats import csv_reader

        text = io.TextIOWrapper(stream, encoding="utf-8-sig")
        return csv_reader.read_csv(text, **options)  # type: ignore[attr-defined]
    from kommcert.indicators.formats import freetext

    text = stream.read().decode("utf-8", errors="replace")
    return iter([IndicatorRecord(type=c.type, value=c.value) for c in freetext.extract(text)])  # type: ignore[attr-defined]
