"""Timestamp parsing for log lines: ISO 8601, epoch numbers, syslog times without a year, zone names.

Every function returns a timezone-aware UTC ``datetime`` or ``None``; none of them raises on bad input.
Times that carry no zone are taken to be in the admin's zone (``Clock.tz``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

MONTH_RE = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}

# Plausible log times: 1995-01-01 .. 2100-01-01 (rejects durations, counters, ids that look like epochs).
_EPOCH_MIN = 788_918_400
_EPOCH_MAX = 4_102_444_800
_NUMBER = re.compile(r"\d{1,20}(?:\.\d{1,12})?")

_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,12}))?)?)?"
    r" ?(?P<z>Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?"
)
_OFFSET = re.compile(r"(?:UTC|GMT)?(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?")
# Zone abbreviations seen in German logs; everything else must be an offset or an IANA name.
_ABBREVIATIONS = {"UTC": 0, "GMT": 0, "Z": 0, "UT": 0, "CET": 60, "MEZ": 60, "CEST": 120, "MESZ": 120}

# The fallback search: the leftmost of these, anywhere in a line.
_ANY = re.compile(
    r"(?<!\d)(?P<iso>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,12})?(?: ?(?:Z|[+-]\d{2}:?\d{2}))?)(?![\d:])"
    rf"|(?<![\w])(?P<clf>\d{{2}}/{MONTH_RE}/\d{{4}}:\d{{2}}:\d{{2}}:\d{{2}} [+-]\d{{4}})"
    rf"|(?<![\w])(?P<bind>\d{{2}}-{MONTH_RE}-\d{{4}} \d{{2}}:\d{{2}}:\d{{2}}(?:\.\d{{1,6}})?)(?![\d:])"
    r"|(?<![\w.])(?P<de>\d{1,2}\.\d{1,2}\.\d{4},? \d{1,2}:\d{2}:\d{2})(?![\d:])"
    rf"|(?<![\w])(?P<bsd>{MONTH_RE} {{1,2}}\d{{1,2}}(?: \d{{4}})? \d{{2}}:\d{{2}}:\d{{2}}(?:\.\d{{1,9}})?)(?![\d:])"
)
_CLF = re.compile(rf"(\d{{2}})/({MONTH_RE})/(\d{{4}}):(\d{{2}}):(\d{{2}}):(\d{{2}})(?:\.(\d{{1,6}}))? ([+-]\d{{4}})")
_BIND = re.compile(rf"(\d{{2}})-({MONTH_RE})-(\d{{4}}) (\d{{2}}):(\d{{2}}):(\d{{2}})(?:\.(\d{{1,6}}))?")
_DE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}),? (\d{1,2}):(\d{2}):(\d{2})")
_BSD = re.compile(rf"({MONTH_RE}) {{1,2}}(\d{{1,2}})(?: (\d{{4}}))? (\d{{2}}):(\d{{2}}):(\d{{2}})(?:\.(\d{{1,9}}))?")


@dataclass(frozen=True, slots=True)
class Clock:
    """What a file's times are read against: the year for year-less syslog times, the admin's zone, now."""

    year: int
    tz: tzinfo
    now: datetime  # aware

    @classmethod
    def of(cls, year: int, tz: tzinfo, now: datetime) -> Clock:
        return cls(year, tz, (now if now.tzinfo else now.replace(tzinfo=tz)).astimezone(UTC))


def micros(digits: str | None) -> int:
    """Microseconds from the digits after the decimal point (more than six are cut off)."""
    return int((digits + "000000")[:6]) if digits else 0


def to_utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
           micro: int = 0, *, tz: tzinfo) -> datetime | None:
    """A wall-clock time in ``tz`` as UTC; ``None`` if it is no valid date. A leap second counts as :59."""
    try:
        return datetime(year, month, day, hour, minute, min(second, 59), micro, tzinfo=tz).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def zone(name: str | None) -> tzinfo | None:
    """A zone from an offset (``+0100``, ``+01:00``, ``GMT+1``), a known abbreviation or an IANA name."""
    if not name:
        return None
    name = name.strip().strip('"')
    if name.upper() in _ABBREVIATIONS:
        return timezone(timedelta(minutes=_ABBREVIATIONS[name.upper()]))
    m = _OFFSET.fullmatch(name)
    if m:
        minutes = int(m["h"]) * 60 + int(m["m"] or 0)
        if minutes >= 24 * 60:
            return None
        return timezone(timedelta(minutes=-minutes if m["sign"] == "-" else minutes))
    if "/" in name and ".." not in name:
        try:
            return ZoneInfo(name)
        except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            return None
    return None


def from_epoch(value: object, *, unit: int | None = None) -> datetime | None:
    """Seconds since 1970 (``unit=1``), or milli/micro/nanoseconds (``unit`` = 10**3/6/9); ``None``: by size."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        text = repr(value)
    else:
        text = str(value).strip()
        if not _NUMBER.fullmatch(text):
            return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite():
        return None
    if unit is None:
        unit = 1 if number < 10**11 else 10**3 if number < 10**14 else 10**6 if number < 10**17 else 10**9
    seconds = number / unit
    if not _EPOCH_MIN <= seconds < _EPOCH_MAX:
        return None
    whole = int(seconds)
    return datetime.fromtimestamp(whole, UTC) + timedelta(microseconds=int((seconds - whole) * 1_000_000))


