"""Limits every reader applies before a parser builds anything: nesting depth, the size of one
object, compressed or binary data sent as text.

A JSON parser that keeps a path per nesting level (ijson's prefixes) or recurses (``json``) turns
200 KB of ``[[[[…`` into gigabytes or a crash. :class:`JsonGuard` sees every byte before the parser
does and fails with :class:`InvalidInput` as soon as the nesting passes ``max_depth`` or one object
(anything below ``item_depth``) passes ``max_object_bytes``, or a string holds an escaped NUL.
It tracks only what lies outside strings, with regular expressions over whole chunks (no Python
step per byte or token): strings are cut out, the depth after each bracket left comes from one
prefix sum; a string that runs past a chunk is carried as a state (inside a string, an escape cut
in two), never as bytes. Costs about a tenth of ijson's own time.
"""

from __future__ import annotations

import operator
import re
from itertools import accumulate
from typing import IO

from kommcert.errors import InvalidInput

MAX_DEPTH = 64
_ESCAPE = re.compile(rb"\\.", re.DOTALL)  # a backslash and the character it escapes
_STRING = re.compile(rb'"[^"]*"')  # once escapes are gone
# A NUL character written as an escape (raw control characters are invalid JSON): PostgreSQL text
# cannot hold it, so it must not get past the reader. An escape starts after an even run of backslashes.
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_NUL_START = re.compile(rb"(?<!\\)(?:\\\\)*\\u(0{0,3})\Z")  # an escape cut by the chunk's end
_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")
_KEEP = b'"[]{}'
_NOT_KEPT = bytes(b for b in range(256) if b not in _KEEP)

# Magic numbers of what users send instead of text: (prefix, name).
_MAGIC = [
    (b"\x1f\x8b", "gzip"), (b"PK\x03\x04", "ZIP"), (b"\xfd7zXZ\x00", "xz"),
    (b"(\xb5/\xfd", "zstd"), (b"7z\xbc\xaf\x27\x1c", "7-Zip"), (b"Rar!", "RAR"), (b"%PDF-", "PDF"),
    (b"\xd0\xcf\x11\xe0", "Office (OLE)"),
]


def refuse_binary(head: bytes, name: str) -> None:
    """Refuse compressed archives and other binary files sent where text is expected."""
    bzip2 = head[:3] == b"BZh" and head[3:4].isdigit() and head[4:10] == b"1AY&SY"
    for magic, kind in [*_MAGIC, (head[:10], "bzip2")] if bzip2 else _MAGIC:
        if head.startswith(magic):
            raise InvalidInput(f"{name}: {kind}-Datei statt Text – bitte entpacken bzw. als Text exportieren",
                               f"{name}: {kind} file instead of text – please unpack or export it as text")
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput(f"{name}: Binärdatei statt Text", f"{name}: binary file instead of text")


class JsonGuard:
    """Feed it every chunk of a JSON document in order; it raises on the first chunk that nests too
    deep or makes one object too large."""

    def __init__(self, name: str, *, max_depth: int = MAX_DEPTH, item_depth: int | None = None,
                 max_object_bytes: int | None = None) -> None:
        self.name, self.max_depth = name, max_depth
        self.item_depth, self.max_object_bytes = item_depth, max_object_bytes
        self.depth = 0
        self.in_string = False
        self.odd_backslash = False
        self.object_bytes = 0
        self.offset = 0
        self.nul_zeros: int | None = None  # the chunk before ended in "\u" and this many zeros

    def feed(self, chunk: bytes) -> None:
        size = len(chunk)
        self._refuse_nul(chunk)
        if self.odd_backslash and chunk:  # the chunk before ended inside an escape
            chunk, self.odd_backslash = chunk[1:], False
        if b"\\" in chunk:  # backslashes occur in strings only: drop every escape pair
            chunk = _ESCAPE.sub(b"", chunk)
            if chunk.endswith(b"\\"):
                chunk, self.odd_backslash = chunk[:-1], True
        if self.in_string:
            closing = chunk.find(b'"')
            if closing < 0:
                self._grow(size, self.depth)
                self.offset += size
                return
            self.in_string, chunk = False, chunk[closing + 1:]
        # Only quotes and brackets matter now; without escapes a string is just "…".
        stripped = _STRING.sub(b"", chunk.translate(None, _NOT_KEPT))
        quote = stripped.find(b'"')
        if quote >= 0:  # a string runs past this chunk
            self.in_string, stripped = True, stripped[:quote]
        lowest = self.depth
        if stripped:
            # Depth after each bracket, relative to the chunk's start: an opener adds 2 - 1, a
            # closer 0 - 1 (C-level iterators, no Python step per bracket).
            depths = list(map(operator.sub, accumulate(stripped.translate(_STEPS)), range(1, len(stripped) + 1)))
            if self.depth + max(depths) > self.max_depth:
                self._too_deep()
            lowest = self.depth + min(0, min(depths))
            self.depth = max(0, self.depth + depths[-1])
        self._grow(size, lowest)
        self.offset += size

    def _refuse_nul(self, chunk: bytes) -> None:
        zeros, self.nul_zeros = self.nul_zeros, None
        found = (zeros is not None and chunk.startswith(b"0" * (4 - zeros))) \
            or (self.odd_backslash and chunk.startswith(b"u0000"))
        if b"\\u" in chunk:
            found = found or (b"u0000" in chunk and _NUL_ESCAPE.search(chunk[1:] if self.odd_backslash else chunk))
            if b"\\u" in chunk[-5:] and (cut := _NUL_START.search(chunk, max(0, len(chunk) - 256))):
                self.nul_zeros = len(cut.group(1))
        if found:
            raise InvalidInput(f"{self.name}: NUL-Zeichen (\\u0000) in einem Text (bei Byte {self.offset})",
                               f"{self.name}: NUL character (\\u0000) in a string (at byte {self.offset})")

    def _grow(self, size: int, lowest: int) -> None:
        if self.item_depth is None or self.max_object_bytes is None:
            return
        if lowest < self.item_depth:  # an object ended in this chunk
            self.object_bytes = size if self.depth >= self.item_depth else 0
        else:
            self.object_bytes += size
        if self.object_bytes > self.max_object_bytes:
            mib = self.max_object_bytes // (1024 * 1024)
            raise InvalidInput(f"{self.name}: ein Objekt ist größer als {mib} MiB (bei Byte {self.offset})",
                               f"{self.name}: one object is larger than {mib} MiB (at byte {self.offset})")

    def _too_deep(self) -> None:
        raise InvalidInput(f"{self.name}: JSON tiefer als {self.max_depth} Ebenen verschachtelt "
                           f"(bei Byte {self.offset})",
                           f"{self.name}: JSON nested deeper than {self.max_depth} levels (at byte {self.offset})")


class GuardedStream:
    """A binary stream that passes every chunk through a :class:`JsonGuard` before the parser sees it."""

    def __init__(self, stream: IO[bytes], guard: JsonGuard) -> None:
        self.stream, self.guard = stream, guard
        self.first = True

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        if self.first and chunk:
            self.first = False
            refuse_binary(chunk, self.guard.name)
        self.guard.feed(chunk)
        return chunk


def read_json_bytes(stream: IO[bytes], *, name: str, max_bytes: int) -> bytes:
    """A whole JSON document for ``json.loads`` (MISP events), checked for size and nesting."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        mib = max_bytes // (1024 * 1024)
        raise InvalidInput(f"{name}: größer als {mib} MiB", f"{name}: larger than {mib} MiB")
    refuse_binary(data, name)
    JsonGuard(name).feed(data)
    return data
