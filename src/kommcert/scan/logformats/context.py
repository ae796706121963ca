"""Per-file reading state (clock, Zeek, Exchange and W3C column headers) and a line with its parses cached."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from kommcert.scan.logformats.syslog import SyslogHeader, parse_header
from kommcert.scan.logformats.times import Clock

_HEX_ESCAPE = re.compile(r"\\x([0-9a-fA-F]{2})")


@dataclass
class Context:
    """What a file's earlier lines said about the ones that follow."""

    clock: Clock
    zeek_separator: str = "\t"
    zeek_fields: tuple[str, ...] | None = None
    zeek_path: str | None = None
    exchange_fields: tuple[str, ...] | None = None
    w3c_fields: tuple[str, ...] | None = None  # IIS (OWA, ECP), Windows Firewall
    w3c_local_time: bool = False  # Windows Firewall logs local time; IIS and the W3C standard UTC
    _zeek_index: dict[str, int] = field(default_factory=dict)

    def observe_header(self, text: str) -> bool:
        """Take note of a ``#`` header line (Zeek ``#fields``, Exchange ``#Fields:``); True for any ``#`` line."""
        if not text.startswith("#"):
            return False
        if text.startswith("#Software:"):
            self.w3c_local_time = "firewall" in text.lower()
        elif text.startswith("#Time Format:"):
            self.w3c_local_time = "local" in text.lower()
        elif text.startswith("#Fields:"):
            body = text[len("#Fields:"):]
            names = tuple(name.strip() for name in body.split(","))
            self.exchange_fields = names if "date-time" in names else None
            spaced = tuple(body.split())  # W3C extended (IIS): space-separated, date and time apart
            self.w3c_fields = spaced if "date" in spaced and "time" in spaced else None
        elif text.startswith("#separator"):
            value = _HEX_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text[len("#separator"):].strip())
            self.zeek_separator = value or "\t"
        elif text.startswith("#fields") and len(text) > len("#fields"):
            self.zeek_fields = tuple(text[len("#fields"):].split(self.zeek_separator)[1:])
            self._zeek_index = {name: i for i, name in enumerate(self.zeek_fields)}
        elif text.startswith("#path") and len(text) > len("#path"):
            parts = text[len("#path"):].split(self.zeek_separator)
            self.zeek_path = parts[1].strip() if len(parts) > 1 else None
        return True

    def zeek_column(self, name: str) -> int | None:
        return self._zeek_index.get(name)


class Line:
    """One log line with the syslog header and JSON object parsed at most once, on demand."""

    __slots__ = ("text", "clock", "_header", "_json")

    _UNSET: Any = object()

    def __init__(self, text: str, clock: Clock) -> None:
        self.text = text
        self.clock = clock
        self._header: SyslogHeader | None = self._UNSET
        self._json: tuple[dict[str, Any], SyslogHeader | None] | None = self._UNSET

    @property
    def header(self) -> SyslogHeader | None:
        """The syslog header in front of the line (RFC 3164, RFC 5424 or rsyslog's ISO style), if any."""
        if self._header is self._UNSET:
            self._header = parse_header(self.text, self.clock)
        return self._header

    @property
    def json(self) -> tuple[dict[str, Any], SyslogHeader | None] | None:
        """The JSON object the line is, or carries behind a syslog header (Suricata's syslog output)."""
        if self._json is self._UNSET:
            self._json = None
            if self.text.startswith("{"):
                self._json = _object(self.text, None)
            elif "{" in self.text and self.header is not None and self.header.msg.startswith("{"):
                self._json = _object(self.header.msg, self.header)
        return self._json

    def payloads(self) -> list[tuple[str, SyslogHeader | None]]:
        """The line itself, then (if it has one) the message behind its syslog header."""
        header = self.header
        if header is None:
            return [(self.text, None)]
        return [(self.text, None), (header.msg, header)]


def _object(text: str, header: SyslogHeader | None) -> tuple[dict[str, Any], SyslogHeader | None] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return (value, header) if isinstance(value, dict) else None
