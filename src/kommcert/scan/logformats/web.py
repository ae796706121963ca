"""Web and proxy access logs: Squid's native access.log, Apache/nginx common and combined log format,
and the W3C extended format of IIS (OWA, ECP, Exchange's web front ends) and the Windows Firewall.

Both may also arrive behind a syslog header (nginx ``access_log syslog:``, Squid ``access_log syslog:``);
the header then gives the host.
"""

from __future__ import annotations

import re
from datetime import UTC
from typing import TYPE_CHECKING

from kommcert.scan.logformats.model import Result, clean_host
from kommcert.scan.logformats.times import MONTH_RE, MONTHS, from_epoch, micros, to_utc, zone

if TYPE_CHECKING:
    from kommcert.scan.logformats.context import Context, Line

_W3C_DATE = re.compile(r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})")
_W3C_TIME = re.compile(r"(?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})(?:\.(?P<f>\d{1,6}))?")
# time.ms  elapsed client  code/status  bytes  method  URL
_SQUID = re.compile(r"(?P<ts>\d{9,10}\.\d{3}) +-?\d+ \S+ [A-Z_]+/\d{3} \d+ \S+ \S")
# [vhost:port] client ident user [22/Nov/2026:09:15:02 +0100] "request"
_CLF = re.compile(
    rf"(?:\S+ ){{2,3}}(?:\S+|\"[^\"]*\") \[(?P<d>\d{{2}})/(?P<mon>{MONTH_RE})/(?P<y>\d{{4}}):"
    r"(?P<h>\d{2}):(?P<m>\d{2}):(?P<s>\d{2})(?:\.(?P<f>\d{1,6}))? (?P<off>[+-]\d{4})\] \""
)


def squid(line: Line, ctx: Context) -> Result | None:
    for payload, header in line.payloads():
        m = _SQUID.match(payload)
        if m:
            return Result(from_epoch(m["ts"], unit=1), header.host if header else None)
    return None


def combined(line: Line, ctx: Context) -> Result | None:
    for payload, header in line.payloads():
        m = _CLF.match(payload)
        if m:
            time = to_utc(int(m["y"]), MONTHS[m["mon"]], int(m["d"]), int(m["h"]), int(m["m"]), int(m["s"]),
                          micros(m["f"]), tz=zone(m["off"]) or ctx.clock.tz)
            return Result(time, header.host if header else None)
    return None


def w3c(line: Line, ctx: Context) -> Result | None:
    """A line under a ``#Fields: date time …`` header: space-separated (IIS writes spaces in values as
    ``+``). Times are UTC as the W3C format says, except the Windows Firewall's local ones."""
    fields = ctx.w3c_fields
    if fields is None or not line.text[:1].isdigit():
        return None
    row = line.text.split(" ")
    if len(row) != len(fields):
        return None
    columns = dict(zip(fields, row, strict=True))
    date, time = _W3C_DATE.fullmatch(columns["date"]), _W3C_TIME.fullmatch(columns["time"])
    if date is None or time is None:
        return None
    when = to_utc(int(date["y"]), int(date["mo"]), int(date["d"]), int(time["h"]), int(time["mi"]), int(time["s"]),
                  micros(time["f"]), tz=ctx.clock.tz if ctx.w3c_local_time else UTC)
    return Result(when, clean_host(columns.get("s-computername")))
