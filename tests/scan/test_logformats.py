"""Log format detection and time/host reading, against one hand-checked sample file per format.

Expected values are written by hand from the samples: local times are Europe/Berlin (CET = UTC+1 in
November, CEST = UTC+2 in July), epoch 1795335302 is 2026-11-22T08:15:02Z.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kommcert.scan.logformats import FORMATS, FormatTracker, LineInfo, LogFormat
from kommcert.scan.logformats.context import Context, Line
from kommcert.scan.logformats.times import Clock
from kommcert.scan.logformats.tracker import ORDER

SAMPLES = Path(__file__).parent / "samples"
TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def read(name: str) -> list[str]:
    return (SAMPLES / name).read_bytes().decode("utf-8", errors="replace").splitlines()


def track(name: str, *, year: int = 2026, now: datetime = NOW) -> tuple[FormatTracker, list[str]]:
    lines = read(name)
    return FormatTracker(lines[:200], year=year, tz=TZ, now=now), lines


def tracker_for(*lines: str, year: int = 2026, now: datetime = NOW) -> FormatTracker:
    return FormatTracker(list(lines), year=year, tz=TZ, now=now)


# file, detected format, [(0-based line number, expected format, UTC time, host)]
CASES = [
    ("syslog-rfc5424.log", "syslog-rfc5424", [
        (0, "syslog-rfc5424", utc(2026, 11, 22, 8, 15, 2, 3000), "gw01.vg-musterstadt.example"),
        (2, "syslog-rfc5424", utc(2026, 11, 22, 8, 16, 41, 552000), "dc01.vg-musterstadt.example"),
        (3, "syslog-rfc5424", utc(2026, 11, 22, 8, 17, 30), "app01.vg-musterstadt.example"),
        (4, "syslog-rfc5424", utc(2026, 11, 22, 8, 17, 31), None),  # nil hostname
        (5, "syslog-rfc5424", None, "app01.vg-musterstadt.example"),  # nil timestamp
    ]),
    ("bind-query.log", "bind-query", [
        (0, "bind-query", utc(2026, 11, 22, 8, 15, 2, 123000), None),
        (3, "bind-query", utc(2026, 11, 22, 8, 15, 4, 2000), None),
    ]),
    ("unbound.log", "unbound", [
        (0, "unbound", utc(2026, 11, 22, 8, 15, 2), None),
        (4, "unbound", utc(2026, 11, 22, 8, 16, 41), None),
    ]),
    ("dnsmasq.log", "dnsmasq", [
        (0, "dnsmasq", utc(2026, 11, 22, 8, 15, 2), None),
        (5, "dnsmasq", utc(2026, 11, 22, 8, 16, 41), None),
    ]),
    ("windows-dns.log", "windows-dns", [
        (0, "text", None, None),  # the log's own preamble
        (9, "windows-dns", utc(2026, 11, 22, 8, 15, 2), None),
        (13, "windows-dns", utc(2026, 11, 22, 12, 2, 3), None),  # 1:02:03 PM
        (14, "windows-dns", utc(2026, 11, 21, 23, 30, 45), None),  # 12:30:45 AM
    ]),
    ("windows-dns-de.log", "windows-dns", [
        (2, "windows-dns", utc(2026, 7, 14, 7, 15, 2), None),  # D.M.YYYY, summer time
        (6, "windows-dns", utc(2026, 7, 14, 22, 0, 1), None),  # 15.07. 00:00:01 local is still the 14th in UTC
    ]),
    ("squid.log", "squid", [
        (0, "squid", utc(2026, 11, 22, 8, 15, 2, 123000), None),
        (3, "squid", utc(2026, 11, 22, 8, 16, 41, 870000), None),
    ]),
    ("combined.log", "combined", [
        (0, "combined", utc(2026, 11, 22, 8, 15, 2), None),
        (3, "combined", utc(2026, 11, 22, 8, 16, 41), None),
        (4, "combined", utc(2026, 11, 22, 8, 20, 0), None),  # +0000
    ]),
    ("zeek-dns.log", "zeek-tsv", [
        (0, "zeek-tsv", None, None),  # header line
        (8, "zeek-tsv", utc(2026, 11, 22, 8, 15, 2, 123456), None),
        (12, "zeek-tsv", utc(2026, 11, 22, 8, 20, 0), None),
    ]),
    ("zeek-http.json", "zeek-json", [
        (0, "zeek-json", utc(2026, 11, 22, 8, 15, 2, 123456), "sensor-rathaus"),
        (1, "zeek-json", utc(2026, 11, 22, 8, 15, 2, 411000), "sensor-rathaus"),
    ]),
    ("eve.json", "suricata-eve", [
        (0, "suricata-eve", utc(2026, 11, 22, 8, 15, 2, 123456), "ids-rathaus"),
        (3, "suricata-eve", utc(2026, 11, 22, 8, 16, 41, 870123), "ids-rathaus"),
    ]),
    ("cef.log", "cef", [
        (0, "cef", utc(2026, 11, 22, 8, 15, 2), "fw-rathaus.vg-musterstadt.example"),  # rt local with year
        (1, "cef", utc(2026, 11, 22, 8, 15, 7), "fw-rathaus.vg-musterstadt.example"),  # rt epoch ms
        (2, "cef", utc(2026, 11, 22, 8, 16, 41), "192.0.2.25"),  # rt with "UTC", dvc
        (3, "cef", utc(2026, 11, 22, 8, 20, 0, 512000), "edr.vg-musterstadt.example"),  # dtz, no syslog header
        (4, "cef", utc(2026, 11, 22, 8, 20, 5), "siem-relay"),  # no rt: the syslog header's
    ]),
    ("fortinet.log", "fortinet", [
        (0, "fortinet", utc(2026, 11, 22, 8, 15, 2), "FG100E-Rathaus"),
        (2, "fortinet", utc(2026, 11, 22, 8, 16, 41), "FG60F-Bauhof"),  # behind a syslog header
        (3, "fortinet", utc(2026, 11, 22, 8, 20, 0), "FG40F-Klaeranlage"),  # no tz=: eventtime (UTC) wins
        (4, "fortinet", utc(2026, 11, 22, 8, 20, 5), "FG40F-Klaeranlage"),  # neither: date+time are local
    ]),
    ("filterlog.log", "filterlog", [
        (0, "filterlog", utc(2026, 11, 22, 8, 15, 2), "fw-rathaus"),
        (3, "filterlog", utc(2026, 11, 22, 8, 16, 41), "opnsense.vg-musterstadt.example"),  # RFC 5424 header
    ]),
    ("postfix.log", "postfix", [
        (0, "postfix", utc(2026, 11, 22, 8, 15, 2), "mail01"),
        (3, "postfix", utc(2026, 11, 22, 8, 16, 41), "mail01"),
    ]),
    ("exchange-tracking.log", "exchange-tracking", [
        (0, "exchange-tracking", None, None),  # "#Software" header behind a byte order mark
        (5, "exchange-tracking", utc(2026, 11, 22, 8, 15, 2, 123000), "EX01"),
        (7, "exchange-tracking", utc(2026, 11, 22, 8, 16, 41, 870000), "EX02"),
    ]),
    ("iis-owa.log", "w3c", [
        (9, "w3c", utc(2026, 11, 22, 8, 20, 0), "EX01"),  # under the second #Fields header, with s-computername
    ]),
    ("windows-firewall.log", "w3c", [
        (5, "w3c", utc(2026, 11, 22, 8, 15, 2), None),  # "#Time Format: Local": CET
    ]),
    ("json-lines.jsonl", "json-lines", [
        (0, "json-lines", utc(2026, 11, 22, 8, 15, 2), None),
        (3, "json-lines", utc(2026, 11, 22, 8, 20, 0), None),
        (4, "json-lines", None, None),  # "time": ""
    ]),
    ("text.log", "text", [
        (0, "text", utc(2026, 11, 22, 8, 15, 2, 123000), None),
        (2, "text", None, None),
        (6, "text", utc(2026, 11, 22, 8, 20, 0), None),  # German date in the middle of the line
    ]),
    ("mixed.log", "dnsmasq", [
        (2, "dnsmasq", utc(2026, 11, 22, 8, 15, 2), "pihole"),
        (5, "syslog-rfc3164", utc(2026, 11, 22, 8, 15, 5), "pihole"),  # sshd in the same syslog file
        (9, "combined", utc(2026, 11, 22, 8, 16, 41), None),  # a web log appended
        (11, "dnsmasq", utc(2026, 11, 22, 8, 20, 0), "pihole"),  # back to the file's format
    ]),
]


@pytest.mark.parametrize(("name", "detected", "expected"), CASES, ids=[c[0] for c in CASES])
def test_it_detects_the_format_and_reads_time_and_host(name: str, detected: str, expected: list) -> None:
    tracker, lines = track(name)
    assert tracker.format == FORMATS[detected]
    for number, fmt, time, host in expected:
        assert tracker.analyse(lines[number]) == LineInfo(FORMATS[fmt], time, host), (name, number)


def test_it_has_one_sample_per_format() -> None:
    assert {c[1] for c in CASES} | {"syslog-rfc3164"} == set(FORMATS)


@pytest.mark.parametrize("name", ["syslog-rfc3164.log"] + [c[0] for c in CASES])
def test_it_returns_utc_times_for_every_sample_line(name: str) -> None:
    tracker, lines = track(name, year=2027, now=datetime(2027, 1, 1, 12, tzinfo=UTC))
    times = [info.log_time for info in map(tracker.analyse, lines) if info.log_time is not None]
    assert times
    assert all(t.tzinfo is not None and t.utcoffset() == timedelta(0) for t in times)


def test_it_puts_december_lines_into_the_previous_year_after_new_year() -> None:
    tracker, lines = track("syslog-rfc3164.log", year=2027, now=datetime(2027, 1, 1, 12, tzinfo=UTC))
    assert tracker.format == FORMATS["syslog-rfc3164"]
    assert tracker.analyse(lines[3]) == LineInfo(FORMATS["syslog-rfc3164"], utc(2026, 12, 31, 22, 58, 11), "fs01")
    # Jan 1 00:02:45 CET is still 2026 in UTC
    assert tracker.analyse(lines[8]) == LineInfo(FORMATS["syslog-rfc3164"], utc(2026, 12, 31, 23, 2, 45), "fs01")
    assert tracker.analyse(lines[10]).log_time == utc(2026, 12, 31, 23, 3, 10)


def test_it_keeps_the_year_for_times_up_to_a_day_ahead_of_now() -> None:
    now = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
    tracker = tracker_for("Nov 22 09:15:02 fs01 sshd[1]: x", now=now)
    assert tracker.analyse("Nov 22 09:15:02 fs01 sshd[1]: x").log_time == utc(2026, 11, 22, 8, 15, 2)  # clock skew
    assert tracker.analyse("Nov 24 09:15:02 fs01 sshd[1]: x").log_time == utc(2025, 11, 24, 8, 15, 2)


def test_it_takes_a_naive_now_to_be_in_the_admins_zone() -> None:
    tracker = tracker_for("Nov 22 09:15:02 fs01 sshd[1]: x", now=datetime(2026, 11, 21, 9, 15, 2))
    assert tracker.analyse("Nov 22 09:15:02 fs01 sshd[1]: x").log_time == utc(2026, 11, 22, 8, 15, 2)  # exactly a day
    assert tracker.analyse("Nov 22 09:15:03 fs01 sshd[1]: x").log_time == utc(2025, 11, 22, 8, 15, 3)  # a second more


def test_it_gives_no_time_for_an_impossible_date() -> None:
    tracker = tracker_for("Feb 30 09:15:02 fs01 sshd[1]: x")
    assert tracker.analyse("Feb 30 09:15:02 fs01 sshd[1]: x") == LineInfo(FORMATS["syslog-rfc3164"], None, "fs01")
    assert tracker.analyse("Feb 29 09:15:02 fs01 sshd[1]: x").log_time is None  # neither 2026 nor 2025 is a leap year


def test_it_reads_syslog_header_variants() -> None:
    tracker = tracker_for()
    rsyslog = tracker.analyse("2026-11-22T09:15:02.123456+01:00 srv-fs01 sshd[123]: Failed password for root")
    assert rsyslog == LineInfo(FORMATS["syslog-rfc3164"], utc(2026, 11, 22, 8, 15, 2, 123456), "srv-fs01")
    no_host = tracker.analyse("Nov 22 09:15:02 unbound[1234:0] info: 192.0.2.10 evil.example. A IN")
    assert no_host == LineInfo(FORMATS["syslog-rfc3164"], utc(2026, 11, 22, 8, 15, 2), None)
    with_pri = tracker.analyse("<34>Nov  2 09:15:02 2001:db8::5 named[88]: client @0x7f 192.0.2.10#5311: query")
    assert with_pri == LineInfo(FORMATS["syslog-rfc3164"], utc(2026, 11, 2, 8, 15, 2), "2001:db8::5")
    assert tracker.analyse("1 2026-11-22T08:15:02Z fw - - - - x").format == FORMATS["syslog-rfc5424"]


def test_it_reads_bind_iso_times_and_european_windows_dates() -> None:
    tracker = tracker_for()
    bind = tracker.analyse("2026-11-22T08:15:02.123Z client @0x7f3a2c0162a8 192.0.2.10#53211 (evil.example): query: "
                           "evil.example IN A +E(0)K (192.0.2.1)")
    assert bind == LineInfo(FORMATS["bind-query"], utc(2026, 11, 22, 8, 15, 2, 123000), None)
    packet = "0E2C PACKET  000001D4 UDP Rcv 192.0.2.10 5a3b Q [0001 D NOERROR] A (4)x(0)"
    uk = tracker.analyse(f"03/11/2026 09:15:02 {packet}")
    assert uk.log_time == utc(2026, 11, 3, 8, 15, 2)  # 24-hour clock with "/": day first (en-GB)
    us = tracker.analyse(f"03/11/2026 9:15:02 AM {packet}")
    assert us.log_time == utc(2026, 3, 11, 8, 15, 2)  # AM/PM: month first (en-US)


def test_it_prefers_fortigate_date_time_and_tz_over_eventtime() -> None:
    line = ('date=2026-11-22 time=09:15:02 devname="FG100E" devid="FG100E01" eventtime=1795335000 tz="-0500" '
            'logid="0000000013" srcip=192.0.2.10')
    assert tracker_for(line).analyse(line) == LineInfo(FORMATS["fortinet"], utc(2026, 11, 22, 14, 15, 2), "FG100E")


def test_it_reads_cef_rt_without_year() -> None:
    line = "CEF:0|Musterhersteller|NetGuard|4.2|100|Blocked|8|rt=Nov 22 09:15:02 src=192.0.2.10 dvchost=fw01"
    assert tracker_for(line).analyse(line) == LineInfo(FORMATS["cef"], utc(2026, 11, 22, 8, 15, 2), "fw01")


def test_it_reads_json_epochs_iso_strings_and_hosts() -> None:
    tracker = tracker_for()
    ecs = tracker.analyse('{"@timestamp": 1795335302123, "host": {"name": "web01"}, "message": "x"}')
    assert ecs == LineInfo(FORMATS["json-lines"], utc(2026, 11, 22, 8, 15, 2, 123000), "web01")
    fallback = tracker.analyse('{"@timestamp": "nicht gesetzt", "ts": "1795335302"}')
    assert fallback.log_time == utc(2026, 11, 22, 8, 15, 2)
    nxlog = tracker.analyse('{"EventTime": "2026-11-22 09:15:02", "Hostname": "DC01", "EventID": 4625}')
    assert nxlog == LineInfo(FORMATS["json-lines"], utc(2026, 11, 22, 8, 15, 2), "DC01")
    zeek = tracker.analyse('{"ts": "2026-11-22T08:15:02.123456Z", "uid": "CxT3Lb2nDLmWSCpA01", "query": "x.example"}')
    assert zeek == LineInfo(FORMATS["zeek-json"], utc(2026, 11, 22, 8, 15, 2, 123456), None)
    via_syslog = tracker.analyse('Nov 22 09:15:02 ids01 suricata[812]: {"timestamp": "2026-11-22T09:15:02.5+0100", '
                                 '"event_type": "dns"}')
    assert via_syslog == LineInfo(FORMATS["suricata-eve"], utc(2026, 11, 22, 8, 15, 2, 500000), "ids01")


def test_it_follows_new_zeek_headers_further_down() -> None:
    tracker, _ = track("zeek-dns.log")
    assert tracker.zeek_path == "dns"
    tracker.analyse("#path\tconn")
    tracker.analyse("#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration")
    assert tracker.zeek_path == "conn"
    row = tracker.analyse("1795335401.000001\tCkQ0Ph3cF8u8MVuHoa\t192.0.2.51\t50112\t198.51.100.66\t443\ttcp\tssl\t1.2")
    assert row == LineInfo(FORMATS["zeek-tsv"], utc(2026, 11, 22, 8, 16, 41, 1), None)
    unset = tracker.analyse("-\tCkQ0Ph3cF8u8MVuHoa\t192.0.2.51\t50112\t198.51.100.66\t443\ttcp\tssl\t1.2")
    assert unset == LineInfo(FORMATS["zeek-tsv"], None, None)


def test_it_re_detects_after_a_garbage_head() -> None:
    tracker = tracker_for("\x00\x00\x7fELF\x02\x01\x01", "\ufffd\ufffd\ufffd", "")
    assert tracker.format == FORMATS["text"]
    info = tracker.analyse("Nov 22 09:15:02 mail01 postfix/smtpd[4121]: connect from unknown[203.0.113.45]")
    assert info == LineInfo(FORMATS["postfix"], utc(2026, 11, 22, 8, 15, 2), "mail01")


def test_it_reads_lines_with_invalid_characters() -> None:
    tracker, _ = track("syslog-rfc5424.log")
    line = "<38>1 2026-11-22T09:15:02+01:00 gw01 sshd 2241 - - Invalid user \ufffd\ufffdadm\x00in from 203.0.113.77"
    assert tracker.analyse(line) == LineInfo(FORMATS["syslog-rfc5424"], utc(2026, 11, 22, 8, 15, 2), "gw01")
    broken_json = '{"timestamp":"2026-11-22T09:15:02.1+0100","event_type":"dns","x":"\x00\ufffd'
    assert tracker.analyse(broken_json) == LineInfo(FORMATS["text"], utc(2026, 11, 22, 8, 15, 2, 100000), None)


GARBAGE = [
    "",
    "   ",
    "\x00\x01\x02\xff\ufffd\ufffd",
    "\ufffd" * 20000,
    "[" * 5000,
    "{" * 5000,
    "[" * 100000 + "]" * 100000,
    '{"a":' * 3000,
    "<34>1 " + "[" * 1000,
    "<999>1 - - - - -",
    "CEF:0|",
    "CEF:0|a|b|c|d|e|f|",
    "CEF:0|" + "\\" * 1001,
    "CEF:0|a|b|c|d|e|f|rt=Nov 99 2026 99:99:99 XYZ dtz=Mars/Olympus",
    "date=2026-13-45 time=99:99:99 devname=x logid=1 tz=+9999 eventtime=9" + "9" * 40,
    "Nov 99 09:15:02 " + "a=b " * 2000,
    "99/99/9999 99:99:99 PM 0E2C PACKET x",
    "#fields",
    "#separator",
    "1795335302.123456\t",
    "[99999999999] unbound[1:0] info: x",
    '{"ts": 1e400, "uid": "C1"}',
    '{"timestamp": null, "event_type": {}}',
    '{"@timestamp": [1, 2], "time": true, "host": 5}',
]


@pytest.mark.parametrize("line", GARBAGE, ids=range(len(GARBAGE)))
def test_it_never_raises_on_garbage(line: str) -> None:
    ctx = Context(Clock.of(2026, TZ, NOW))
    for name, parser in ORDER:  # every parser on its own: the tracker's safety net would hide a crash
        result = parser(Line(line, ctx.clock), ctx)
        assert result is None or result.time is None or result.time.utcoffset() == timedelta(0), name
    info = tracker_for(line).analyse(line)
    assert isinstance(info, LineInfo)
    assert info.log_time is None


def test_it_offers_every_format_with_german_and_english_labels() -> None:
    assert len(FORMATS) == 19
    assert set(FORMATS) == {name for name, _ in ORDER} | {"text"}
    for name, fmt in FORMATS.items():
        assert isinstance(fmt, LogFormat)
        assert fmt.name == name
        assert fmt.label_de and fmt.label_en


def test_it_reads_w3c_lines_under_the_header_they_follow() -> None:
    # IIS (OWA/ECP): UTC by the W3C standard; the columns change with every #Fields header.
    lines = read("iis-owa.log")
    tracker = FormatTracker(lines[:200], year=2026, tz=TZ, now=NOW)
    seen = [tracker.analyse(line) for line in lines]  # headers too, in file order, as the runner does
    assert seen[4] == LineInfo(FORMATS["w3c"], utc(2026, 11, 22, 8, 15, 2), None)
    assert seen[6] == LineInfo(FORMATS["w3c"], utc(2026, 11, 22, 8, 16, 41), None)
    assert seen[9] == LineInfo(FORMATS["w3c"], utc(2026, 11, 22, 8, 20, 0), "EX01")
    # A line that does not fit the columns is not read as W3C.
    assert tracker.analyse("2026-11-22 08:20:00 EX01 too few columns").format != FORMATS["w3c"]
