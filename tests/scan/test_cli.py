"""``kommcert scan`` end to end: files in, hits out, exit codes, the platform's set and sightings."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from kommcert.accounts.models import TokenScope
from kommcert.cli.main import app
from kommcert.indicators import sightings as sightings_service
from kommcert.indicators.models import Indicator, Sighting
from kommcert.scan import remote, runner
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP

cli = CliRunner()
FEED = "evil.example\n198.51.100.7\n203.0.113.0/26\nhttp://evil.example/payload.exe\n" + "ab" * 32 + "\n"


def scan(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["scan", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    d = tmp_path / "logs"
    d.mkdir()
    (d / "feed.txt").write_text(FEED)
    (d / "syslog").write_text("Nov 20 09:15:02 fw kernel: DROP SRC=198.51.100.7 DST=10.0.0.5\n"
                              "Nov 20 09:16:00 fw kernel: DROP SRC=198.51.100.70 DST=10.0.0.5\n")
    with gzip.open(d / "access.log.1.gz", "wt") as f:
        f.write("1732266902.123    120 10.0.0.8 TCP_MISS/200 1234 GET http://EVIL.example:80/payload.exe - "
                "HIER_DIRECT/203.0.113.5 text/html\n")
    with bz2.open(d / "dns.log.bz2", "wt") as f:
        f.write("22-Nov-2026 09:15:02.123 client @0x7f 10.0.0.9#53211 (a.notevil.example): query: "
                "a.notevil.example IN A +E(0)K (10.0.0.1)\n")
    (d / "zeek").mkdir()
    (d / "zeek" / "files.log").write_text(
        "#separator \\x09\n#path\tfiles\n#fields\tts\tfuid\tsha256\n#types\ttime\tstring\tstring\n"
        f"1763803000.5\tF1\t{'cd' * 32}\n"
        "#fields\tts\tsha256\tfuid\n"
        f"1763804000.25\t{'AB' * 32}\tF2\n")
    (d / "broken.bin").write_bytes(b"\x00\x01\x02" * 100)
    return d


def test_it_finds_exact_hits_in_a_folder_of_mixed_logs(logs: Path) -> None:
    code, out, err = scan(str(logs), "--feed", str(logs / "feed.txt"), "--format", "jsonl", "--type", "ipv4",
                          "--type", "url", "--type", "sha256", "--type", "domain", "--type", "ipv4_cidr")
    hits = [json.loads(line) for line in out.splitlines()]
    found = {(Path(h["file"]).name, h["line"], h["indicator"]) for h in hits}
    assert found == {
        ("syslog", 1, "198.51.100.7"),
        ("access.log.1.gz", 1, "http://evil.example/payload.exe"),
        ("access.log.1.gz", 1, "evil.example"),
        ("access.log.1.gz", 1, "203.0.113.0/26"),
        ("files.log", 7, "ab" * 32),  # the second #fields header moved the column
        # feed.txt itself lists the indicators: a folder scan finds them there too
        *{("feed.txt", n, v) for n, v in enumerate(FEED.split(), start=1)},
        ("feed.txt", 4, "evil.example"),  # the URL's host
    }
    squid = next(h for h in hits if h["type"] == "url")
    assert squid["log_time"] == "2024-11-22T09:15:02Z" and squid["format"] == "squid"
    zeek = next(h for h in hits if h["type"] == "sha256" and h["file"].endswith("files.log"))
    assert zeek["log_time"] == "2025-11-22T09:33:20Z" and zeek["format"] == "zeek-tsv"
    assert "broken.bin" in err and code == 2  # the binary file is a problem; the rest was scanned


def test_exit_code_zero_without_hits_and_a_german_summary(logs: Path) -> None:
    (logs / "broken.bin").unlink()
    (logs / "feed.txt").unlink()
    feed = logs.parent / "other.txt"
    feed.write_text("nothing-here.example\n")
    code, out, _ = scan(str(logs), "--feed", str(feed))
    assert code == 0 and "Keine Treffer." in out
    code, out, _ = scan(str(logs / "syslog"), "--feed", str(logs.parent / "other.txt"), "--lang", "en")
    assert code == 0 and "No hits." in out


def test_table_summary_and_csv(logs: Path) -> None:
    code, out, _ = scan(str(logs / "syslog"), str(logs / "access.log.1.gz"), "--feed", str(logs / "feed.txt"))
    assert code == 1 and "Treffer je Indikator" in out and "198.51.100.7" in out and "syslog:1" in out
    code, out, _ = scan(str(logs / "syslog"), "--feed", str(logs / "feed.txt"), "--format", "csv")
    assert out.splitlines()[0].startswith("file,line,indicator,type,log_time")
    assert "198.51.100.7,ipv4" in out.splitlines()[1]


def test_since_drops_old_lines_and_old_files(logs: Path) -> None:
    old = time.time() - 90 * 86400
    os.utime(logs / "access.log.1.gz", (old, old))
    code, out, _ = scan(str(logs / "access.log.1.gz"), str(logs / "syslog"), "--feed", str(logs / "feed.txt"),
                        "--since", "30d", "--format", "jsonl")
    names = {Path(json.loads(line)["file"]).name for line in out.splitlines()}
    assert "access.log.1.gz" not in names and code in (0, 1)


def test_bad_arguments_are_one_line_errors_with_exit_2(logs: Path) -> None:
    feed = str(logs / "feed.txt")
    for args, text in [
        ([str(logs), "--feed", feed, "--format", "xml"], "Ausgabeformat"),
        ([str(logs), "--feed", feed, "--type", "bogus"], "Unbekannter Typ"),
        ([str(logs), "--feed", feed, "--since", "gestern"], "--since"),
        ([str(logs), "--feed", feed, "--server", "http://x.invalid"], "Genau eine Quelle"),
        ([str(logs)], "Genau eine Quelle"),
        ([str(logs), "--feed", str(logs / "missing.txt")], "nicht gefunden"),
        ([str(logs / "nope.log"), "--feed", feed], "nope.log"),
    ]:
        code, _, err = scan(*args)
        assert code == 2 and text in err, (args, err)


def test_two_jobs_find_the_same_as_one(logs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "RANGE_SIZE", 4096)  # many ranges in a small file
    big = logs / "big.log"
    lines = []
    for n in range(3000):
        lines.append(f"Nov 22 09:{n % 60:02d}:00 fw kernel: n={n} SRC=198.51.100.{7 if n % 97 == 0 else 8} "
                     f"host=x{n}.evil.example\n" if n % 13 == 0 else f"Nov 22 09:00:00 fw kernel: quiet {n}\n")
    big.write_text("".join(lines))
    one = scan(str(big), "--feed", str(logs / "feed.txt"), "--format", "jsonl", "--cache-dir", str(logs / "c"))
    two = scan(str(big), "--feed", str(logs / "feed.txt"), "--format", "jsonl", "--jobs", "2",
               "--cache-dir", str(logs / "c"))
    key = [(h["line"], h["indicator"]) for h in map(json.loads, one[1].splitlines())]
    assert one[0] == two[0] == 1 and len(key) == 3000 // 13 + 1 + len(range(0, 3000, 97 * 13))
    assert sorted(key) == sorted((h["line"], h["indicator"]) for h in map(json.loads, two[1].splitlines()))


def test_file_scan_hashes_files_and_skips_specials(tmp_path: Path) -> None:
    d = tmp_path / "srv"
    d.mkdir()
    (d / "dropper.exe").write_bytes(b"MZ evil payload")
    (d / "big.iso").write_bytes(b"x" * (2 << 20))
    (d / "clean.txt").write_text("hello")
    (d / "link").symlink_to(d / "dropper.exe")
    os.mkfifo(d / "pipe")
    feed = tmp_path / "feed.txt"
    feed.write_text(hashlib.sha1(b"MZ evil payload").hexdigest() + "\n")  # noqa: S324 - the indicator is a SHA1
    code, out, err = scan("--files", str(d), "--feed", str(feed), "--max-size", "1", "--format", "jsonl")
    hits = [json.loads(line) for line in out.splitlines()]
    assert [Path(h["file"]).name for h in hits] == ["dropper.exe"] and hits[0]["type"] == "sha1"
    assert "big.iso" in err and code == 2


class _Shared:
    """The test client as the scanner's HTTP client (closing it would end the app under test)."""

    def __init__(self, client) -> None:  # noqa: ANN001
        self.client = client

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self.client, name)

    def close(self) -> None:
        pass


