"""Syslog headers (RFC 3164, RFC 5424, rsyslog's ISO file format) and the formats that live behind them.

Other formats (CEF, FortiGate, Suricata) also arrive behind a syslog header; they use ``parse_header``
through ``Line.header`` to find their payload and a fallback host and time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from kommcert.scan.logformats.model import Result, clean_host
from kommcert.scan.logformats.times import MONTH_RE, Clock, bsd_time, parse_iso

if TYPE_CHECKING:
    from kommcert.scan.logformats.context import Context, Line

_PRI = r"(?:<\d{1,3}>)"
_RFC5424 = re.compile(
    rf"{_PRI}?1 (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<procid>\S+) (?P<msgid>\S+)(?: (?P<rest>.*))?", re.DOTALL
)
_RFC3164 = re.compile(
    rf"{_PRI}?(?P<mon>{MONTH_RE}) {{1,2}}(?P<day>\d{{1,2}})(?: (?P<year>\d{{4}}))? "
    r"(?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})(?:\.(?P<f>\d{1,9}))?:?(?: +(?P<rest>.*)|$)",
    re.DOTALL,
)
_ISO_HEADER = re.compile(
    rf"{_PRI}?(?P<ts>\d{{4}}-\d{{2}}-\d{{2}}T\d{{2}}:\d{{2}}:\d{{2}}(?:\.\d{{1,9}})?(?:Z|[+-]\d{{2}}:\d{{2}})) "
    r"(?P<rest>.*)",
    re.DOTALL,
)
_TAG = re.compile(r"(?P<app>[^\s\[\]:]+)(?:\[(?P<pid>[^\]]*)\])?(?P<colon>:?)")
_HOST = re.compile(r"[\w][\w.:%@-]*")
_POSTFIX = re.compile(r"postfix(?:-[\w.-]+)?/")
_DNSMASQ = frozenset({"dnsmasq", "dnsmasq-dhcp", "dnsmasq-tftp", "dnsmasq-script"})


@dataclass(frozen=True, slots=True)
class SyslogHeader:
    kind: str  # "rfc3164", "rfc5424" or "iso" (rsyslog's traditional format with an RFC 3339 time)
    time: datetime | None
    host: str | None
    app: str | None
    pid: str | None
    msg: str


def parse_header(text: str, clock: Clock) -> SyslogHeader | None:
    """The syslog header at the start of ``text``, or ``None`` if it has none."""
    if text.startswith("<") or text[:2] == "1 ":
        header = _rfc5424(text, clock)
        if header is not None:
            return header
    m = _RFC3164.match(text)
    if m:
        time = bsd_time(m["mon"], m["day"], m["year"], m["h"], m["m"], m["s"], m["f"], clock)
        host, app, pid, msg = _host_and_tag(m["rest"] or "")
        return SyslogHeader("rfc3164", time, host, app, pid, msg)
    m = _ISO_HEADER.match(text)
    if m:
        host, app, pid, msg = _host_and_tag(m["rest"])
        if host is not None and app is not None:  # plain "<time> <text>" lines are not syslog
            return SyslogHeader("iso", parse_iso(m["ts"], clock.tz), host, app, pid, msg)
    return None


def _rfc5424(text: str, clock: Clock) -> SyslogHeader | None:
    m = _RFC5424.match(text)
    if not m:
        return None
    time = None if m["ts"] == "-" else parse_iso(m["ts"], clock.tz)
    if time is None and (m["ts"] != "-" or not text.startswith("<")):
        return None
    msg = _after_structured_data(m["rest"] or "")
    app = None if m["app"] == "-" else m["app"]
    pid = None if m["procid"] == "-" else m["procid"]
    return SyslogHeader("rfc5424", time, clean_host(m["host"]), app, pid, msg)


def _after_structured_data(rest: str) -> str:
    """The message after RFC 5424 structured data (``-`` or ``[id k="v" ...]...``); quotes may hide ``]``."""
    if rest.startswith("-"):
        i = 1
    elif rest.startswith("["):
        i, n = 0, len(rest)
        while i < n and rest[i] == "[":
            in_quotes = False
            i += 1
            while i < n and (in_quotes or rest[i] != "]"):
                if rest[i] == "\\":
                    i += 1
                elif rest[i] == '"':
                    in_quotes = not in_quotes
                i += 1
            i += 1
    else:
        return rest.removeprefix("\ufeff")
    return rest[i:].removeprefix(" ").removeprefix("\ufeff")


def _tag(token: str) -> tuple[str, str | None] | None:
    m = _TAG.fullmatch(token)
    if m and (m["colon"] or m["pid"] is not None):
        return m["app"], m["pid"]
    return None


def _host_and_tag(rest: str) -> tuple[str | None, str | None, str | None, str]:
    """Split ``[host] [tag[pid]:] message``; a token with ``[pid]`` or a trailing colon is the tag, not a host."""
    first, _, after = rest.lstrip(" ").partition(" ")
    tag = _tag(first)
    if tag is not None:
        return None, tag[0], tag[1], after
    if not _HOST.fullmatch(first):
        return None, None, None, rest
    second, _, message = after.lstrip(" ").partition(" ")
    tag = _tag(second)
    if tag is not None:
        return first, tag[0], tag[1], message
    return first, None, None, after


def rfc3164(line: Line, ctx: Context) -> Result | None:
    h = line.header
    return Result(h.time, h.host) if h is not None and h.kind != "rfc5424" else None


def rfc5424(line: Line, ctx: Context) -> Result | None:
    h = line.header
    return Result(h.time, h.host) if h is not None and h.kind == "rfc5424" else None


def postfix(line: Line, ctx: Context) -> Result | None:
    h = line.header
    return Result(h.time, h.host) if h is not None and h.app and _POSTFIX.match(h.app) else None


def dnsmasq(line: Line, ctx: Context) -> Result | None:
    h = line.header
    return Result(h.time, h.host) if h is not None and h.app in _DNSMASQ else None


def filterlog(line: Line, ctx: Context) -> Result | None:
    h = line.header
    return Result(h.time, h.host) if h is not None and h.app == "filterlog" else None