def parse_iso(text: str, tz: tzinfo) -> datetime | None:
    """ISO 8601 / RFC 3339 (``T`` or space, any fraction, ``Z``/``±hh:mm``/``±hhmm``/``±hh``); no zone: ``tz``."""
    m = _ISO.fullmatch(text.strip())
    if not m:
        return None
    zone_text = m["z"]
    if zone_text:
        tz = zone(zone_text) or tz
    return to_utc(int(m["y"]), int(m["mo"]), int(m["d"]), int(m["h"] or 0), int(m["mi"] or 0), int(m["s"] or 0),
                  micros(m["f"]), tz=tz)


def without_year(month: int, day: int, hour: int, minute: int, second: int, micro: int,
                 clock: Clock) -> datetime | None:
    """A syslog time without year: ``clock.year``, or the year before if that is over a day in the future."""
    for year in (clock.year, clock.year - 1):
        result = to_utc(year, month, day, hour, minute, second, micro, tz=clock.tz)
        if result is None:  # 29 Feb in a common year
            continue
        if year == clock.year and result > clock.now + timedelta(days=1):
            continue
        return result
    return None


def bsd_time(month: str, day: str, year: str | None, hour: str, minute: str, second: str,
             fraction: str | None, clock: Clock, tz: tzinfo | None = None) -> datetime | None:
    """``Nov 22 [2026] 09:15:02[.123]`` in ``tz`` (default: the clock's zone)."""
    if year:
        return to_utc(int(year), MONTHS[month], int(day), int(hour), int(minute), int(second), micros(fraction),
                      tz=tz or clock.tz)
    if tz is not None and tz is not clock.tz:
        clock = Clock(clock.year, tz, clock.now)
    return without_year(MONTHS[month], int(day), int(hour), int(minute), int(second), micros(fraction), clock)


def find_timestamp(text: str, clock: Clock) -> datetime | None:
    """The first ISO-8601-, CLF-, BIND-, German- or syslog-style timestamp anywhere in ``text``."""
    pos = 0
    while True:
        m = _ANY.search(text, pos)
        if m is None:
            return None
        result = _read_any(m, clock)
        if result is not None:
            return result
        pos = m.start() + 1


def _read_any(m: re.Match[str], clock: Clock) -> datetime | None:
    if m["iso"]:
        return parse_iso(m["iso"], clock.tz)
    if m["clf"]:
        d, mon, y, h, mi, s, f, off = _CLF.fullmatch(m["clf"]).groups()  # type: ignore[union-attr]
        return to_utc(int(y), MONTHS[mon], int(d), int(h), int(mi), int(s), micros(f), tz=zone(off) or clock.tz)
    if m["bind"]:
        d, mon, y, h, mi, s, f = _BIND.fullmatch(m["bind"]).groups()  # type: ignore[union-attr]
        return to_utc(int(y), MONTHS[mon], int(d), int(h), int(mi), int(s), micros(f), tz=clock.tz)
    if m["de"]:
        d, mo, y, h, mi, s = _DE.fullmatch(m["de"]).groups()  # type: ignore[union-attr]
        return to_utc(int(y), int(mo), int(d), int(h), int(mi), int(s), tz=clock.tz)
    mon, d, y, h, mi, s, f = _BSD.fullmatch(m["bsd"]).groups()  # type: ignore[union-attr]
    return bsd_time(mon, d, y, h, mi, s, f, clock)


def parse_any(text: str, clock: Clock) -> datetime | None:
    """A time value on its own (a JSON field): epoch number, ISO 8601, or any form ``find_timestamp`` knows."""
    text = text.strip()
    if not text or len(text) > 64:
        return None
    return from_epoch(text) or parse_iso(text, clock.tz) or find_timestamp(text, clock)