@pytest.fixture
def platform(client, personas, import_stix, monkeypatch):  # noqa: ANN001, ANN201
    import_stix("kreis_a_admin", ["[ipv4-addr:value = '198.51.100.7']"],
                audience=Audience(orgs=(personas.orgs["kreis_a"].id,)))
    import_stix("land_cert_analyst", ["[domain-name:value = 'evil.example']"], tlp=TLP.green)
    import_stix("land_cert_analyst", ["[domain-name:value = 'old.example']"], tlp=TLP.green,
                valid_until="2020-01-01T00:00:00Z")
    monkeypatch.setattr(remote, "http_client", lambda: _Shared(client))
    return personas


def test_server_set_follows_the_sharing_policy_and_reports_sightings_once(
        platform, db, logs: Path, tmp_path: Path) -> None:  # noqa: ANN001
    (logs / "broken.bin").unlink()
    log = logs / "fw.log"
    log.write_text("Nov 22 09:15:02 fw kernel: 198.51.100.7 a.evil.example old.example\n")
    cache = str(tmp_path / "cache")
    token_a = platform.token("gemeinde_a1_admin", TokenScope.read_write)
    assert scan(str(log), "--server", "http://testserver", "--token", token_a, "--cache-dir", cache)[0] == 1
    cached = next(Path(cache).glob("*/set.tsv"))
    before = cached.stat().st_mtime_ns
    # unchanged data: the server answers 304 and the cached set is used
    code, out, _ = scan(str(log), "--server", "http://testserver", "--token", token_a, "--cache-dir", cache,
                        "--format", "jsonl", "--report")
    assert code == 1 and cached.stat().st_mtime_ns == before
    assert {json.loads(line)["indicator"] for line in out.splitlines()} == {"198.51.100.7", "evil.example"}
    ids = dict(db.execute(select(Indicator.value, Indicator.id)).all())
    seen = db.execute(select(Sighting.indicator_id, Sighting.count, Sighting.owner_org_id)).all()
    assert {(i, c) for i, c, _ in seen} == {(ids["198.51.100.7"], 1), (ids["evil.example"], 1)}
    assert {o for _, _, o in seen} == {platform.orgs["gemeinde_a1"].id}
    # the Land-CERT's picture shows Kreis A with both indicators
    picture = sightings_service.picture_by_kreis(db, actor=platform.actor("land_cert_analyst"),
                                                 since=datetime.now(UTC) - timedelta(days=3650))
    assert [(name, n) for name, _, n, _ in picture] == [(platform.orgs["kreis_a"].name, 2)]
    # the same scan again: the same keys, nothing counted twice
    code, _, err = scan(str(log), "--server", "http://testserver", "--token", token_a, "--cache-dir", cache,
                        "--report")
    assert code == 1 and "0 neue Sichtungen, 2 bereits bekannt" in err
    assert len(db.execute(select(Sighting.id)).all()) == 2
    # another Kreis's Gemeinde never gets Kreis A's indicator
    token_b = platform.token("gemeinde_b1_member", TokenScope.read)
    code, out, _ = scan(str(log), "--server", "http://testserver", "--token", token_b, "--cache-dir",
                        str(tmp_path / "cache-b"), "--format", "jsonl")
    assert {json.loads(line)["indicator"] for line in out.splitlines()} == {"evil.example"}


