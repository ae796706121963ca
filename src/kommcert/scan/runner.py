"""Run a scan: sources -> work units -> raw hits (worker processes) -> hits with time and format.

Workers only need the compiled table (memory-mapped, shared between processes) and return, per
hit line, its number, its bytes and the matcher entries; the parent resolves indicators, reads
the log format and time of the line and applies ``--since`` and ``--type``. A large plain file is
cut into byte ranges at line ends, so two workers share one file; line numbers are made whole
again from each range's line count.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from queue import Full, Queue

from kommcert.indicators.types import IndicatorType
from kommcert.scan import blocks as blocks_mod
from kommcert.scan.indicator_set import CompiledSet, ScanIndicator
from kommcert.scan.logformats import FormatTracker
from kommcert.scan.sources import Block, Problem, Source

RANGE_SIZE = 64 << 20  # plain files above this are shared out in ranges of this size
BLOCK_SIZE = 4 << 20
MAX_LINE = 1 << 20
HEAD_LINES = 200
MAX_TEXT = 500  # characters of a hit line kept for output


class EngineUnavailable(Exception):
    """``--engine dask`` without the ``distributed`` package installed."""


@dataclass(frozen=True)
class Hit:
    file: str
    line: int
    indicator: ScanIndicator
    log_time: datetime | None
    format: str
    host: str | None
    before_valid: bool  # the line is older than the indicator's valid_from
    text: str


@dataclass
class ScanOptions:
    since: datetime | None = None
    types: frozenset[IndicatorType] | None = None
    jobs: int = 1
    tz: tzinfo = UTC
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    block_size: int = BLOCK_SIZE
    max_line: int = MAX_LINE
    scheduler: str | None = None  # a Dask scheduler address: run the units on that cluster


@dataclass
class ScanStats:
    files: int = 0
    bytes: int = 0
    lines: int = 0


@dataclass(frozen=True)
class _Unit:
    source: Source
    start: int = 0
    end: int | None = None  # a byte range of a plain file (None: the whole source)
    index: int = 0  # range number within the file


@dataclass
class _UnitResult:
    unit: _Unit
    lines: int = 0
    bytes: int = 0
    hits: list[tuple[int, bytes, list[int]]] = field(default_factory=list)  # (line in unit, line bytes, entries)
    headers: list[tuple[int, bytes]] = field(default_factory=list)  # "#fields"-style lines further down
    problems: list[Problem] = field(default_factory=list)


def _is_plain(source: Source) -> bool:
    if source.path is None or not source.size:
        return False
    with source.path.open("rb") as f:
        head = f.read(8)
    # Byte ranges split at b"\n": only for bytes that are lines as they are.
    return blocks_mod.compression(head) is None and not blocks_mod.is_utf16(head)


def plan(srcs: list[Source], jobs: int) -> list[_Unit]:
    units: list[_Unit] = []
    for src in srcs:
        if jobs > 1 and src.size and src.size > RANGE_SIZE and _is_plain(src):
            for n, start in enumerate(range(0, src.size, RANGE_SIZE)):
                units.append(_Unit(src, start, min(start + RANGE_SIZE, src.size), n))
        else:
            units.append(_Unit(src))
    return units


def _range_blocks(unit: _Unit, block_size: int, max_line: int, problems: list[Problem]) -> Iterator[Block]:
    """Lines that START in [start, end) of a plain file (the first partial line belongs to the range before)."""
    assert unit.source.path is not None and unit.end is not None
    with unit.source.path.open("rb") as f:
        pos, carry, line = unit.start, b"", 1
        if pos:
            f.seek(pos - 1)
            if f.read(1) != b"\n":  # the rest of a line that began in the previous range is not ours
                carry = _after_line_end(f)
                if carry is None:
                    return
                pos = f.tell()
        while pos - len(carry) < unit.end:
            chunk = f.read(block_size)
            data = carry + chunk
            if not data:
                return
            data_start = pos - len(carry)
            pos += len(chunk)
            over = unit.end - data_start  # lines starting before this offset in data are ours
            cut = data.rfind(b"\n")
            if cut >= over - 1:
                last = data.find(b"\n", max(over - 1, 0))
                yield Block(data[:last + 1], line)
                return
            if not chunk:  # end of file: the last line has no newline
                yield Block(data, line)
                return
            if cut >= 0:
                yield Block(data[:cut + 1], line)
                line += data.count(b"\n", 0, cut + 1)
                carry = data[cut + 1:]
            elif len(data) > max_line:  # keep the front of an over-long line, skip its rest
                problems.append(Problem(unit.source.display, f"Zeile {line} des Bereichs {unit.index} zu lang, gekürzt",
                                        f"line {line} of range {unit.index} too long, truncated"))
                yield Block(data[:max_line] + b"\n", line)
                line += 1
                carry = _after_line_end(f)
                if carry is None:
                    return
                pos = f.tell()
            else:
                carry = data


def _after_line_end(f) -> bytes | None:  # noqa: ANN001 - a binary file
    """Read past the end of the current line; returns what was read after it (None: end of file)."""
    while chunk := f.read(65536):
        nl = chunk.find(b"\n")
        if nl >= 0:
            return chunk[nl + 1:]
    return None


_WORKER_SETS: dict[str, CompiledSet] = {}  # per worker process: the cached set, memory-mapped once


def _prefetched(blocks: Iterator[Block], depth: int = 2) -> Iterator[Block]:
    """Read (and decompress) the next blocks in a thread while this one is scanned: the matcher runs
    without the GIL, so reading and matching overlap on one core's worth of Python."""
    queue: Queue = Queue(depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for block in blocks:
                while not stop.is_set():
                    try:
                        queue.put(block, timeout=0.5)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            queue.put(exc)
        queue.put(done)

    thread = threading.Thread(target=produce, name="kommcert-scan-reader", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join(timeout=5)


def _unit_size(unit: _Unit) -> int:
    """The unit's share of the progress total (bytes on disk; a compressed file reads more)."""
    if unit.end is not None:
        return unit.end - unit.start
    return unit.source.size or 0


class _Progress:
    """Bytes done for the progress bar: advanced per block while a unit runs, never past a unit's
    share of the total (so compressed files do not overshoot), topped up when the unit ends."""

    def __init__(self, report: Callable[[int], None] | None) -> None:
        self.report = report
        self.reported = 0

    def to(self, value: int) -> None:
        if self.report is not None and value > self.reported:
            self.report(value - self.reported)
            self.reported = value


_WORKER_PROGRESS = None  # a shared counter in pool workers (set by the pool's initializer)


def _init_worker(counter) -> None:  # noqa: ANN001
    global _WORKER_PROGRESS
    _WORKER_PROGRESS = counter


def _count_to_shared(n: int) -> None:
    counter = _WORKER_PROGRESS
    if counter is not None:
        with counter.get_lock():
            counter.value += n


def _scan_unit(unit: _Unit, matcher, block_size: int, max_line: int,  # noqa: ANN001
               on_block: Callable[[int], None] | None = None) -> _UnitResult:
    result = _UnitResult(unit)
    share, credited = _unit_size(unit), 0
    blocks = (_range_blocks(unit, block_size, max_line, result.problems) if unit.end is not None
              else blocks_mod.read_blocks(unit.source, block_size=block_size, max_line=max_line,
                                           problems=result.problems))
    last: Block | None = None
    for block in _prefetched(blocks):
        data = block.data
        result.bytes += len(data)
        # one pass in C: the hits with their line, the line count, and where '#' lines start
        newlines, raw, comments = matcher.scan_lines(data)
        first = block.first_line
        for line, pos in comments:
            if data.startswith(b"#fields\t", pos) or data.startswith(b"#Fields:", pos):
                end = data.find(b"\n", pos)
                result.headers.append((first + line, data[pos:end if end >= 0 else len(data)].rstrip(b"\r")))
        if raw:
            by_line: dict[int, tuple[bytes, list[int]]] = {}
            for line, pos, entry in raw:
                found = by_line.get(line)
                if found is None:
                    start = data.rfind(b"\n", 0, pos) + 1
                    end = data.find(b"\n", pos)
                    found = by_line[line] = (data[start:end if end >= 0 else len(data)], [])
                found[1].append(entry)
            result.hits.extend((first + n, text, entries) for n, (text, entries) in by_line.items())
        last = block
        last_newlines = newlines
        if on_block is not None and credited < share:
            step = min(len(data), share - credited)
            credited += step
            on_block(step)
    if last is not None:
        result.lines = last.first_line - 1 + last_newlines + (not last.data.endswith(b"\n"))
    return result


def _worker(unit: _Unit, directory: str, block_size: int, max_line: int) -> _UnitResult:
    compiled = _WORKER_SETS.get(directory)
    if compiled is None:
        compiled = _WORKER_SETS[directory] = CompiledSet.load(Path(directory))
    return _scan_unit(unit, compiled.matcher(), block_size, max_line, on_block=_count_to_shared)


def _run_pool(units: list[_Unit], cache_dir: Path, options: ScanOptions,
              progress: _Progress | None = None) -> Iterator[_UnitResult]:
    """Worker processes on this machine; each maps the cached table (shared pages, no copy). The
    workers add the bytes of each block to a shared counter, which moves the progress bar."""
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    counter = context.Value("q", 0)
    with ProcessPoolExecutor(max_workers=options.jobs, mp_context=context, initializer=_init_worker,
                             initargs=(counter,)) as pool:
        futures = [pool.submit(_worker, u, str(cache_dir), options.block_size, options.max_line) for u in units]
        for fut in futures:
            while True:
                try:
                    result = fut.result(timeout=0.25)
                    break
                except FutureTimeout:
                    if progress is not None:
                        progress.to(counter.value)
            if progress is not None:
                progress.to(counter.value)
            yield result


def _dask_unit(unit: _Unit, table: bytes | None, entries: list | None, block_size: int,
               max_line: int) -> _UnitResult:
    from kommcert.scan.engine_py import PyMatcher
    from kommcert.scan.indicator_set import _fastscan

    matcher = _fastscan.Matcher(table) if table is not None and _fastscan is not None else PyMatcher(entries or [])
    return _scan_unit(unit, matcher, block_size, max_line)


def _run_dask(units: list[_Unit], compiled: CompiledSet, options: ScanOptions) -> Iterator[_UnitResult]:
    """The same units on a Dask cluster (``--engine dask --scheduler tcp://…``): the compiled table
    goes to every worker once; the workers read the files themselves, so the paths must be the same
    there (a shared log archive). Hit lines come back and are resolved here, as with local workers."""
    try:
        from distributed import Client
    except ImportError:
        raise EngineUnavailable("distributed") from None
    with Client(options.scheduler, timeout="30s") as client:
        table = bytes(compiled.table) if compiled.engine == "c" else None
        entries = None if table is not None else (compiled.entries or _entries_for(compiled))
        shipped = client.scatter(table, broadcast=True) if table is not None else None
        shipped_entries = client.scatter(entries, broadcast=True) if entries is not None else None
        futures = [client.submit(_dask_unit, u, shipped, shipped_entries, options.block_size, options.max_line,
                                 pure=False) for u in units]
        for fut in futures:
            yield fut.result()


def _entries_for(compiled: CompiledSet) -> list:
    compiled.matcher()  # builds the entries for the Python engine
    return compiled.entries or []


def _head(source: Source) -> list[str]:
    """The first lines of a file, for format detection (stdin: none; its problems were reported)."""
    lines: list[str] = []
    if source.path is None:
        return lines
    for block in blocks_mod.read_blocks(source, block_size=256 << 10, max_line=64 << 10, problems=[]):
        for raw in block.data.split(b"\n"):
            lines.append(raw.decode("utf-8", "replace").rstrip("\r"))
            if len(lines) >= HEAD_LINES:
                return lines
        break
    return lines


def run(srcs: list[Source], compiled: CompiledSet, options: ScanOptions, *, cache_dir: Path | None = None,
        progress: Callable[[int], None] | None = None) -> tuple[list[Hit], list[Problem], ScanStats]:
    """Scan every source; returns the hits in file and line order, problems and counts."""
    problems: list[Problem] = []
    stats = ScanStats()
    bar = _Progress(progress)
    finished = 0  # the shares of the units done (the bar reaches each unit's end when it ends)
    if options.since is not None:
        since_ts = options.since.timestamp()
        srcs = [s for s in srcs if s.mtime is None or s.mtime >= since_ts]
    if options.scheduler:
        units = plan(srcs, 2)
        done = _run_dask(units, compiled, options)
    elif options.jobs > 1 and cache_dir is not None:
        units = plan(srcs, options.jobs)
        done = _run_pool(units, cache_dir, options, bar)
    else:
        units = plan(srcs, 1)
        matcher = compiled.matcher()
        done = (_scan_unit(u, matcher, options.block_size, options.max_line,
                           on_block=lambda n: bar.to(bar.reported + n)) for u in units)
    by_file: dict[str, list[_UnitResult]] = {}
    for res in done:
        by_file.setdefault(res.unit.source.display, []).append(res)
        finished += _unit_size(res.unit)
        bar.to(finished)  # top up a unit that read less than its share (the file shrank)
    hits: list[Hit] = []
    for src in srcs:
        parts = sorted(by_file.get(src.display, ()), key=lambda r: r.unit.index)
        if not parts:
            continue
        stats.files += 1
        found: list[tuple[int, bytes, list[int]]] = []
        headers: list[tuple[int, bytes]] = []
        offset = 0  # lines in the ranges before this one (whole-file units have one part)
        for part in parts:
            stats.bytes += part.bytes
            problems.extend(part.problems)
            found += [(offset + n, text, entries) for n, text, entries in part.hits]
            headers += [(offset + n, text) for n, text in part.headers]
            offset += part.lines
        stats.lines += offset
        if found:
            hits += _file_hits(src, sorted(found, key=lambda h: h[0]), headers, compiled, options)
    return hits, problems, stats


def _file_hits(src: Source, found: list[tuple[int, bytes, list[int]]], headers: list[tuple[int, bytes]],
               compiled: CompiledSet, options: ScanOptions) -> list[Hit]:
    """Date and resolve one file's hit lines; a column header (Zeek, Exchange) anywhere before a hit
    line, in whatever work unit, applies to it."""
    tracker = FormatTracker(_head(src), year=_year(src, options), tz=options.tz, now=options.now)
    pending = iter(headers)
    header = next(pending, None)
    out: list[Hit] = []
    for number, text, entries in found:
        while header is not None and header[0] < number:
            tracker.analyse(header[1].decode("utf-8", "replace"))
            header = next(pending, None)
        out += _resolve(src, number, text, entries, compiled, tracker, options)
    return out


def _year(src: Source, options: ScanOptions) -> int:
    return datetime.fromtimestamp(src.mtime, options.tz).year if src.mtime else options.now.year


def _resolve(src: Source, line: int, text: bytes, entries: list[int], compiled: CompiledSet,
             tracker: FormatTracker, options: ScanOptions) -> Iterator[Hit]:
    decoded = text.decode("utf-8", "replace").rstrip("\r")
    info = tracker.analyse(decoded)
    if options.since is not None and info.log_time is not None and info.log_time < options.since:
        return
    seen: set[int] = set()
    for entry in entries:
        for idx in compiled.resolve(entry):
            if idx in seen:
                continue
            seen.add(idx)
            ind = compiled.indicators[idx]
            if options.types is not None and ind.type not in options.types:
                continue
            before = bool(info.log_time and ind.valid_from and info.log_time < ind.valid_from)
            yield Hit(src.display, line, ind, info.log_time, info.format.name, info.host, before,
                      decoded[:MAX_TEXT])
