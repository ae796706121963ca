"""Scan inputs: command-line arguments to sources, sources to blocks of whole lines.

``expand`` turns files, directories, globs and ``-`` (standard input) into a de-duplicated list of sources.
``read_blocks`` decompresses a source by its magic bytes (gzip, bzip2, xz, zstd, else plain) and yields
blocks of about ``block_size`` bytes that always end at a line boundary, with the exact number of their
first line. Nothing here raises on bad input: every trouble becomes a ``Problem`` (German and English).

The plain-file path is built for speed: big reads, one ``rfind`` per chunk, no per-line Python work.
Over-long lines are found by jumping ``max_line`` bytes at a time with ``rfind``; only the first
``max_line`` bytes of such a line are kept and the rest is read and dropped.
"""

from __future__ import annotations

import bz2
import codecs
import errno
import fnmatch
import gzip
import lzma
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

STDIN = "-"
BINARY_SNIFF = 8192  # a NUL byte in this many leading (decompressed) bytes marks a binary file
_GLOB_MAGIC = re.compile(r"[*?[]")


@dataclass(frozen=True)
class Problem:
    source: str  # the path as the user would recognise it, or "-" for stdin
    de: str
    en: str


@dataclass(frozen=True)
class Source:
    display: str  # path as given/found (relative if given relative), "-" for stdin
    path: Path | None  # None for stdin
    size: int | None  # bytes on disk (compressed size), None for stdin
    mtime: float | None


@dataclass
class Block:
    data: bytes  # whole lines, each ending in b"\n" (the last line of the input may lack it)
    first_line: int  # 1-based line number of the first line in data


# --------------------------------------------------------------------------------------------------------
# Message helpers


