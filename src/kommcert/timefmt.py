"""Times for people: local time with its zone (``KOMMCERT_TIMEZONE``, default Europe/Berlin).

Everything is stored and sent to machines in UTC (STIX, JSONL, the API's JSON). Pages, CSV files
meant for spreadsheets and the scanner's table show the local time and say which zone it is in,
so "07:12 MEZ" on a page is the 07:12 of the firewall's log line.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Europe/Berlin"

# German names of the zones a German reader meets; others keep the abbreviation of the tz database.
_GERMAN_ABBREVIATIONS = {"CET": "MEZ", "CEST": "MESZ"}


class UnknownZone(ValueError):
    """Not a name of the IANA time zone database (``Europe/Berlin``, ``UTC``)."""


@lru_cache(maxsize=16)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownZone(f"unknown time zone {name!r} (expected an IANA name such as Europe/Berlin)") from None


def zone_from_environment() -> ZoneInfo:
    """The zone for processes without settings (``kommcert scan`` on an admin's machine)."""
    return zone(os.environ.get("KOMMCERT_TIMEZONE", "").strip() or DEFAULT_ZONE)


def to_local(value: datetime, tz: ZoneInfo) -> datetime:
    """The same instant in ``tz``; a naive value is taken as UTC (how SQLite hands some back)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz)


def zone_name(value: datetime, lang: str = "de") -> str:
    """The zone's abbreviation at that instant: MEZ/MESZ in German, CET/CEST in English."""
    name = value.tzname() or ""
    if lang == "de":
        return _GERMAN_ABBREVIATIONS.get(name, name)
    return name


def format_datetime(value: datetime | None, tz: ZoneInfo, lang: str = "de", *, seconds: bool = False) -> str:
    """``07.03.2026 07:12 MEZ`` (German) or ``2026-03-07 07:12 CET`` (English); empty for None."""
    if value is None:
        return ""
    local = to_local(value, tz)
    clock = "%H:%M:%S" if seconds else "%H:%M"
    day = "%d.%m.%Y" if lang == "de" else "%Y-%m-%d"
    return f"{local.strftime(f'{day} {clock}')} {zone_name(local, lang)}"


def format_date(value: datetime | date | None, tz: ZoneInfo, lang: str = "de") -> str:
    """The local calendar day (a timestamp at 23:30 UTC is already the next day in Berlin)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value, tz).date()
    return value.strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d")


def spreadsheet_time(value: datetime | None, tz: ZoneInfo) -> str:
    """For CSV files people open in a spreadsheet: local time with its UTC offset,
    ``2026-03-07 07:12:06+01:00`` (ISO 8601, so a program can still read it exactly)."""
    if value is None:
        return ""
    return to_local(value, tz).replace(microsecond=0).isoformat(sep=" ")
