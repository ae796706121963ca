"""Detect a file's log format from its head, then read time and host from single lines anywhere in it.

Each line of the head votes for the most specific format that accepts it (``ORDER``); the format with
most votes is the file's format (ties: the more specific one). ``#`` lines are headers, not votes.
Files change format midway (rotated logs concatenated, syslog from several programs): a line the
file's format does not accept is classified on its own, most specific format first. There is no sticky
"last alternative": classifying costs ~15 µs, and a remembered generic format (json-lines, syslog) would
swallow later lines that a more specific one (Suricata, Zeek, Postfix) describes better.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from kommcert.scan.logformats import dns, keyvalue, structured, syslog, web
from kommcert.scan.logformats.context import Context, Line
from kommcert.scan.logformats.model import FORMATS, LineInfo, LogFormat, Result
from kommcert.scan.logformats.times import Clock, find_timestamp

Parser = Callable[[Line, Context], Result | None]

HEAD_LINES = 200

# Most specific first; "text" (accepts anything) is not in here, it is the fallback.
ORDER: tuple[tuple[str, Parser], ...] = (
    ("zeek-tsv", structured.zeek_tsv),
    ("exchange-tracking", structured.exchange_tracking),
    ("w3c", web.w3c),
    ("suricata-eve", structured.suricata_eve),
    ("zeek-json", structured.zeek_json),
    ("windows-dns", dns.windows_dns),
    ("bind-query", dns.bind_query),
    ("unbound", dns.unbound),
    ("squid", web.squid),
    ("combined", web.combined),
    ("cef", keyvalue.cef),
    ("fortinet", keyvalue.fortinet),
    ("filterlog", syslog.filterlog),
    ("postfix", syslog.postfix),
    ("dnsmasq", syslog.dnsmasq),
    ("syslog-rfc5424", syslog.rfc5424),
    ("syslog-rfc3164", syslog.rfc3164),
    ("json-lines", structured.json_lines),
)
_PARSERS = dict(ORDER)
_RANK = {name: i for i, (name, _) in enumerate(ORDER)}
_TEXT = FORMATS["text"]


def _clean(line: str) -> str:
    return line.rstrip("\r\n").removeprefix("\ufeff")


class FormatTracker:
    """Per file: detect from the head, then analyse single lines (hit lines) anywhere in the file.

    ``year`` is the year for syslog times that have none (e.g. the file's modification year), ``tz`` the
    zone of times that carry no zone (the admin's zone), ``now`` the limit for syslog times (a naive
    ``now`` is taken to be in ``tz``). Lines starting with ``#`` should be passed to :meth:`analyse`
    too, so that Zeek and Exchange column headers further down the file are seen.
    """

    def __init__(self, head: list[str], *, year: int, tz: tzinfo, now: datetime) -> None:
        self._ctx = Context(Clock.of(year, tz, now))
        votes: dict[str, int] = {}
        for raw in head[:HEAD_LINES]:
            text = _clean(raw)
            if not text.strip() or self._ctx.observe_header(text):
                continue
            found = self._classify(Line(text, self._ctx.clock))
            if found is not None:
                votes[found[0]] = votes.get(found[0], 0) + 1
        if votes:
            self._format = FORMATS[max(votes, key=lambda name: (votes[name], -_RANK[name]))]
        else:
            self._format = _TEXT

    @property
    def format(self) -> LogFormat:
        """The format detected from the head (text if none fits)."""
        return self._format

    @property
    def zeek_path(self) -> str | None:
        """The log kind of a Zeek TSV file (``conn``, ``dns``, ``http``, ...) from its last ``#path`` header."""
        return self._ctx.zeek_path

    def analyse(self, line: str) -> LineInfo:
        """Format, UTC time and logging host of one line; never raises (worst case: text, no time, no host)."""
        try:
            return self._analyse(_clean(line))
        except Exception:  # a scanner must survive any byte sequence; a bad line is just "text"
            return LineInfo(_TEXT, None, None)

    def _analyse(self, text: str) -> LineInfo:
        if self._ctx.observe_header(text) and self._format is not _TEXT:
            return LineInfo(self._format, None, None)
        line = Line(text, self._ctx.clock)
        if self._format is not _TEXT:
            result = _PARSERS[self._format.name](line, self._ctx)
            if result is not None:
                return LineInfo(self._format, result.time, result.host)
        found = self._classify(line)
        if found is None:
            return LineInfo(_TEXT, find_timestamp(text, self._ctx.clock), None)
        return LineInfo(FORMATS[found[0]], found[1].time, found[1].host)

    def _classify(self, line: Line) -> tuple[str, Result] | None:
        for name, parser in ORDER:
            try:
                result = parser(line, self._ctx)
            except Exception:  # noqa: S112 - one format failing on garbage must not hide the others
                continue
            if result is not None:
                return name, result
        return None
