"""Key=value security logs: ArcSight CEF and FortiGate, both often behind a syslog header.

CEF: ``CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|ext`` where ``ext`` is ``key=value``
pairs whose values may contain spaces (a value runs until the next `` key=``) and ``\\=`` escapes.
FortiGate: ``key=value`` or ``key="value"`` pairs with ``date=``, ``time=``, ``devname=``, ``tz=``,
``eventtime=`` (epoch in s, µs or ns depending on the FortiOS version).
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from kommcert.scan.logformats.model import Result, clean_host
from kommcert.scan.logformats.times import (
    MONTH_RE,
    bsd_time,
    find_timestamp,
    from_epoch,
    micros,
    parse_iso,
    to_utc,
    zone,
)

if TYPE_CHECKING:
    from kommcert.scan.logformats.context import Context, Line

_CEF = re.compile(r"(?<![\w])CEF:\d+\|")
_CEF_KEY = re.compile(r"(?:^|(?<= ))([A-Za-z_][\w.\[\]-]*)=")
_CEF_ESCAPE = re.compile(r"\\(.)")
_CEF_UNESCAPED = {"n": "\n", "r": "\r"}
_CEF_TIME = re.compile(
    rf"(?P<mon>{MONTH_RE}) (?P<d>\d{{1,2}})(?: (?P<y>\d{{4}}))? (?P<h>\d{{2}}):(?P<m>\d{{2}}):(?P<s>\d{{2}})"
    r"(?:\.(?P<f>\d{1,3}))?(?: (?P<zone>\S+))?"
)
_CEF_TIME_KEYS = ("rt", "deviceReceiptTime", "start", "startTime", "end", "endTime")
_CEF_HOST_KEYS = ("dvchost", "deviceHostName", "dvc", "deviceAddress")

_KV = re.compile(r'(?:^|(?<=[\s>\]]))(?P<k>[A-Za-z_][\w-]*)=(?P<v>"(?:[^"\\]|\\.)*"|\S*)')
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?")


def cef_extension(text: str) -> dict[str, str]:
    """The key=value pairs of a CEF extension, values unescaped."""
    keys = list(_CEF_KEY.finditer(text))
    result: dict[str, str] = {}
    for i, m in enumerate(keys):
        end = keys[i + 1].start() if i + 1 < len(keys) else len(text)
        value = text[m.end():end].rstrip(" ")
        result.setdefault(m[1], _CEF_ESCAPE.sub(lambda e: _CEF_UNESCAPED.get(e[1], e[1]), value))
    return result


def _cef_header_end(text: str, start: int) -> int | None:
    """The index after the seventh unescaped ``|`` of the CEF header that starts at ``start``."""
    pipes, i, n = 0, start, len(text)
    while i < n:
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "|":
            pipes += 1
            if pipes == 7:
                return i + 1
        i += 1
    return None


def _cef_time(value: str, ext: dict[str, str], ctx: Context) -> datetime | None:
    value = value.strip()
    if value.isdigit():
        return from_epoch(value)
    device_zone = zone(ext.get("dtz"))
    m = _CEF_TIME.fullmatch(value)
    if m:
        tz = zone(m["zone"]) if m["zone"] else device_zone
        if m["zone"] and tz is None:
            return None
        return bsd_time(m["mon"], m["d"], m["y"], m["h"], m["m"], m["s"], m["f"], ctx.clock, tz)
    return parse_iso(value, device_zone or ctx.clock.tz)


def cef(line: Line, ctx: Context) -> Result | None:
    text = line.text
    m = _CEF.search(text)
    if m is None:
        return None
    end = _cef_header_end(text, m.start())
    ext = cef_extension(text[end:]) if end is not None else {}
    time = None
    for key in _CEF_TIME_KEYS:
        if key in ext:
            time = _cef_time(ext[key], ext, ctx)
            if time is not None:
                break
    header = line.header
    if time is None:
        time = header.time if header is not None else find_timestamp(text[:m.start()], ctx.clock)
    host = next((clean_host(ext[k]) for k in _CEF_HOST_KEYS if clean_host(ext.get(k))), None)
    return Result(time, host or (header.host if header is not None else None))


def key_values(text: str) -> dict[str, str]:
    """FortiGate-style pairs: ``key=value`` or ``key="value"`` (quotes removed); the first of a key wins."""
    result: dict[str, str] = {}
    for m in _KV.finditer(text):
        value = m["v"]
        if len(value) >= 2 and value[0] == '"':
            value = value[1:-1].replace('\\"', '"')
        result.setdefault(m["k"], value)
    return result


def fortinet(line: Line, ctx: Context) -> Result | None:
    text = line.text
    if "=" not in text or not ("devname=" in text or "devid=" in text or "logid=" in text):
        return None
    kv = key_values(text)
    if not ({"date", "time"} <= kv.keys() or "eventtime" in kv) or not kv.keys() & {"devname", "devid", "logid"}:
        return None
    date, clock_time = _DATE.fullmatch(kv.get("date", "")), _TIME.fullmatch(kv.get("time", ""))
    device_zone = zone(kv.get("tz"))
    time = None
    if date and clock_time and device_zone is not None:
        time = _local(date, clock_time, device_zone)
    if time is None and "eventtime" in kv:
        time = from_epoch(kv["eventtime"])
    if time is None and date and clock_time:
        time = _local(date, clock_time, ctx.clock.tz)
    header = line.header
    if time is None and header is not None:
        time = header.time
    return Result(time, clean_host(kv.get("devname")) or (header.host if header is not None else None))


def _local(date: re.Match[str], clock_time: re.Match[str], tz: tzinfo) -> datetime | None:
    y, mo, d = (int(x) for x in date.groups())
    h, mi, s = (int(x) for x in clock_time.groups()[:3])
    return to_utc(y, mo, d, h, mi, s, micros(clock_time[4]), tz=tz)
