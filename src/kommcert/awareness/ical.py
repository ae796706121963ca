"""The event calendar as iCalendar (RFC 5545), for Outlook, Thunderbird and phones.

Written by hand (a dozen properties): CRLF line ends, lines folded at 75 octets without splitting a UTF-8
character, text escaped (backslash, semicolon, comma, newline). Times are UTC (``…Z``), which every client
shows in its own zone; a cancelled event stays in the file with ``STATUS:CANCELLED`` so that calendars that
imported it drop it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from kommcert.awareness.models import FORMAT_LABELS_DE, AwarenessEvent, Format

PRODID = "-//kommcert//Sensibilisierung//DE"


def _escape(text: str) -> str:
    text = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\n")
            .replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after CRLF and a space."""
    out: list[str] = []
    current, size = "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += ch
        size += width
    out.append(current)
    return "\r\n".join(out)


def _time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(events: Iterable[tuple[AwarenessEvent, str]], *, base_url: str, now: datetime,
             name: str = "kommcert – Schulungen") -> str:
    """``events``: (event, organiser name) pairs the reader may see."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{_escape(name)}"]
    base = base_url.rstrip("/")
    for event, organiser in events:
        url = f"{base}/awareness/events/{event.id}"
        description = "\n".join(part for part in (
            event.description.strip(), f"{FORMAT_LABELS_DE[Format(event.format)]} · Veranstalter: {organiser}",
            event.link, url) if part)
        lines += ["BEGIN:VEVENT", f"UID:awareness-event-{event.id}@kommcert", f"DTSTAMP:{_time(now)}",
                  f"DTSTART:{_time(event.starts_at)}", f"DTEND:{_time(event.ends_at)}",
                  f"SUMMARY:{_escape(event.title)}", f"LOCATION:{_escape(event.place or event.link)}",
                  f"DESCRIPTION:{_escape(description)}", f"URL:{url}",
                  f"STATUS:{'CANCELLED' if event.cancelled_at else 'CONFIRMED'}",
                  f"LAST-MODIFIED:{_time(event.updated_at)}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
