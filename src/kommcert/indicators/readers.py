"""One entry point for every import format: ``read(fmt, stream)`` yields records.

Every reader fails on bad input with :class:`InvalidInput` naming the file and the line or object
(never a Python exception): text that is not UTF-8, a compressed file sent as text, a line or field
over :data:`MAX_LINE_CHARS`, JSON nested too deep (:mod:`formats.guard`)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from enum import StrEnum
from queue import Empty
from typing import IO, Any

from kommcert.errors import InvalidInput
from kommcert.indicators.formats import guard, stix
from kommcert.indicators.formats.records import GroupInfo, IndicatorRecord, Reject, Skip
from kommcert.indicators.normalize import InvalidIndicator, detect

Item = IndicatorRecord | Reject | Skip | GroupInfo
MAX_LINE_CHARS = 131_072  # a line of a list, a CSV field (the csv module's own limit)
MAX_FREETEXT_BYTES = 16 * 1024 * 1024  # an advisory or an e-mail, not a log file


class ImportFormat(StrEnum):
    stix = "stix"
    misp = "misp"
    csv = "csv"
    text = "text"  # one value per line (blocklists)
    freetext = "freetext"  # an advisory or e-mail: IoCs are found in the prose


def not_utf8(name: str, line_no: int) -> InvalidInput:
    return InvalidInput(f"{name}, Zeile {line_no}: kein UTF-8-Text (andere Zeichenkodierung oder Binärdatei)",
                        f"{name}, line {line_no}: not UTF-8 text (another encoding or a binary file)")


def check_text(stream: IO[bytes], name: str) -> None:
    """Refuse a compressed or binary file before a text reader starts (seekable streams only)."""
    if stream.seekable():
        start = stream.tell()
        head = stream.read(8192)
        stream.seek(start)
        guard.refuse_binary(head, name)


def _lines(stream: IO[bytes], name: str) -> Iterator[tuple[int, str | None]]:
    """(line number, text) with bounded memory; text None for a line over the limit."""
    line_no = 0
    limit = MAX_LINE_CHARS * 4  # bytes: UTF-8 takes up to four a character
    while raw := stream.readline(limit + 1):
        line_no += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while (rest := stream.readline(limit)) and not rest.endswith(b"\n"):
                pass  # the rest of the overlong line
            yield line_no, None
            continue
        try:
            text = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
        except UnicodeDecodeError:
            raise not_utf8(name, line_no) from None
        yield line_no, (text if len(text.rstrip("\r\n")) <= MAX_LINE_CHARS else None)


def read_lines(stream: IO[bytes], *, name: str = "Liste") -> Iterator[Item]:
    """Plain lists: one value per line, ``#`` comments, type detected per value."""
    check_text(stream, name)
    for line_no, raw in _lines(stream, name):
        if raw is None:
            yield Reject(f"Zeile {line_no}", f"{name}, Zeile {line_no}: länger als {MAX_LINE_CHARS} Zeichen",
                         f"{name}, line {line_no}: longer than {MAX_LINE_CHARS} characters")
            continue
        text = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("http") else raw.strip()
        if not text:
            continue
        try:
            kind, value = detect(text)
        except InvalidIndicator as exc:
            yield Reject(f"Zeile {line_no}", f"{name}, Zeile {line_no}: {exc.de}", f"{name}, line {line_no}: {exc.en}")
            continue
        yield IndicatorRecord(type=kind, value=value)


def read(fmt: ImportFormat | str, stream: IO[bytes], *, name: str = "upload", **options: Any) -> Iterator[Item]:
    fmt = ImportFormat(fmt)
    if fmt == ImportFormat.stix:
        return stix.read(stream, source=name)
    if fmt == ImportFormat.text:
        return read_lines(stream, name=name)
    if fmt == ImportFormat.misp:
        from kommcert.indicators.formats import misp

        return misp.read_event(stream, name=name)  # type: ignore[attr-defined]
    if fmt == ImportFormat.csv:
        from kommcert.indicators.formats import csv_reader

        check_text(stream, name)
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
        return csv_reader.read_csv(text, name=name, **options)  # type: ignore[attr-defined]
    from kommcert.indicators.formats import freetext

    check_text(stream, name)
    data = stream.read(MAX_FREETEXT_BYTES + 1)
    if len(data) > MAX_FREETEXT_BYTES:
        raise InvalidInput(f"{name}: Freitext größer als {MAX_FREETEXT_BYTES // (1024 * 1024)} MiB",
                           f"{name}: free text larger than {MAX_FREETEXT_BYTES // (1024 * 1024)} MiB")
    text = data.decode("utf-8", errors="replace")
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