def test_offline_scan_uses_the_cache_only_for_the_same_token(platform, logs: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    (logs / "broken.bin").unlink()
    cache = str(tmp_path / "cache")
    token = platform.token("gemeinde_a1_member", TokenScope.read)
    assert scan(str(logs / "syslog"), "--server", "http://testserver", "--token", token, "--cache-dir", cache)[0] == 1

    def unreachable() -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(lambda request: (_ for _ in ()).throw(
            httpx.ConnectError("refused", request=request))))

    monkeypatch.setattr(remote, "http_client", unreachable)
    code, out, err = scan(str(logs / "syslog"), "--server", "http://testserver", "--token", token, "--cache-dir",
                          cache, "--format", "jsonl")
    assert code == 2 and "Server nicht erreichbar: verwende die Indikatoren vom" in err
    assert json.loads(out.splitlines()[0])["indicator"] == "198.51.100.7"
    other = platform.token("gemeinde_b1_member", TokenScope.read)
    code, out, err = scan(str(logs / "syslog"), "--server", "http://testserver", "--token", other, "--cache-dir",
                          cache)
    assert code == 2 and "anderen Zugang" in err and "198.51.100.7" not in out


def test_a_rejected_token_is_one_line(platform, logs: Path, tmp_path: Path) -> None:  # noqa: ANN001
    code, _, err = scan(str(logs / "syslog"), "--server", "http://testserver", "--token", "kc_wrong",
                        "--cache-dir", str(tmp_path / "c"))
    assert code == 2 and "lehnt das Token ab" in err and "kc_wrong" not in err


