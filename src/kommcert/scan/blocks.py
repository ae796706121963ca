"""Scan inputs: sources to blocks of whole lines.

``read_blocks`` decompresses a source by its magic bytes (gzip, bzip2, xz, zstd, else plain), reads UTF-16
with a byte order mark as UTF-8, and yields blocks of about ``block_size`` bytes that always end at a line
boundary, with the exact number of their first line. Nothing here raises on bad input: every trouble
becomes a ``Problem`` (German and English).

The plain-file path is built for speed: big reads, one ``rfind`` per chunk, no per-line Python work.
Over-long lines are found by jumping ``max_line`` bytes at a time with ``rfind``; only the first
``max_line`` bytes of such a line are kept and the rest is read and dropped.
"""

from __future__ import annotations

import bz2
import codecs
import errno
import gzip
import lzma
import os
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from kommcert.scan.sources import Block, Problem, Source, int_de, int_en, not_regular, os_error_texts, size_texts

BINARY_SNIFF = 8192  # a NUL byte in this many leading (decompressed) bytes marks a binary file


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
            problems.append(not_regular(source.display, exc.mode))
            return
        except OSError as exc:
            de, en = os_error_texts(exc)
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
        de, en = os_error_texts(exc)
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
        f"Zeile {int_de(line)} ist länger als {int_de(max_line)} Bytes und wurde gekürzt "
        "(weitere überlange Zeilen werden ohne eigene Meldung gekürzt)",
        f"line {int_en(line)} is longer than {int_en(max_line)} bytes and was truncated "
        "(further over-long lines are truncated without a message of their own)",
    )


def _broken_problem(source: Source, kind: str | None, error: Exception, done: int, lines: int) -> Problem:
    size_de, size_en = size_texts(done)
    if isinstance(error, OSError) and error.errno is not None:
        de, en = os_error_texts(error)
        where_de = f"nach {size_de}{' entpackten Daten' if kind else ''}, {int_de(lines)} Zeilen gelesen"
        where_en = f"after {size_en}{' of decompressed data' if kind else ''}, {int_en(lines)} lines read"
        return Problem(source.display, f"Lesefehler ({de}) {where_de}, Rest übersprungen",
                       f"read error ({en}) {where_en}, rest skipped")
    what_de, what_en = ("vorzeitiges Ende", "unexpected end") if isinstance(error, EOFError) else (
        "Datenfehler", "data error")
    label = kind or "komprimierte"
    return Problem(
        source.display,
        f"beschädigte {label}-Datei ({what_de} nach {size_de} entpackten Daten, {int_de(lines)} Zeilen gelesen),"
        " Rest übersprungen",
        f"damaged {kind or 'compressed'} file ({what_en} after {size_en} of decompressed data, "
        f"{int_en(lines)} lines read), rest skipped",
    )
