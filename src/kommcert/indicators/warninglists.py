"""Warninglists (MISP format): values that must not end up in blocking exports.

Built-in lists ship in ``indicators/data``; MISP warninglist JSON files can be imported. The
:class:`Matcher` answers "which list is this value on?" fast enough for a million-row import:
CIDR ranges as sorted integer intervals (bisect), names by label-boundary suffix lookup.

A list applies to the indicator types it was written for: ``cidr`` lists to addresses, ranges and
URL hosts, ``hostname`` lists to domains, host names and URL hosts (not to the domain part of an
e-mail address), ``string``/``substring``/``regex`` lists to the whole value of any type.
"""

from __future__ import annotations

import bisect
import ipaddress
import json
import re
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import IO, Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kommcert.errors import InvalidInput
from kommcert.indicators.models import Indicator, Warninglist
from kommcert.indicators.types import IndicatorType

TYPES = ("string", "substring", "hostname", "cidr", "regex")
MAX_ENTRIES = 1_000_000
MAX_FILE_BYTES = 128 * 1024 * 1024  # a million entries of ~100 characters


@dataclass
class _Ranges:
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def add(self, start: int, end: int, name: str) -> None:
        self.starts.append(start)
        self.ends.append(end)
        self.names.append(name)

    def freeze(self) -> None:
        order = sorted(range(len(self.starts)), key=self.starts.__getitem__)
        self.starts = [self.starts[i] for i in order]
        self.ends = [self.ends[i] for i in order]
        self.names = [self.names[i] for i in order]
        # running maximum of the ends lets one bisect answer "does any range overlap [a, b]?"
        self.max_end = list(self.ends)
        for i in range(1, len(self.max_end)):
            self.max_end[i] = max(self.max_end[i], self.max_end[i - 1])

    def overlapping(self, start: int, end: int) -> str | None:
        i = bisect.bisect_right(self.starts, end) - 1
        while i >= 0 and self.max_end[i] >= start:
            if self.ends[i] >= start:
                return self.names[i]
            i -= 1
        return None


class Matcher:
    def __init__(self, lists: Iterable[tuple[str, str, Sequence[str]]]) -> None:
        self.v4, self.v6 = _Ranges(), _Ranges()
        self.names: dict[str, str] = {}
        self.strings: dict[str, str] = {}
        self.substrings: list[tuple[str, str]] = []
        self.regexes: list[tuple[re.Pattern[str], str]] = []
        for name, kind, entries in lists:
            for entry in entries:
                self._add(name, kind, entry.strip())
        self.v4.freeze()
        self.v6.freeze()

    def _add(self, name: str, kind: str, entry: str) -> None:
        if not entry:
            return
        if kind == "cidr":
            try:
                net = ipaddress.ip_network(entry, strict=False)
            except ValueError:
                return
            (self.v4 if net.version == 4 else self.v6).add(int(net.network_address), int(net.broadcast_address), name)
        elif kind == "hostname":
            self.names.setdefault(entry.lower().strip("."), name)
        elif kind == "string":
            self.strings.setdefault(entry.lower(), name)
        elif kind == "substring":
            self.substrings.append((entry.lower(), name))
        elif kind == "regex":
            try:
                self.regexes.append((re.compile(entry), name))
            except re.error:
                return

    def _name_hit(self, host: str) -> str | None:
        labels = host.split(".")
        for i in range(len(labels)):
            hit = self.names.get(".".join(labels[i:]))
            if hit:
                return hit
        return None

    def _ip_hit(self, text: str) -> str | None:
        try:
            if "/" not in text:  # a single address: no ipaddress object needed (hot path of imports)
                family, ranges = (socket.AF_INET6, self.v6) if ":" in text else (socket.AF_INET, self.v4)
                number = int.from_bytes(socket.inet_pton(family, text), "big")
                return ranges.overlapping(number, number)
            net = ipaddress.ip_network(text, strict=False)
        except (ValueError, OSError):
            return None
        ranges = self.v4 if net.version == 4 else self.v6
        return ranges.overlapping(int(net.network_address), int(net.broadcast_address))

    def match(self, kind: IndicatorType, value: str) -> str | None:
        hit = self.strings.get(value.lower())
        if hit:
            return hit
        if kind in (IndicatorType.ipv4, IndicatorType.ipv6, IndicatorType.ipv4_cidr, IndicatorType.ipv6_cidr):
            hit = self._ip_hit(value)
        elif kind in (IndicatorType.domain, IndicatorType.hostname):
            hit = self._name_hit(value)
        elif kind == IndicatorType.url:
            host = (urlsplit(value).hostname or "").strip("[]")
            hit = self._ip_hit(host) or self._name_hit(host)
        # A list applies to the type it was written for: host name lists (common domains, special-use
        # names) to names and URL hosts, never to the domain of an e-mail address. Everyone's
        # mail provider is on "Very common domains"; evil.sender@outlook.com is still evil.
        if hit:
            return hit
        lowered = value.lower()
        for needle, name in self.substrings:
            if needle in lowered:
                return name
        for pattern, name in self.regexes:
            if pattern.search(value):
                return name
        return None


