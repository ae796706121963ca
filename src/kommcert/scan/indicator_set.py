"""The indicators a scan looks for: loaded from the platform's scan set or a local export file,
compiled once into the matcher's table, and kept on disk so the next scan is ready at once.

Expired and warninglisted indicators are left out here (the platform's set has none; local files
are checked against the built-in warninglists). A hit in a log line older than an indicator's
``valid_from`` is still reported, marked as such.
"""

from __future__ import annotations

import json
import mmap
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kommcert.errors import InvalidInput
from kommcert.indicators.formats.export_text import SCAN_MAGIC
from kommcert.indicators.types import IndicatorType
from kommcert.scan import keys
from kommcert.scan.engine_py import PyMatcher

try:
    from kommcert.scan import _fastscan
except ImportError:  # built without a C compiler: the reference engine does the same, slower
    _fastscan = None

COMPILED_VERSION = 2
_TYPES = {t.value: t for t in IndicatorType}


@dataclass(frozen=True, slots=True)
class ScanIndicator:
    type: IndicatorType
    value: str
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    id: int | None = None  # the platform's indicator id (sightings name it); None from local files


@dataclass
class LoadStats:
    loaded: int = 0
    expired: int = 0
    warninglisted: int = 0
    unusable: int = 0  # values no log line can contain (a host name without a dot)


def _time(text: str) -> datetime | None:
    if not text:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_scan_set(lines: Iterable[str], *, source: str) -> tuple[dict[str, str], Iterator[ScanIndicator]]:
    """The platform's scan set (``/feeds/scan``): a header naming the organisation, then TSV rows."""
    it = iter(lines)
    head = next(it, "")
    if not head.startswith(SCAN_MAGIC):
        raise InvalidInput(f"{source}: keine kommcert-Indikatorliste", f"{source}: not a kommcert indicator set")
    meta = dict(part.split("=", 1) for part in head.rstrip("\n").split("\t")[1:] if "=" in part)

    def rows() -> Iterator[ScanIndicator]:
        for number, line in enumerate(it, start=2):
            if line.startswith("#") or not line.strip():
                continue
            cells = line.rstrip("\n").split("\t")
            try:
                ident, kind, value, since, until = cells
                yield ScanIndicator(_TYPES[kind], value, _time(since), _time(until), int(ident))
            except (ValueError, KeyError):
                raise InvalidInput(f"{source}, Zeile {number}: unlesbar",
                                   f"{source}, line {number}: unreadable") from None

    return meta, rows()


def read_feed_file(path: Path) -> Iterator[ScanIndicator]:
    """A local export: the scan set, a STIX 2.1 bundle, a MISP feed directory or a plain list."""
    from kommcert.indicators import readers

    if path.is_dir():
        from kommcert.indicators.formats import misp_feed

        items: Iterable = misp_feed.read_feed(str(path))
    else:
        with path.open("rb") as f:
            start = f.read(64).lstrip()
        if start.startswith(SCAN_MAGIC.encode()):
            with path.open(encoding="utf-8") as f:
                yield from parse_scan_set(f, source=path.name)[1]
            return
        with path.open("rb") as stream:
            yield from _records(readers.read("stix" if start.startswith(b"{") else "text", stream, name=path.name))
        return
    yield from _records(items)


def _records(items: Iterable) -> Iterator[ScanIndicator]:
    from kommcert.indicators.formats.records import IndicatorRecord

    for item in items:
        if isinstance(item, IndicatorRecord):
            yield ScanIndicator(item.type, item.value, item.valid_from, item.valid_until)


def from_file(path: Path, *, now: datetime, cache_dir: Path | None = None) -> tuple[CompiledSet, LoadStats]:
    """``--feed FILE``: read, drop expired and warninglisted values (the built-in lists), compile.

    With ``cache_dir`` the compiled set is kept there and used again while the file is unchanged
    (same path, size, modification and change time, inode; for a MISP feed directory the same of
    every file in it), the built-in warninglists are the same and none of its indicators has expired
    since: re-reading a million-indicator export took some 18 seconds a run."""
    key = _source_key(path) if cache_dir is not None else None
    if cache_dir is not None and key is not None:
        cached = _cached(cache_dir, key, now)
        if cached is not None:
            return cached
    stats = LoadStats()
    compiled = CompiledSet.build(usable(read_feed_file(path), now=now, check_warninglists=True, stats=stats),
                                 stats=stats)
    if cache_dir is not None and key is not None:
        _keep(compiled, stats, cache_dir, key)
    return compiled, stats


