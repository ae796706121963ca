"""Plain lists and CSV export."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

from kommcert.indicators.formats.export_text import (
    CSV_COLUMNS,
    CSV_CONTENT_TYPE,
    PLAIN_CONTENT_TYPE,
    chunked,
    write_csv,
    write_plain,
)
from kommcert.indicators.formats.records import ExportRow
from kommcert.indicators.types import IndicatorType as T
from kommcert.sharing.tlp import TLP

NOW = datetime(2019, 11, 1, 12, 0, tzinfo=UTC)


def row(n: int, kind: T, value: str, **kw) -> ExportRow:  # noqa: ANN003
    base = {"id": n, "uuid": str(uuid.uuid4()), "type": kind, "value": value, "tlp": TLP.green, "created": NOW,
            "modified": NOW, "valid_from": NOW, "valid_until": NOW + timedelta(days=7), "confidence": 80,
            "tags": ("malware:emotet", "T1566"), "report_title": "Welle 7", "comment": None}
    base.update(kw)
    return ExportRow(**base)


ROWS = [row(1, T.ipv4, "198.51.100.7"), row(2, T.ipv4_cidr, "192.0.2.0/24"), row(3, T.domain, "evil.example"),
        row(4, T.hostname, "www.bad.example"), row(5, T.url, "http://evil.example/x"),
        row(6, T.sha256, "2" * 64)]


def test_it_writes_one_value_per_line_with_header_and_count():
    lines = "".join(write_plain(ROWS, generated=NOW)).splitlines()
    assert lines[0].startswith("#") and "2019-11-01T12:00:00Z" in lines[0]
    assert lines[1:-1] == [r.value for r in ROWS]
    assert lines[-1] == "# 6 entries"
    assert PLAIN_CONTENT_TYPE.startswith("text/plain")


def test_it_filters_by_type_and_leaves_out_the_header_on_request():
    text = "".join(write_plain(ROWS, types={T.domain, T.hostname}, header=False))
    assert text == "evil.example\nwww.bad.example\n"


def test_it_never_lets_a_line_break_add_an_entry():
    text = "".join(write_plain([row(1, T.url, "http://a.example/\nevil.example"), ROWS[0]], header=False))
    assert text == "198.51.100.7\n"


def test_it_writes_csv_the_csv_module_reads():
    text = "".join(write_csv(ROWS))
    records = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(records[0]) == CSV_COLUMNS
    assert len(records) == len(ROWS) + 1
    first = dict(zip(CSV_COLUMNS, records[1], strict=True))
    assert first == {"type": "ipv4", "value": "198.51.100.7", "tlp": "TLP:GREEN", "valid_from": "2019-11-01T12:00:00Z",
                     "valid_until": "2019-11-08T12:00:00Z", "confidence": "80", "tags": "malware:emotet;T1566",
                     "report": "Welle 7", "comment": ""}
    assert CSV_CONTENT_TYPE.startswith("text/csv")


def test_it_defuses_spreadsheet_formulas_and_keeps_quotes_intact():
    hostile = row(1, T.url, "http://evil.example/a,\"b\"", report_title="=HYPERLINK(\"http://x\")",
                  comment="+cmd|' /C calc'!A0", tags=("-2+3", "ok"), valid_until=None, confidence=None)
    hostile2 = row(2, T.domain, "evil.example", report_title="@SUM(1)", comment="line\nbreak, \"quoted\"")
    records = list(csv.DictReader(io.StringIO("".join(write_csv([hostile, hostile2])), newline="")))
    assert records[0]["value"] == "http://evil.example/a,\"b\""
    assert records[0]["report"] == "'=HYPERLINK(\"http://x\")"
    assert records[0]["comment"] == "'+cmd|' /C calc'!A0"
    assert records[0]["tags"] == "'-2+3;ok"
    assert records[0]["valid_until"] == "" and records[0]["confidence"] == ""
    assert records[1]["report"] == "'@SUM(1)"
    assert records[1]["comment"] == "line\nbreak, \"quoted\""


def test_it_streams_in_chunks_of_a_few_kilobytes():
    rows = [row(n, T.ipv4, f"10.0.{n // 256}.{n % 256}") for n in range(5000)]
    chunks = list(write_csv(rows, size=4096))
    assert len(chunks) > 10
    assert all(len(c) < 8192 for c in chunks)
    assert list(chunked(["ab", "cd", "e"], size=4)) == ["abcd", "e"]
