"""The reference engine: the matching semantics of ``kommcert scan`` in plain Python.

It finds the same hits as the C extension (``_fastscan.c``; the test suite compares both on the
truth set and on generated lines), only some twenty times slower. It runs where no C compiler was
available at install time. Tokens, as found in a block of log bytes:

* runs of ``[A-Za-z0-9._-]`` (starting with a letter, digit, ``_`` or ``-``): inside them, alphanumeric
  sub-runs of exactly 32/40/64 hex digits are hashes; the run without leading/trailing ``.``/``-``
  is a dotted quad (IPv4) or, with a dot and a non-numeric last label, a host name;
* runs of ``[0-9A-Fa-f:.]`` with at least two ``:`` that are not glued to a letter: IPv6;
* ``scheme://…`` up to white space, quotes or ``<>``: URLs (``hxxp`` is ``http``);
* ``local@name``: e-mail addresses; ``(4)evil(7)example(0)``: names in Windows DNS logs;
* a line with defanging markers (``[.]``, ``(dot)``, ``[@]``, ``[:]`` …) is scanned once more refanged.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Sequence

from kommcert.scan import keys

_RUN = re.compile(rb"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_ALNUM_SUB = re.compile(rb"[A-Za-z0-9]+")
_HEX = re.compile(rb"[0-9A-Fa-f]+")
_QUAD = re.compile(rb"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})")
_V6RUN = re.compile(rb"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")
_WINDNS = re.compile(rb"\((\d{1,3})\)")
_LOCAL = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_RUNCH = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
_ALNUM = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_ALPHA = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_URLEND = frozenset(list(range(0x21)) + [0x7F, ord('"'), ord("'"), ord("<"), ord(">")])
_DEFANG = re.compile(rb"\[(?:\.|@|:|://|[Aa][Tt]|[Dd][Oo][Tt])\]|\((?:\.|@|[Aa][Tt]|[Dd][Oo][Tt])\)"
                     rb"|\{(?:\.|@|[Aa][Tt]|[Dd][Oo][Tt])\}")
MAXNAME, MAXURL = 253, 4096


def _refanged(match: re.Match[bytes]) -> bytes:
    inner = match.group()[1:-1].lower()
    return {b".": b".", b"dot": b".", b"@": b"@", b"at": b"@", b":": b":", b"://": b"://"}[inner]


class PyMatcher:
    """Same interface as ``_fastscan.Matcher``, built from the (kind, key, flags) entries."""

    def __init__(self, entries: Sequence[tuple[int, bytes, int]]) -> None:
        self.table: dict[tuple[int, bytes], tuple[int, int]] = {}
        v4: set[int] = set()
        v6: set[int] = set()
        for number, (kind, key, flags) in enumerate(entries):
            self.table[(kind, key)] = (number, flags)
            if kind == keys.IP4:
                v4.add(key[0])
            elif kind == keys.IP6:
                v6.add(key[0])
        self.v4 = sorted(v4, reverse=True)
        self.v6 = sorted(v6, reverse=True)

    # -- probes ---------------------------------------------------------------------------------
    def _probe(self, hits: list, pos: int, kind: int, key: bytes) -> None:
        found = self.table.get((kind, key))
        if found is not None:
            hits.append((pos, found[0]))

    def _probe_ip(self, hits: list, pos: int, kind: int, address: int, bits: int, lengths: list[int]) -> None:
        full = (1 << bits) - 1
        for length in lengths:
            net = address & (full ^ ((1 << (bits - length)) - 1)) if length else 0
            self._probe(hits, pos, kind, bytes([length]) + net.to_bytes(bits // 8, "big"))

    def _probe_name(self, hits: list, pos: int, name: bytes) -> None:
        dot = name.find(b".")
        while dot >= 0:
            found = self.table.get((keys.NAME, name[dot + 1:]))
            if found is not None and found[1] & keys.SUBDOMAINS and dot + 1 < len(name):
                hits.append((pos, found[0] | keys.SUFFIX_HIT))
            dot = name.find(b".", dot + 1)
        self._probe(hits, pos, keys.NAME, name)

    # -- tokens ---------------------------------------------------------------------------------
    def _run(self, hits: list, d: bytes, s: int, e: int, pos: int | None) -> None:
        if e - s >= 32:
            for sub in _ALNUM_SUB.finditer(d, s, e):
                length = sub.end() - sub.start()
                if length in (32, 40, 64) and _HEX.fullmatch(sub.group()):
                    self._probe(hits, sub.start() if pos is None else pos, keys.HASH, sub.group().lower())
        a, b = s, e
        while a < b and d[a] in b".-":
            a += 1
        while b > a and d[b - 1] in b".-":
            b -= 1
        if b - a < 3:
            return
        at = a if pos is None else pos
        token = d[a:b]
        quad = _QUAD.fullmatch(token)
        if quad and all(int(part) <= 255 for part in quad.groups()):
            address = int.from_bytes(bytes(int(part) for part in quad.groups()), "big")
            self._probe_ip(hits, at, keys.IP4, address, 32, self.v4)
            return
        if b - a > MAXNAME or b"." not in token or token.rpartition(b".")[2].isdigit():
            return
        self._probe_name(hits, at, token.lower())

    def _v6(self, hits: list, d: bytes, s: int, e: int, pos: int | None) -> None:
        if (s > 0 and (d[s - 1] in _ALNUM or d[s - 1] == 0x5F)) or (e < len(d) and (d[e] in _ALNUM or d[e] == 0x5F)):
            return
        b = e
        while b > s and d[b - 1] == 0x2E:
            b -= 1
        token = d[s:b]
        if not 2 <= len(token) <= 45 or token.count(b":") < 2:
            return
        try:
            packed = socket.inet_pton(socket.AF_INET6, token.decode("ascii"))
        except (OSError, UnicodeDecodeError):
            return
        self._probe_ip(hits, s if pos is None else pos, keys.IP6, int.from_bytes(packed, "big"), 128, self.v6)

    def _url(self, hits: list, d: bytes, i: int, pos: int | None) -> None:
        k = i
        while k > 0 and d[k - 1] in _ALPHA and i - k < 6:
            k -= 1
        if k > 0 and d[k - 1] in _ALNUM:
            return
        scheme = keys.SCHEMES.get(d[k:i].lower().decode("ascii"))
        if scheme is None:
            return
        e = i + 3
        while e < len(d) and d[e] not in _URLEND:
            e += 1
        if e - k > MAXURL:
            return
        rest = d[i + 3:e]
        key = keys.url_key(scheme, rest)
        if key is None:
            return
        at = k if pos is None else pos
        query = key.find(b"?", len(scheme) + 3)
        self._probe(hits, at, keys.URL, key if query < 0 else key[:query])
        if query >= 0:
            self._probe(hits, at, keys.URL, key)

    def _email(self, hits: list, d: bytes, i: int, pos: int | None) -> None:
        s, e = i, i + 1
        while s > 0 and d[s - 1] in _LOCAL and i - s < 64:
            s -= 1
        while e < len(d) and d[e] in _RUNCH:
            e += 1
        while e > i + 1 and d[e - 1] in b".-":
            e -= 1
        if s == i or e == i + 1 or e - s > MAXNAME:
            return
        self._probe(hits, s if pos is None else pos, keys.EMAIL, d[s:e].lower())

    def _windns(self, hits: list, d: bytes, i: int, pos: int | None) -> None:
        labels: list[bytes] = []
        x = i
        while True:
            m = _WINDNS.match(d, x)
            if m is None:
                return
            x = m.end()
            length = int(m.group(1))
            if length == 0:
                break
            label = d[x:x + length]
            if len(label) != length or any(c not in _RUNCH or c == 0x2E for c in label):
                return
            labels.append(label.lower())
            x += length
            if sum(map(len, labels)) + len(labels) - 1 > MAXNAME:
                return
        if len(labels) >= 2:
            self._probe_name(hits, i if pos is None else pos, b".".join(labels))

    def _scan(self, d: bytes, pos: int | None, refang: bool) -> list[tuple[int, int]]:
        hits: list[tuple[int, int]] = []
        for m in _RUN.finditer(d):
            self._run(hits, d, m.start(), m.end(), pos)
        for m in _V6RUN.finditer(d):
            self._v6(hits, d, m.start(), m.end(), pos)
        start = d.find(b"://")
        while start >= 0:
            self._url(hits, d, start, pos)
            start = d.find(b"://", start + 1)
        start = d.find(b"@")
        while start >= 0:
            self._email(hits, d, start, pos)
            start = d.find(b"@", start + 1)
        for m in re.finditer(rb"\(\d", d):
            if m.start() == 0 or d[m.start() - 1] not in _RUNCH:  # where a name starts, not inner labels
                self._windns(hits, d, m.start(), pos)
        if refang and _DEFANG.search(d):
            line_start = 0
            for line in d.split(b"\n"):
                if _DEFANG.search(line):
                    hits.extend(self._scan(_DEFANG.sub(_refanged, line), line_start if pos is None else pos,
                                           False))
                line_start += len(line) + 1
        return hits

    def scan(self, block: bytes) -> list[tuple[int, int]]:
        return self._scan(bytes(block), None, True)

    def scan_lines(self, block: bytes) -> tuple[int, list[tuple[int, int, int]], list[tuple[int, int]]]:
        """Like ``_fastscan.Matcher.scan_lines``: newline count, (line, offset, entry) hits and the
        (line, offset) of every line that starts with ``#``."""
        data = bytes(block)
        hits = [(data.count(b"\n", 0, pos), pos, entry) for pos, entry in self.scan(data)]
        comments = [(0, 0)] if data.startswith(b"#") else []
        pos = data.find(b"\n#")
        while pos >= 0:
            comments.append((data.count(b"\n", 0, pos + 1), pos + 1))
            pos = data.find(b"\n#", pos + 1)
        return data.count(b"\n"), hits, comments[:10_000]