def _source_key(path: Path) -> str | None:
    """What identifies the file's content without reading it (a hash would cost a second read)."""
    import hashlib

    from kommcert.indicators import warninglists

    try:
        files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
        stamps = [(str(p.resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
                  for p in files for st in (p.stat(),)]
        lists = [entry.read_bytes() for entry in warninglists._builtin_files()]  # noqa: SLF001
    except OSError:
        return None
    digest = hashlib.sha256(json.dumps([COMPILED_VERSION, stamps]).encode())
    for data in lists:
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def _cached(directory: Path, key: str, now: datetime) -> tuple[CompiledSet, LoadStats] | None:
    try:
        info = json.loads((directory / "source.json").read_text())
        if info.get("key") != key:
            return None
        expiry = info.get("next_expiry")
        if expiry and now >= datetime.fromisoformat(expiry):
            return None  # an indicator in it has expired since: build again without it
        stats = LoadStats(**info["stats"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    compiled = CompiledSet.load(directory)
    return (compiled, stats) if compiled is not None else None


def _keep(compiled: CompiledSet, stats: LoadStats, directory: Path, key: str) -> None:
    """Save the set for the next run; a cache that cannot be written only costs the next run time."""
    expiries = [ind.valid_until for ind in compiled.indicators if ind.valid_until is not None]
    info = {"key": key, "next_expiry": min(expiries).isoformat() if expiries else None,
            "stats": {"loaded": stats.loaded, "expired": stats.expired, "warninglisted": stats.warninglisted,
                      "unusable": stats.unusable}}
    try:
        (directory / "source.json").unlink(missing_ok=True)  # written last: marks a usable cache
        compiled.save(directory)
        (directory / "source.json").write_text(json.dumps(info))
    except OSError:
        return


def usable(indicators: Iterable[ScanIndicator], *, now: datetime, check_warninglists: bool,
           stats: LoadStats) -> Iterator[ScanIndicator]:
    match = None
    if check_warninglists:
        from kommcert.indicators import warninglists

        match = warninglists.builtin_matcher()
    for ind in indicators:
        if ind.valid_until is not None and ind.valid_until <= now:
            stats.expired += 1
        elif match is not None and match.match(ind.type, ind.value):
            stats.warninglisted += 1
        else:
            stats.loaded += 1
            yield ind


class _StoredIndicators(Sequence[ScanIndicator]):
    """Indicators read from the cache on demand: only hits need them, so loading a million costs
    two memory maps, not a million objects."""

    def __init__(self, rows: mmap.mmap, offsets: array) -> None:
        self.rows, self.offsets = rows, offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, idx):  # noqa: ANN001, ANN204
        if isinstance(idx, slice):
            return [self[i] for i in range(*idx.indices(len(self)))]
        kind, value, since, until, ident = self.rows[self.offsets[idx]:self.offsets[idx + 1] - 1].decode().split("\t")
        return ScanIndicator(_TYPES[kind], value, _time(since), _time(until), int(ident) if ident else None)


def _row(ind: ScanIndicator) -> bytes:
    since = ind.valid_from.isoformat() if ind.valid_from else ""
    until = ind.valid_until.isoformat() if ind.valid_until else ""
    ident = "" if ind.id is None else str(ind.id)
    return f"{ind.type.value}\t{ind.value}\t{since}\t{until}\t{ident}\n".encode()


def _map(path: Path) -> mmap.mmap | bytes:
    with path.open("rb") as f:
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if path.stat().st_size else b""


@dataclass
class CompiledSet:
    """Indicators, the matcher's table and which indicators each table entry stands for."""

    indicators: Sequence[ScanIndicator]
    refs: array  # entry -> first indicator index
    multi: dict[int, tuple[int, ...]]  # entries that stand for several indicators (same key)
    table: bytes | mmap.mmap | None = None  # the C engine's compiled table
    meta: dict[str, str] = field(default_factory=dict)
    entries: list[tuple[int, bytes, int]] | None = None  # kept for the Python engine
    _matcher: object = None

    @classmethod
    def build(cls, indicators: Iterable[ScanIndicator], *, stats: LoadStats | None = None,
              meta: dict[str, str] | None = None) -> CompiledSet:
        inds: list[ScanIndicator] = []
        index: dict[tuple[int, bytes], int] = {}
        entries: list[tuple[int, bytes, int]] = []
        refs = array("I")
        multi: dict[int, tuple[int, ...]] = {}
        for ind in indicators:
            key = keys.entry_key(ind.type, ind.value)
            if key is None:
                if stats:
                    stats.unusable += 1
                continue
            inds.append(ind)
            number = index.get(key[:2])
            if number is None:
                index[key[:2]] = len(entries)
                entries.append(key)
                refs.append(len(inds) - 1)
            else:
                kind, value, flags = entries[number]
                entries[number] = (kind, value, flags | key[2])
                multi[number] = (*multi.get(number, (refs[number],)), len(inds) - 1)
        table = _fastscan.build(entries) if _fastscan is not None else None
        return cls(inds, refs, multi, table, meta or {}, entries)

    @property
    def engine(self) -> str:
        return "c" if self.table is not None and _fastscan is not None else "python"

    def matcher(self):  # noqa: ANN201 - _fastscan.Matcher or PyMatcher
        if self._matcher is None:
            if self.engine == "c":
                self._matcher = _fastscan.Matcher(self.table)
            else:
                if self.entries is None:
                    self.entries = _entries_of(self.indicators)
                self._matcher = PyMatcher(self.entries)
        return self._matcher

    def resolve(self, entry: int) -> Iterator[int]:
        """Indicator indexes of a matcher hit (a label-suffix hit counts for domains only)."""
        suffix = entry & keys.SUFFIX_HIT
        entry &= ~keys.SUFFIX_HIT
        for idx in self.multi.get(entry) or (self.refs[entry],):
            if not suffix or self.indicators[idx].type == IndicatorType.domain:
                yield idx

    # -- on disk ---------------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "compiled.json").unlink(missing_ok=True)  # written last: marks a complete cache
        offsets = array("Q", [0])
        with (directory / "indicators.tsv").open("wb") as f:
            for ind in self.indicators:
                row = _row(ind)
                f.write(row)
                offsets.append(offsets[-1] + len(row))
        (directory / "indicators.idx").write_bytes(offsets.tobytes())
        (directory / "refs.bin").write_bytes(self.refs.tobytes())
        (directory / "multi.json").write_text(json.dumps({str(k): v for k, v in self.multi.items()}))
        if self.table is not None:
            (directory / "table.kcs").write_bytes(self.table)
        (directory / "compiled.json").write_text(json.dumps({"version": COMPILED_VERSION, "meta": self.meta}))

    @classmethod
    def load(cls, directory: Path) -> CompiledSet | None:
        try:
            info = json.loads((directory / "compiled.json").read_text())
            if info.get("version") != COMPILED_VERSION:
                return None
            offsets, refs = array("Q"), array("I")
            offsets.frombytes((directory / "indicators.idx").read_bytes())
            refs.frombytes((directory / "refs.bin").read_bytes())
            multi = {int(k): tuple(v) for k, v in json.loads((directory / "multi.json").read_text()).items()}
            inds = _StoredIndicators(_map(directory / "indicators.tsv"), offsets)
            table = None
            if _fastscan is not None:
                table = _map(directory / "table.kcs") if (directory / "table.kcs").exists() \
                    else _fastscan.build(_entries_of(inds))
            compiled = cls(inds, refs, multi, table, info.get("meta", {}))
            if table is not None:
                compiled.matcher()  # a damaged table fails here, not in the middle of a scan
            return compiled
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _entries_of(indicators: Sequence[ScanIndicator]) -> list[tuple[int, bytes, int]]:
    seen: dict[tuple[int, bytes], int] = {}
    entries: list[tuple[int, bytes, int]] = []
    for ind in indicators:
        key = keys.entry_key(ind.type, ind.value)
        if key is None:
            continue
        if key[:2] in seen:
            kind, value, flags = entries[seen[key[:2]]]
            entries[seen[key[:2]]] = (kind, value, flags | key[2])
        else:
            seen[key[:2]] = len(entries)
            entries.append(key)
    return entries
