"""Logs with named columns or keys: Zeek (TSV and JSON), Suricata EVE, Exchange message tracking, JSON lines.

Zeek TSV and Exchange CSV rows are read against the last ``#fields`` / ``#Fields:`` header seen
(``Context``); a Zeek row without a matching header is still read if it starts with an epoch time.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kommcert.scan.logformats.model import Result, clean_host
from kommcert.scan.logformats.times import Clock, from_epoch, parse_any, parse_iso

if TYPE_CHECKING:
    from kommcert.scan.logformats.context import Context, Line

_ZEEK_ROW = re.compile(r"(?P<ts>\d{9,10}\.\d{1,9})\t[^\t]*\t")
_ISO_START = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_JSON_TIME_KEYS = ("@timestamp", "timestamp", "time", "ts", "date", "datetime", "eventtime")
_JSON_HOST_KEYS = ("host", "hostname", "host.name", "computer_name", "computer", "devname")
_ZEEK_HOST_KEYS = ("_system_name", "_node_name")


def json_time(value: Any, clock: Clock) -> datetime | None:
    """A JSON value as a time: a number (epoch s/ms/µs/ns) or a string (epoch, ISO 8601, other known forms)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return from_epoch(value)
    if isinstance(value, str):
        return parse_any(value, clock)
    return None


def zeek_tsv(line: Line, ctx: Context) -> Result | None:
    fields = ctx.zeek_fields
    if fields is not None:
        parts = line.text.split(ctx.zeek_separator)
        ts = ctx.zeek_column("ts")
        if len(parts) == len(fields) and len(parts) > 1 and ts is not None:
            value = parts[ts]
            return Result(None if value in ("-", "(empty)") else from_epoch(value, unit=1), None)
    m = _ZEEK_ROW.match(line.text)
    if m:
        return Result(from_epoch(m["ts"], unit=1), None)
    return None


def exchange_tracking(line: Line, ctx: Context) -> Result | None:
    fields = ctx.exchange_fields
    if fields is None or not _ISO_START.match(line.text):
        return None
    try:
        row = next(csv.reader([line.text]))
    except (csv.Error, StopIteration):
        return None
    if len(row) < 2:
        return None
    columns = dict(zip(fields, row, strict=False))
    return Result(parse_iso(columns.get("date-time", row[0]), ctx.clock.tz), clean_host(columns.get("server-hostname")))


def suricata_eve(line: Line, ctx: Context) -> Result | None:
    found = line.json
    if found is None:
        return None
    obj, header = found
    if "event_type" not in obj or "timestamp" not in obj:
        return None
    time = json_time(obj["timestamp"], ctx.clock)
    return Result(time, clean_host(obj.get("host")) or (header.host if header else None))


def zeek_json(line: Line, ctx: Context) -> Result | None:
    found = line.json
    if found is None:
        return None
    obj, header = found
    if "ts" not in obj or not ("uid" in obj or "fuid" in obj or "_path" in obj):
        return None
    host = next((clean_host(obj[k]) for k in _ZEEK_HOST_KEYS if clean_host(obj.get(k))), None)
    return Result(json_time(obj["ts"], ctx.clock), host or (header.host if header else None))


def json_lines(line: Line, ctx: Context) -> Result | None:
    found = line.json
    if found is None:
        return None
    obj, header = found
    lowered: dict[str, Any] = {}
    for key, value in obj.items():
        lowered.setdefault(key.lower(), value)
    time = None
    for key in _JSON_TIME_KEYS:
        if key in lowered:
            time = json_time(lowered[key], ctx.clock)
            if time is not None:
                break
    return Result(time, _json_host(lowered) or (header.host if header else None))


def _json_host(lowered: dict[str, Any]) -> str | None:
    for key in _JSON_HOST_KEYS:
        value = lowered.get(key)
        if isinstance(value, dict):  # Elastic Common Schema: "host": {"name": ..., "hostname": ...}
            value = value.get("name") or value.get("hostname")
        host = clean_host(value)
        if host:
            return host
    return None