def test_retro_hunt_rescans_remembered_paths_when_new_indicators_arrive(
        platform, import_stix, logs: Path, tmp_path: Path) -> None:  # noqa: ANN001
    cache = str(tmp_path / "cache")
    token = platform.token("gemeinde_a1_member", TokenScope.read)
    code, _, err = scan("--retro", "--server", "http://testserver", "--token", token, "--cache-dir", cache)
    assert code == 2 and "Noch keine Pfade" in err
    log = logs / "proxy.log"
    log.write_text("Nov 22 09:15:02 proxy squid[1]: GET http://late.example/x\n")
    assert scan(str(log), "--server", "http://testserver", "--token", token, "--cache-dir", cache)[0] == 0
    # nothing new on the platform: the retro run does not scan at all
    code, out, _ = scan("--retro", "--server", "http://testserver", "--token", token, "--cache-dir", cache)
    assert code == 0 and "Keine neuen Indikatoren" in out
    # the CERT publishes late.example: the retro run finds it in the log scanned before
    import_stix("land_cert_analyst", ["[domain-name:value = 'late.example']"], tlp=TLP.green)
    code, out, _ = scan("--retro", "--server", "http://testserver", "--token", token, "--cache-dir", cache,
                        "--format", "jsonl", "--since", "3650d")
    assert code == 1 and [json.loads(line)["indicator"] for line in out.splitlines()] == ["late.example"]
    code, _, err = scan(str(log), "--retro", "--server", "http://testserver", "--token", token)
    assert code == 2 and "--retro braucht" in err


def test_feed_files_in_stix_and_misp_feed_form(logs: Path, tmp_path: Path) -> None:
    from tests.indicators.conftest import stix_bundle

    bundle = tmp_path / "bundle.json"
    bundle.write_bytes(stix_bundle(["[ipv4-addr:value = '198.51.100.7']", "[domain-name:value = 'gone.example']"],
                                   valid_until="2021-01-01T00:00:00Z"))
    code, out, err = scan(str(logs / "syslog"), "--feed", str(bundle), "--format", "jsonl")
    assert code == 0 and out == "" and "2 abgelaufen" in err  # expired indicators are skipped
    bundle.write_bytes(stix_bundle(["[ipv4-addr:value = '198.51.100.7']", "[ipv4-addr:value = '10.0.0.5']"]))
    code, out, err = scan(str(logs / "syslog"), "--feed", str(bundle), "--format", "jsonl")
    # 10.0.0.5 (RFC 1918) is on a built-in warninglist: never a hit, though the log has it
    assert code == 1 and [json.loads(x)["indicator"] for x in out.splitlines()] == ["198.51.100.7"]
    assert "1 auf Warnlisten" in err
    feed = tmp_path / "misp"
    feed.mkdir()
    published = datetime.now(UTC) - timedelta(days=1)  # the event is live under the default lifetimes
    day, stamp = published.date().isoformat(), str(int(published.timestamp()))
    event = {"Event": {"uuid": "5f0c7c4e-0000-4000-8000-000000000001", "info": "Test", "date": day,
                       "timestamp": stamp, "Attribute": [
                           {"uuid": "5f0c7c4e-0000-4000-8000-000000000002", "type": "ip-dst", "category":
                            "Network activity", "value": "198.51.100.7", "to_ids": True, "timestamp": stamp}]}}
    (feed / "5f0c7c4e-0000-4000-8000-000000000001.json").write_text(json.dumps(event))
    (feed / "manifest.json").write_text(json.dumps({"5f0c7c4e-0000-4000-8000-000000000001": {
        "info": "Test", "date": day, "timestamp": stamp, "analysis": 2, "threat_level_id": 3,
        "Tag": []}}))
    code, out, err = scan(str(logs / "syslog"), "--feed", str(feed), "--format", "jsonl")
    assert code == 1, err
    assert [json.loads(x)["indicator"] for x in out.splitlines()] == ["198.51.100.7"]


def test_reporting_retries_a_busy_server_and_gives_up_cleanly(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from kommcert.indicators.types import IndicatorType
    from kommcert.scan.indicator_set import ScanIndicator
    from kommcert.scan.runner import Hit

    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(len(json.loads(request.content)["sightings"]))
        if len(calls) == 1:
            return httpx.Response(503)
        return httpx.Response(200, json={"created": calls[-1], "duplicates": 0, "unknown": []})

    hits = [Hit("fw.log", n, ScanIndicator(IndicatorType.ipv4, f"198.51.100.{n % 200}", id=n), datetime.now(UTC),
                "text", None, False, "x") for n in range(1, 1501)]
    sightings = remote.sightings_from(hits, system="pc1")
    assert len(sightings) == 1500 and len({s.key for s in sightings}) == 1500
    client = httpx.Client(transport=httpx.MockTransport(handler))
    assert remote.report("http://x", "kc_t", sightings, client=client, pause=0) == (1500, 0, 0)
    assert calls == [1000, 1000, 500]  # batches of 1,000; the first one retried after the 503
    down = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(503)))
    with pytest.raises(remote.ScanError):
        remote.report("http://x", "kc_t", sightings[:1], client=down, pause=0)