def _int_de(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _int_en(n: int) -> str:
    return f"{n:,}"


def _size_texts(n: int) -> tuple[str, str]:
    """Human-readable size (decimal units), German and English."""
    if n < 1000:
        return f"{n} Bytes", f"{n} bytes"
    for unit, factor in (("kB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12)):
        if n < factor * 1000 or unit == "TB":
            value = f"{n / factor:.1f}"
            return f"{value.replace('.', ',')} {unit}", f"{value} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def _os_error_texts(exc: OSError) -> tuple[str, str]:
    """Short reason for an OS error, German and English."""
    if isinstance(exc, FileNotFoundError):
        return "nicht (mehr) vorhanden", "does not exist (any more)"
    if isinstance(exc, PermissionError):
        return "keine Berechtigung", "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "ist ein Verzeichnis", "is a directory"
    if exc.errno == errno.ELOOP:
        return "zu viele Ebenen symbolischer Links", "too many levels of symbolic links"
    reason = exc.strerror or type(exc).__name__
    return f"Systemfehler: {reason}", f"system error: {reason}"


def _special_kind(mode: int) -> tuple[str, str]:
    if stat.S_ISFIFO(mode):
        return "FIFO", "FIFO"
    if stat.S_ISSOCK(mode):
        return "Socket", "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "Gerätedatei", "device file"
    return "Sonderdatei", "special file"


def _not_regular(source: str, mode: int) -> Problem:
    kind_de, kind_en = _special_kind(mode)
    return Problem(source, f"keine reguläre Datei ({kind_de}), übersprungen",
                   f"not a regular file ({kind_en}), skipped")


# --------------------------------------------------------------------------------------------------------
# expand: arguments -> sources


def expand(args: Sequence[str], *, max_file_size: int | None = None) -> tuple[list[Source], list[Problem]]:
    """Files, directories (recursive, sorted, no following of symlinked dirs into loops), globs (`*`, `?`, `**`),
    and "-" for stdin. Non-existent path or a glob matching nothing → Problem. Special files (FIFOs, sockets,
    devices) found inside directories are skipped silently; named explicitly → Problem. Duplicates (same real
    path reached twice) are scanned once. Files over max_file_size (if given) → Problem, skipped.

    An argument that exists as a path is taken literally even if it contains glob characters. Inside
    directories and for ``**``, symbolic links to directories are not followed (as ``grep -r`` and bash's
    globstar do); symbolic links to files are followed. Globs skip hidden names unless the pattern part starts
    with a dot; directory recursion includes them.
    """
    expander = _Expander(max_file_size)
    for arg in args:
        expander.add_argument(arg)
    return expander.sources, expander.problems


class _Expander:
    def __init__(self, max_file_size: int | None) -> None:
        self.max_file_size = max_file_size
        self.sources: list[Source] = []
        self.problems: list[Problem] = []
        self._seen_files: set[tuple[int, int]] = set()
        self._seen_dirs: set[tuple[int, int]] = set()
        self._reported_dirs: set[str] = set()
        self._stdin_taken = False

    def add_argument(self, arg: str) -> None:
        if arg == STDIN:
            if not self._stdin_taken:
                self._stdin_taken = True
                self.sources.append(Source(STDIN, None, None, None))
            return
        if arg and os.path.lexists(arg):
            self._add_path(arg, explicit=True)
        elif arg and _GLOB_MAGIC.search(arg):
            matches = self._glob(arg)
            if not matches:
                self.problems.append(Problem(arg, "Muster passt auf keine Datei", "pattern matches no file"))
            for match in matches:
                self._add_path(match, explicit=False)
        else:
            self.problems.append(Problem(arg, "Datei oder Verzeichnis nicht gefunden", "no such file or directory"))

    # -- single paths ---------------------------------------------------------------------------------------

    def _add_path(self, display: str, *, explicit: bool) -> None:
        try:
            st = os.stat(display)
        except FileNotFoundError:
            if explicit:  # lexists() said yes, so this is a dangling symbolic link
                self.problems.append(Problem(display, "symbolischer Link ohne Ziel", "dangling symbolic link"))
            return
        except OSError as exc:
            de, en = _os_error_texts(exc)
            self.problems.append(Problem(display, f"nicht lesbar: {de}", f"cannot access: {en}"))
            return
        if stat.S_ISDIR(st.st_mode):
            self._walk(display, st)
        elif stat.S_ISREG(st.st_mode):
            self._add_file(display, st)
        elif explicit:
            self.problems.append(_not_regular(display, st.st_mode))

    def _add_file(self, display: str, st: os.stat_result) -> None:
        key = (st.st_dev, st.st_ino)
        if key in self._seen_files:
            return
        self._seen_files.add(key)
        if self.max_file_size is not None and st.st_size > self.max_file_size:
            size_de, size_en = _size_texts(st.st_size)
            max_de, max_en = _size_texts(self.max_file_size)
            self.problems.append(Problem(display, f"Datei zu groß ({size_de}, Grenze {max_de}), übersprungen",
                                         f"file too large ({size_en}, limit {max_en}), skipped"))
            return
        self.sources.append(Source(display, Path(display), st.st_size, st.st_mtime))

    # -- directories ----------------------------------------------------------------------------------------

    def _list_dir(self, path: str) -> list[os.DirEntry[str]] | None:
        try:
            with os.scandir(path) as it:
                return sorted(it, key=lambda entry: entry.name)
        except OSError as exc:
            if path not in self._reported_dirs:
                self._reported_dirs.add(path)
                de, en = _os_error_texts(exc)
                self.problems.append(Problem(path or ".", f"Verzeichnis nicht lesbar ({de}), übersprungen",
                                             f"cannot read directory ({en}), skipped"))
            return None

    def _walk(self, top: str, top_st: os.stat_result) -> None:
        """Depth-first, sorted by name, iterative (deep trees cannot overflow the stack)."""
        key = (top_st.st_dev, top_st.st_ino)
        if key in self._seen_dirs:
            return
        self._seen_dirs.add(key)
        entries = self._list_dir(top)
        if entries is None:
            return
        stack: list[Iterator[os.DirEntry[str]]] = [iter(entries)]
        while stack:
            entry = next(stack[-1], None)
            if entry is None:
                stack.pop()
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    key = (st.st_dev, st.st_ino)
                    if key not in self._seen_dirs:
                        self._seen_dirs.add(key)
                        sub = self._list_dir(entry.path)
                        if sub:
                            stack.append(iter(sub))
                elif entry.is_symlink():
                    st = entry.stat()  # follows; symlinked directories and special files are skipped
                    if stat.S_ISREG(st.st_mode):
                        self._add_file(entry.path, st)
                elif entry.is_file(follow_symlinks=False):
                    self._add_file(entry.path, entry.stat(follow_symlinks=False))
                # anything else is a special file: skipped silently
            except OSError:
                continue  # vanished while walking, or a dangling link: nothing to scan

    # -- globs ----------------------------------------------------------------------------------------------

    def _glob(self, pattern: str) -> list[str]:
        drive, rest = os.path.splitdrive(pattern)
        if os.sep != "/":  # pragma: no cover - Windows
            rest = rest.replace(os.sep, "/")
        root = drive + "/" if rest.startswith("/") else drive
        parts = [part for part in rest.split("/") if part]
        dirs_only = rest.endswith("/")
        results = [root]
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            found: list[str] = []
            if part == "**":
                for base in results:
                    found.extend(self._glob_dirs(base))
            elif _GLOB_MAGIC.search(part):
                for base in results:
                    entries = self._list_dir(base or ".")
                    if entries is None:
                        continue
                    names = [e.name for e in entries if part.startswith(".") or not e.name.startswith(".")]
                    for name in fnmatch.filter(names, part):
                        path = _join(base, name)
                        if (last and not dirs_only) or os.path.isdir(path):
                            found.append(path)
            else:
                for base in results:
                    path = _join(base, part)
                    if os.path.isdir(path) if (not last or dirs_only) else os.path.lexists(path):
                        found.append(path)
            results = list(dict.fromkeys(found))
            if not results:
                return []
        return sorted(path or "." for path in results)

    def _glob_dirs(self, base: str) -> Iterator[str]:
        """``base`` and every directory below it; no hidden ones, no symlinked ones, each reached once."""
        seen: set[tuple[int, int]] = set()
        stack = [base]
        while stack:
            current = stack.pop()
            yield current
            entries = self._list_dir(current or ".")
            if entries is None:
                continue
            subdirs = []
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                try:
                    if not entry.is_dir(follow_symlinks=False):
                        continue
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    subdirs.append(_join(current, entry.name))
            stack.extend(reversed(subdirs))


def _join(base: str, name: str) -> str:
    if not base:
        return name
    return base + name if base.endswith(("/", os.sep)) else base + "/" + name


# --------------------------------------------------------------------------------------------------------
# read_blocks: source -> blocks


class _Truncated(EOFError):
    """The compressed stream ended in the middle of a frame."""


def read_blocks(source: Source, *, block_size: int = 4 << 20, max_line: int = 1 << 20,
                problems: list[Problem], stdin: BinaryIO | None = None) -> Iterator[Block]:
    """Decompress by magic bytes (not by extension): gzip (multi-member too), bz2, xz, zstd; else plain.
    Binary input (a NUL byte in the first 8 KiB of the decompressed data) → one Problem ("Binärdatei
    übersprungen"), no blocks. A truncated/corrupt compressed file → the blocks read so far are yielded, then
    one Problem naming the kind and how far it got; no exception escapes. A line longer than max_line is
    truncated to max_line bytes (the remainder is read and dropped without holding it in memory), line
    numbering stays right, and one Problem per file names the first such line number. I/O errors
    (permission denied, vanished file) → Problem. Blocks are about block_size (never split a line).

    ``stdin`` replaces ``sys.stdin.buffer`` for the source "-" (tests). After a read error or a damaged
    compressed stream, the incomplete last line is dropped, so a cut-off token cannot produce a false match.
    """
    if block_size < 1 or max_line < 1:
        raise ValueError("block_size and max_line must be positive")
    if source.path is None:
        raw: BinaryIO = stdin if stdin is not None else sys.stdin.buffer
        owned = False
    else:
        try:
            raw = _open_regular(source.path)
        except _NotRegularError as exc:
            problems.append(_not_regular(source.display, exc.mode))
            return
        except OSError as exc:
            de, en = _os_error_texts(exc)
            problems.append(Problem(source.display, f"Datei nicht lesbar: {de}", f"cannot read file: {en}"))
            return
        owned = True
    try:
        yield from _read_raw(source, raw, block_size, max_line, problems)
    finally:
        if owned:
            raw.close()


class _NotRegularError(Exception):
    def __init__(self, mode: int) -> None:
        super().__init__(mode)
        self.mode = mode


def _open_regular(path: Path) -> BinaryIO:
    """Open for reading without blocking on a FIFO that has taken the file's place."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _NotRegularError(mode)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb", buffering=256 << 10)
    except BaseException:
        os.close(fd)
        raise


_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def is_utf16(head: bytes) -> bool:
    """UTF-16 text with a byte order mark (PowerShell's Out-File, some Windows exports)."""
    return head.startswith(UTF16_BOMS)


def _utf8_from_utf16(read: Callable[[int], bytes], head: bytes) -> tuple[Callable[[int], bytes], bytes]:
    """Read UTF-16 as UTF-8, so that lines, tokens and NUL-based binary detection work as for any log.
    Undecodable pairs become U+FFFD."""
    decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")

    def transcoded(size: int) -> bytes:
        while True:
            chunk = read(size)
            text = decoder.decode(chunk, final=not chunk)
            if text or not chunk:
                return text.encode("utf-8")

    return transcoded, decoder.decode(head).encode("utf-8")


def compression(head: bytes) -> str | None:
    for magic, kind in _MAGICS:
        if head.startswith(magic):
            return kind
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[3:4] != b"0":
        return "bzip2"
    return None


def _read_raw(source: Source, raw: BinaryIO, block_size: int, max_line: int,
              problems: list[Problem]) -> Iterator[Block]:
    try:
        head = raw.read(block_size)
        while 0 < len(head) < 6:  # pipes may deliver less; the magic needs 6 bytes
            more = raw.read(block_size)
            if not more:
                break
            head += more
    except (OSError, ValueError) as exc:  # ValueError: a closed stream
        if not isinstance(exc, OSError):
            exc = OSError(errno.EBADF, str(exc))
        de, en = _os_error_texts(exc)
        problems.append(Problem(source.display, f"Lesefehler: {de}", f"read error: {en}"))
        return
    kind = compression(head)
    if kind is None:
        read = _plain_reader(head, raw)
    else:
        stream = _Prefixed(head, raw)
        try:
            read = _decompressing_reader(kind, stream)
        except ImportError:
            problems.append(Problem(source.display,
                                    "zstd-komprimierte Datei übersprungen: Python-Paket »zstandard« fehlt",
                                    "zstd-compressed file skipped: Python package 'zstandard' is missing"))
            return
    yield from _blocks(source, read, kind, block_size, max_line, problems)


def _plain_reader(head: bytes, raw: BinaryIO) -> Callable[[int], bytes]:
    pending = [head] if head else []

    def read(size: int) -> bytes:
        if pending:
            return pending.pop()
        return raw.read(size)

    return read


class _Prefixed:
    """A readable stream: the bytes already read for magic detection, then the rest of ``raw``."""

    def __init__(self, head: bytes, raw: BinaryIO) -> None:
        self._head = head
        self._offset = 0  # decoders read small pieces: hand out slices, never re-copy the rest of head
        self._raw = raw

    def read(self, size: int = -1) -> bytes:
        if self._offset < len(self._head):
            start = self._offset
            if size is None or size < 0:
                self._offset = len(self._head)
                return self._head[start:] + self._raw.read()
            self._offset = min(start + size, len(self._head))
            return self._head[start:self._offset]
        return self._raw.read(size)

    def readable(self) -> bool:
        return True


def _decompressing_reader(kind: str, stream: _Prefixed) -> Callable[[int], bytes]:
    if kind == "gzip":
        return gzip.GzipFile(fileobj=stream, mode="rb").read  # type: ignore[arg-type]
    if kind == "bzip2":
        return bz2.BZ2File(stream).read  # type: ignore[arg-type]
    if kind == "xz":
        return lzma.LZMAFile(stream).read  # type: ignore[arg-type]
    return _ZstdReader(stream).read


class _ZstdFrames:
    """Follows the zstd frame layout (headers only) between the file and the decoder.

    ``zstandard``'s streaming reader silently stops at a cut-off frame, and it fails (losing the output of that
    read) on bytes after the last frame that are not zstd. This walker sees every compressed byte on its way in,
    knows at the end whether the last frame was finished, and passes nothing from a frame start that turns out
    not to be a zstd magic number, so everything before trailing garbage is decoded. It touches only frame and
    block headers (a block holds up to 128 KiB), so its cost is negligible.
    """

    def __init__(self) -> None:
        self._state = "magic"
        self._need = 4
        self._buf = b""
        self._skip = 0
        self._checksum = False
        self.invalid = False  # a frame start without zstd magic (or a reserved block type) was seen

    def feed(self, data: bytes) -> bytes:
        """Take the next compressed bytes; return those that may go to the decoder now.

        Bytes of a frame's magic number are held back until all four are seen and valid.
        """
        if self.invalid:
            return b""
        held = self._buf if self._state == "magic" else b""  # a magic number begun in an earlier chunk
        held_ok = False
        cut = len(data)
        magic_at = 0  # where in data the current magic number began
        pos, end = 0, len(data)
        while pos < end:
            if self._skip:
                take = min(self._skip, end - pos)
                self._skip -= take
                pos += take
                continue
            if self._state == "magic" and not self._buf:
                magic_at = pos
            take = min(self._need - len(self._buf), end - pos)
            self._buf += data[pos:pos + take]
            pos += take
            if len(self._buf) < self._need:
                break
            header, self._buf = self._buf, b""
            was_magic = self._state == "magic"
            self._advance(header)
            if self.invalid:
                if was_magic:
                    cut = magic_at
                break
            held_ok = True  # the first header completed here is the held one, if any
        if not self.invalid and self._state == "magic" and self._buf:
            cut = magic_at if len(self._buf) <= end - magic_at else 0
        if held and held_ok:
            return held + data[:cut]
        return data[:cut]

    def _advance(self, header: bytes) -> None:
        value = int.from_bytes(header, "little")
        if self._state == "magic":
            if value == 0xFD2FB528:
                self._state, self._need = "frame_header", 1
            elif value & 0xFFFFFFF0 == 0x184D2A50:
                self._state, self._need = "skippable_size", 4
            else:
                self.invalid = True
        elif self._state == "frame_header":
            single_segment = value >> 5 & 1
            self._checksum = bool(value & 0x04)
            fcs_size = (single_segment, 2, 4, 8)[value >> 6]
            self._skip = (1 - single_segment) + (0, 1, 2, 4)[value & 0x03] + fcs_size
            self._state, self._need = "block_header", 3
        elif self._state == "block_header":
            block_type = value >> 1 & 0x03
            if block_type == 3:
                self.invalid = True
            self._skip = 1 if block_type == 1 else value >> 3
            if value & 1:  # last block of the frame
                self._skip += 4 if self._checksum else 0
                self._state, self._need = "magic", 4
        else:  # skippable_size
            self._skip = value
            self._state, self._need = "magic", 4

    @property
    def complete(self) -> bool:
        return not self.invalid and self._state == "magic" and not self._buf and not self._skip


class _Tee:
    """Compressed input for zstandard, passed through the frame walker."""

    def __init__(self, stream: _Prefixed, frames: _ZstdFrames) -> None:
        self._stream = stream
        self._frames = frames

    def read(self, size: int = -1) -> bytes:
        while not self._frames.invalid:
            data = self._stream.read(size)
            if not data:
                return b""
            passed = self._frames.feed(data)
            if passed:
                return passed
        return b""  # the decoder sees a clean end; _ZstdReader reports the rest as damaged

    def readable(self) -> bool:
        return True


class _ZstdReader:
    """Decompressed zstd data; a stream cut off inside a frame raises ``_Truncated`` at its end."""

    def __init__(self, stream: _Prefixed) -> None:
        import zstandard  # optional at import time of this module; missing → Problem

        self._frames = _ZstdFrames()
        self._reader = zstandard.ZstdDecompressor().stream_reader(_Tee(stream, self._frames),
                                                                   read_across_frames=True)

    def read(self, size: int) -> bytes:
        data = self._reader.read(size)
        if not data:
            if self._frames.invalid:
                raise ValueError("data after the last zstd frame is not zstd")
            if not self._frames.complete:
                raise _Truncated("zstd stream ends inside a frame")
        return data


class _Blocker:
    """Cuts a stream of chunks into blocks of whole lines, truncating lines longer than ``max_line``.

    State between chunks: ``carry`` holds the start of an unfinished line (never more than ``max_line``
    bytes); ``skipping`` means the current line was already truncated and its rest is being dropped.
    """

    def __init__(self, block_size: int, max_line: int) -> None:
        self.max_line = max_line
        self.threshold = max(1, block_size // 2)  # one full read yields one block of about block_size
        self.pieces: list[bytes] = []
        self.pending = 0
        self.carry: list[bytes] = []
        self.carry_len = 0
        self.skipping = False
        self.next_line = 1  # number of the first line in ``pieces``
        self.bytes_in = 0
        self.first_long_line: int | None = None

    def feed(self, chunk: bytes) -> Block | None:
        self.bytes_in += len(chunk)
        if self.skipping:
            nl = chunk.find(b"\n")
            if nl < 0:
                return None
            self.skipping = False
            chunk = chunk[nl:]  # its newline ends the truncated line
        if chunk.rfind(b"\n") < 0:
            self._extend_carry(chunk)
            return None
        if self.carry:
            self.carry.append(chunk)
            data = b"".join(self.carry)
            self.carry, self.carry_len = [], 0
        else:
            data = chunk
        self._split(data)
        if not self.skipping and self.pending >= self.threshold:
            return self._flush()
        return None

    def finish(self) -> Block | None:
        """End of input: the last line may lack its newline."""
        self.pieces.extend(self.carry)
        self.carry, self.carry_len = [], 0
        return self._flush() if self.pieces else None

    def abort(self) -> Block | None:
        """Broken input: keep the complete lines, drop the unfinished last one."""
        self.carry, self.carry_len = [], 0
        return self._flush() if self.pieces else None

    def _extend_carry(self, chunk: bytes) -> None:
        if self.carry_len + len(chunk) <= self.max_line:
            if chunk:
                self.carry.append(chunk)
                self.carry_len += len(chunk)
            return
        self._note_long_line(b"", 0)
        self.carry.append(chunk[:self.max_line - self.carry_len])
        truncated = b"".join(self.carry)
        self.carry, self.carry_len = [], 0
        self.pieces.append(truncated)
        self.pending += len(truncated)
        self.skipping = True

    def _split(self, data: bytes) -> None:
        """``data`` starts at a line start and contains a newline."""
        max_line, size = self.max_line, len(data)
        pos = seg = 0  # pos: start of the next line to check; seg: start of the next piece to keep
        while size - pos > max_line:  # only then can a line from pos on be too long
            nl = data.rfind(b"\n", pos, pos + max_line + 1)
            if nl >= 0:
                pos = nl + 1  # every line in data[pos:nl + 1] is short enough
                continue
            self._note_long_line(data, pos)
            self.pieces.append(data[seg:pos + max_line])
            self.pending += pos + max_line - seg
            nl = data.find(b"\n", pos + max_line)
            if nl < 0:
                self.skipping = True
                return
            seg, pos = nl, nl + 1
        last = data.rfind(b"\n", seg)
        if last < 0:
            tail = data[seg:]
        else:
            piece = data if seg == 0 and last == size - 1 else data[seg:last + 1]
            self.pieces.append(piece)
            self.pending += len(piece)
            tail = data[last + 1:]
        if tail:
            self.carry, self.carry_len = [tail], len(tail)

    def _note_long_line(self, data: bytes, pos: int) -> None:
        if self.first_long_line is None:
            before = sum(piece.count(b"\n") for piece in self.pieces) + data.count(b"\n", 0, pos)
            self.first_long_line = self.next_line + before

    def _flush(self) -> Block:
        data = b"".join(self.pieces)
        block = Block(data, self.next_line)
        self.next_line += data.count(b"\n")
        self.pieces, self.pending = [], 0
        return block


def _blocks(source: Source, read: Callable[[int], bytes], kind: str | None, block_size: int, max_line: int,
            problems: list[Problem]) -> Iterator[Block]:
    blocker = _Blocker(block_size, max_line)
    error: Exception | None = None
    head_parts: list[bytes] = []
    head_len = 0
    eof = False
    while head_len < BINARY_SNIFF:  # gather enough for the binary test before yielding anything
        try:
            chunk = read(block_size)
        except Exception as exc:  # any decoder or I/O failure becomes a Problem
            error = exc
            break
        if not chunk:
            eof = True
            break
        head_parts.append(chunk)
        head_len += len(chunk)
    head = b"".join(head_parts)
    del head_parts
    if is_utf16(head):
        read, head = _utf8_from_utf16(read, head)
    if b"\x00" in head[:BINARY_SNIFF]:
        problems.append(Problem(source.display, "Binärdatei übersprungen", "binary file skipped"))
        return
    reported_long = False
    chunk = head
    while True:
        if chunk:
            block = blocker.feed(chunk)
            if blocker.first_long_line is not None and not reported_long:
                reported_long = True
                problems.append(_long_line_problem(source, blocker.first_long_line, max_line))
            if block is not None:
                yield block
        if error is not None or eof:
            break
        try:
            chunk = read(block_size)
        except Exception as exc:  # any decoder or I/O failure becomes a Problem
            error = exc
            chunk = b""
            continue
        if not chunk:
            eof = True
    if error is None:
        block = blocker.finish()
        if block is not None:
            yield block
        return
    block = blocker.abort()
    if block is not None:
        yield block
    problems.append(_broken_problem(source, kind, error, blocker.bytes_in, blocker.next_line - 1))


def _long_line_problem(source: Source, line: int, max_line: int) -> Problem:
    return Problem(
        source.display,
        f"Zeile {_int_de(line)} ist länger als {_int_de(max_line)} Bytes und wurde gekürzt "
        "(weitere überlange Zeilen werden ohne eigene Meldung gekürzt)",
        f"line {_int_en(line)} is longer than {_int_en(max_line)} bytes and was truncated "
        "(further over-long lines are truncated without a message of their own)",
    )


def _broken_problem(source: Source, kind: str | None, error: Exception, done: int, lines: int) -> Problem:
    size_de, size_en = _size_texts(done)
    if isinstance(error, OSError) and error.errno is not None:
        de, en = _os_error_texts(error)
        where_de = f"nach {size_de}{' entpackten Daten' if kind else ''}, {_int_de(lines)} Zeilen gelesen"
        where_en = f"after {size_en}{' of decompressed data' if kind else ''}, {_int_en(lines)} lines read"
        return Problem(source.display, f"Lesefehler ({de}) {where_de}, Rest übersprungen",
                       f"read error ({en}) {where_en}, rest skipped")
    what_de, what_en = ("vorzeitiges Ende", "unexpected end") if isinstance(error, EOFError) else (
        "Datenfehler", "data error")
    label = kind or "komprimierte"
    return Problem(
        source.display,
        f"beschädigte {label}-Datei ({what_de} nach {size_de} entpackten Daten, {_int_de(lines)} Zeilen gelesen),"
        " Rest übersprungen",
        f"damaged {kind or 'compressed'} file ({what_en} after {size_en} of decompressed data, "
        f"{_int_en(lines)} lines read), rest skipped",
    )
