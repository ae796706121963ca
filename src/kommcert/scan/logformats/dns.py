"""DNS server logs with their own line format: BIND query log, Unbound, Windows DNS debug log.

dnsmasq, and BIND or Unbound writing through syslog, have syslog lines (see ``syslog``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from kommcert.scan.logformats.model import Result
from kommcert.scan.logformats.times import MONTH_RE, MONTHS, from_epoch, micros, parse_iso, to_utc

if TYPE_CHECKING:
    from kommcert.scan.logformats.context import Context, Line

# BIND's default "print-time yes" (local time) ...
_BIND = re.compile(
    rf"(?P<d>\d{{2}})-(?P<mon>{MONTH_RE})-(?P<y>\d{{4}}) (?P<h>\d{{2}}):(?P<m>\d{{2}}):(?P<s>\d{{2}})"
    r"(?:\.(?P<f>\d{1,6}))?(?: |$)"
)
# ... and "print-time iso8601" / "iso8601-utc" (BIND 9.16+), recognised by the client part of a query line.
_BIND_ISO = re.compile(
    r"(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:?\d{2})?) "
    r"(?:[\w-]+: )*client (?:@0x[0-9a-fA-F]+ )?[0-9a-fA-F.:]+#\d+"
)
_UNBOUND = re.compile(r"\[(?P<epoch>\d{9,10})\] [\w.-]+\[\d+:[0-9a-fA-Fx]+\] ")
# Date as the server's Windows locale writes it: M/D/YYYY h:mm:ss AM (en-US), D.M.YYYY HH:mm:ss (de-DE),
# D/M/YYYY HH:mm:ss (en-GB, fr-FR), YYYY-MM-DD; then the thread id in hex and the context (PACKET, EVENT, ...).
_WINDOWS = re.compile(
    r"(?P<a>\d{1,4})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4}),? "
    r"(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})(?: (?P<ampm>[AaPp]\.?[Mm]\.?))? +"
    r"(?P<thread>[0-9A-Fa-f]{3,8}) +(?P<context>PACKET|EVENT|Note|NOTE)\b"
)


def bind_query(line: Line, ctx: Context) -> Result | None:
    m = _BIND.match(line.text)
    if m:
        time = to_utc(int(m["y"]), MONTHS[m["mon"]], int(m["d"]), int(m["h"]), int(m["m"]), int(m["s"]),
                      micros(m["f"]), tz=ctx.clock.tz)
        return Result(time, None)
    m = _BIND_ISO.match(line.text)
    if m:
        return Result(parse_iso(m["ts"], ctx.clock.tz), None)
    return None


def unbound(line: Line, ctx: Context) -> Result | None:
    m = _UNBOUND.match(line.text)
    return Result(from_epoch(m["epoch"], unit=1), None) if m else None


def windows_dns(line: Line, ctx: Context) -> Result | None:
    m = _WINDOWS.match(line.text)
    if not m:
        return None
    a, b, c = int(m["a"]), int(m["b"]), int(m["c"])
    sep, ampm = m["sep"], m["ampm"]
    if len(m["a"]) == 4:
        year, month, day = a, b, c
    elif len(m["c"]) != 4:
        return None
    elif sep == "." or (sep == "/" and a > 12):
        year, month, day = c, b, a
    elif sep == "/" and (b > 12 or ampm):
        year, month, day = c, a, b
    else:  # "/" with a 24-hour clock: en-GB and most European locales put the day first
        year, month, day = c, b, a
    hour = int(m["h"])
    if ampm:
        if hour > 12:
            return Result(None, None)
        hour = hour % 12 + (12 if ampm[0] in "Pp" else 0)
    return Result(to_utc(year, month, day, hour, int(m["m"]), int(m["s"]), tz=ctx.clock.tz), None)