def parse_misp(data: dict[str, Any], *, source: str) -> tuple[str, str, int, str, list[str]]:
    """Check a MISP warninglist document; returns (name, description, version, type, entries)."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{source}: keine Warnliste (JSON-Objekt erwartet)",
                           f"{source}: not a warninglist (JSON object expected)")
    name, kind, entries = data.get("name"), data.get("type", "string"), data.get("list")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise InvalidInput(f"{source}: Feld „name“ fehlt oder ist zu lang",
                           f"{source}: field 'name' missing or too long")
    if kind not in TYPES:
        raise InvalidInput(f"{source}: unbekannter Typ „{kind}“", f"{source}: unknown type '{kind}'")
    if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries) or len(entries) > MAX_ENTRIES:
        raise InvalidInput(f"{source}: Feld „list“ muss eine Liste von Texten sein",
                           f"{source}: field 'list' must be a list of strings")
    version = data.get("version", 1)
    version = version if isinstance(version, int) else 1
    return name.strip(), str(data.get("description", ""))[:2000], version, kind, entries


def import_file(db: Session, stream: IO[bytes], *, source: str, builtin: bool = False,
                enabled: bool = True) -> Warninglist:
    from kommcert.indicators.formats import guard

    try:
        data = json.loads(guard.read_json_bytes(stream, name=source, max_bytes=MAX_FILE_BYTES))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{source}: kein gültiges JSON ({exc})", f"{source}: invalid JSON ({exc})") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{source}: keine UTF-8-Datei", f"{source}: not a UTF-8 file") from None
    name, description, version, kind, entries = parse_misp(data, source=source)
    wl = db.scalar(select(Warninglist).where(Warninglist.name == name))
    if wl is None:
        wl = Warninglist(name=name, builtin=builtin, enabled=data.get("enabled", enabled) if builtin else enabled)
        db.add(wl)
    wl.description, wl.version, wl.type, wl.entries = description, version, kind, "\n".join(entries)
    db.flush()
    return wl


def _builtin_files() -> list[Any]:
    return sorted((e for e in resources.files("kommcert.indicators").joinpath("data").iterdir()
                   if e.name.startswith("warninglist-")), key=lambda e: e.name)


def builtin_matcher() -> Matcher:
    """The shipped lists that are on by default, without a database (``kommcert scan --feed FILE``)."""
    documents = [json.loads(entry.read_text(encoding="utf-8")) for entry in _builtin_files()]
    return Matcher((d["name"], d.get("type", "string"), d["list"]) for d in documents if d.get("enabled", True))


def ensure_builtin(db: Session) -> None:
    """Load the shipped lists once; later changes by analysts (enabled/disabled) are kept."""
    known = set(db.scalars(select(Warninglist.name).where(Warninglist.builtin.is_(True))))
    for entry in _builtin_files():
        data = json.loads(entry.read_text(encoding="utf-8"))
        if data["name"] in known:
            continue
        with entry.open("rb") as stream:
            import_file(db, stream, source=entry.name, builtin=True)


def matcher(db: Session) -> Matcher:
    ensure_builtin(db)
    rows = db.execute(select(Warninglist.name, Warninglist.type, Warninglist.entries)
                      .where(Warninglist.enabled.is_(True))).all()
    return Matcher((name, kind, entries.splitlines()) for name, kind, entries in rows)


def refresh_flags(db: Session, *, batch: int = 5000) -> int:
    """Re-check every indicator after lists changed; returns how many flags changed."""
    match = matcher(db)
    changed = 0
    last_id = 0
    while True:
        rows = db.execute(select(Indicator.id, Indicator.type, Indicator.value, Indicator.warninglist)
                          .where(Indicator.id > last_id).order_by(Indicator.id).limit(batch)).all()
        if not rows:
            return changed
        for ind_id, kind, value, current in rows:
            hit = match.match(IndicatorType(kind), value)
            if hit != current:
                db.execute(update(Indicator).where(Indicator.id == ind_id).values(warninglist=hit))
                changed += 1
        last_id = rows[-1][0]
