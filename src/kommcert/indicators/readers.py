"""One entry point for every import format: ``read(fmt, stream)`` yields records."""

from __future__ import annotations

import io
from collections.abc import Iterator
from enum import StrEnum
from queue import Empty
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


_END = "end"
_ERROR = "error"


def _produce(fmt: str, path: str, name: str, options: dict[str, Any], queue: Any, batch: int) -> None:
    try:
        items: list[Item] = []
        with open(path, "rb") as stream:
            for item in read(fmt, stream, name=name, **options):
                items.append(item)
                if len(items) >= batch:
                    queue.put(items)
                    items = []
        if items:
            queue.put(items)
        queue.put(_END)
    except InvalidInput as exc:
        queue.put((_ERROR, exc.de, exc.en))
    except Exception as exc:  # noqa: BLE001 - reported to the parent as one line
        queue.put((_ERROR, f"{name}: Lesefehler ({type(exc).__name__})", f"{name}: read error ({type(exc).__name__})"))


def read_path_parallel(fmt: ImportFormat | str, path: str, *, name: str, batch: int = 2000,
                       **options: Any) -> Iterator[Item]:
    """Read a file in a second process while this one writes to the database.

    Parsing and normalising take about as long as the bulk inserts; on two cores the two overlap
    (see docs/benchmarks.md). The queue is bounded, so memory stays flat for any file size.
    """
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    queue = context.Queue(maxsize=16)
    process = context.Process(target=_produce, args=(str(ImportFormat(fmt)), path, name, options, queue, batch),
                              daemon=True)
    process.start()
    try:
        while True:
            try:
                message = queue.get(timeout=1)
            except Empty:
                if process.is_alive():
                    continue
                raise InvalidInput(f"{name}: der Leseprozess ist abgebrochen.",
                                   f"{name}: the reader process died.") from None
            if message == _END:
                return
            if isinstance(message, tuple) and message and message[0] == _ERROR:
                raise InvalidInput(message[1], message[2])
            yield from message
    finally:
        if process.is_alive():
            process.terminate()
        process.join(timeout=5)