def test_retro_every_n_minutes_repeats_until_interrupted(platform, logs: Path, tmp_path: Path,  # noqa: ANN001
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from kommcert.cli import scan as scan_cli

    cache = str(tmp_path / "cache")
    token = platform.token("gemeinde_a1_member", TokenScope.read)
    assert scan(str(logs / "syslog"), "--server", "http://testserver", "--token", token, "--cache-dir", cache)[0] == 1
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(scan_cli.time, "sleep", sleep)
    code, out, err = scan("--retro", "--every", "15", "--server", "http://testserver", "--token", token,
                          "--cache-dir", cache)
    assert code == 0 and sleeps == [900, 900] and out.count("Keine neuen Indikatoren") == 2
    assert "Nächster Lauf in 15 Minuten" in err
    assert scan(str(logs / "syslog"), "--every", "15", "--feed", str(logs / "feed.txt"))[0] == 2


def test_a_damaged_cache_is_fetched_again(platform, logs: Path, tmp_path: Path) -> None:  # noqa: ANN001
    cache = tmp_path / "cache"
    token = platform.token("gemeinde_a1_member", TokenScope.read)
    args = (str(logs / "syslog"), "--server", "http://testserver", "--token", token, "--cache-dir", str(cache))
    assert scan(*args)[0] == 1
    (next(cache.glob("*/table.kcs"))).write_bytes(b"garbage")
    code, _, err = scan(*args)  # the server says 304, the cache cannot be read: one line
    assert code == 2 and "Zwischenspeicher unlesbar" in err
    assert scan(*args)[0] == 1  # and the next run downloads the set whole
    (next(cache.glob("*/source.json"))).write_text("{not json")
    assert scan(*args)[0] == 1


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_owa_log_gives_utc_times_and_the_server_under_each_fields_header(tmp_path: Path, jobs: str) -> None:
    sample = Path(__file__).parent / "samples" / "iis-owa.log"
    (tmp_path / "feed.txt").write_text("198.51.100.23\n203.0.113.77\n")
    code, out, _ = scan(str(sample), "--feed", str(tmp_path / "feed.txt"), "--format", "jsonl", "--jobs", jobs)
    hits = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [(h["line"], h["log_time"], h["format"], h["host"]) for h in hits] == [
        (6, "2026-11-22T08:15:07Z", "w3c", None), (7, "2026-11-22T08:16:41Z", "w3c", None),
        (10, "2026-11-22T08:20:00Z", "w3c", "EX01")]


def test_a_utf16_export_is_scanned_like_any_log(tmp_path: Path) -> None:
    # Get-Content dns.log | Out-File export.log  (Windows PowerShell 5 writes UTF-16LE with a BOM)
    (tmp_path / "feed.txt").write_text("evil.example\n")
    lines = ["22.11.2026 09:15:02 0A4C PACKET  000001 UDP Rcv 10.20.0.9 1a2b   Q [0001   D   NOERROR] A "
             "(4)mail(4)evil(7)example(0)", "22.11.2026 09:15:03 0A4C PACKET  000002 UDP Rcv 10.20.0.9 1a2c   Q "
             "[0001   D   NOERROR] A (3)www(7)example(3)org(0)"]
    (tmp_path / "export.log").write_bytes(b"\xff\xfe" + "\r\n".join(lines).encode("utf-16-le"))
    code, out, _ = scan(str(tmp_path / "export.log"), "--feed", str(tmp_path / "feed.txt"), "--format", "jsonl")
    hits = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [(h["line"], h["indicator"], h["format"], h["log_time"]) for h in hits] == [
        (1, "evil.example", "windows-dns", "2026-11-22T08:15:02Z")]


def test_it_finds_an_e_mail_address_at_a_common_mail_provider_in_a_postfix_log(tmp_path: Path) -> None:
    feed = tmp_path / "absender.txt"
    feed.write_text("evil.sender@outlook.com\nrechnung@t-online.de\n")
    log = tmp_path / "mail.log"
    log.write_text("Dec  1 08:00:01 mx postfix/qmgr[812]: 4F3A21C0: from=<evil.sender@outlook.com>, size=4711, "
                   "nrcpt=1 (queue active)\n")
    code, out, err = scan(str(log), "--feed", str(feed), "--format", "jsonl")
    assert code == 1, err
    assert [json.loads(line)["indicator"] for line in out.splitlines()] == ["evil.sender@outlook.com"]
    assert "Warnlisten" not in err
