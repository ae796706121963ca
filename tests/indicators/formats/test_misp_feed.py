from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pymisp import MISPEvent

from kommcert.errors import InvalidInput
from kommcert.indicators.formats.misp_feed import FeedEvent, read_feed, write_feed
from kommcert.indicators.formats.records import ExportRow, GroupInfo, IndicatorRecord
from kommcert.indicators.types import IndicatorType as T
from kommcert.sharing.tlp import TLP

FIXTURE = Path(__file__).parent / "fixtures" / "misp_event.json"
EVENT_A = "6a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"
EVENT_B = "7b2c3d4e-5f6a-4b7c-9d8e-9f0a1b2c3d4e"
ORG_UUID = "0b6f4c1e-1111-4a2b-8c3d-4e5f60718293"
# Relative to the (test's) clock: the browser test and the page tests import this feed and then
# expect its indicators live under the default lifetimes. Whole seconds, as MISP timestamps are.
WHEN = (datetime.now(UTC) - timedelta(days=2)).replace(minute=0, second=0, microsecond=0)


def _row(n: int, kind: T, value: str, tlp: TLP = TLP.amber, tags: tuple[str, ...] = ()) -> ExportRow:
    return ExportRow(id=n, uuid=f"c0000000-0000-4000-8000-{n:012d}", type=kind, value=value, tlp=tlp,
                     created=WHEN, modified=WHEN, valid_from=WHEN, tags=tags, comment=f"Zeile {n}")


ROWS_A = [
    _row(1, T.ipv4, "203.0.113.45"),
    _row(2, T.ipv6, "2001:db8::10", TLP.green),
    _row(3, T.ipv4_cidr, "198.51.100.0/24"),
    _row(4, T.ipv6_cidr, "2001:db8:1::/48"),
    _row(5, T.domain, "update-dienst.example", tags=("mitre-attack-pattern:T1566.001",)),
    _row(6, T.hostname, "login.stadtwerke-abrechnung.example"),
    _row(7, T.url, "https://login.stadtwerke-abrechnung.example/portal?id=1"),
    _row(8, T.email, "rechnung@stadtwerke-abrechnung.example", TLP.red),
]
ROWS_B = [
    _row(9, T.md5, "d41d8cd98f00b204e9800998ecf8427e", TLP.clear),
    _row(10, T.sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", TLP.clear),
    _row(11, T.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", TLP.clear),
]


def _events() -> list[FeedEvent]:
    return [
        FeedEvent(uuid=EVENT_A, info="Phishing <script>alert(1)</script>", date=WHEN.date(), tlp=TLP.amber,
                  org_name="CERT Musterland", org_uuid=ORG_UUID, timestamp=WHEN, rows=iter(ROWS_A)),
        FeedEvent(uuid=EVENT_B, info="Schadsoftware-Hashes", date=WHEN.date() + timedelta(days=1), tlp=TLP.clear,
                  org_name="CERT Musterland", org_uuid=ORG_UUID, timestamp=WHEN, rows=ROWS_B),
    ]


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    write_feed(_events(), tmp_path / "feed")
    return tmp_path / "feed"


def test_it_writes_events_pymisp_loads(feed: Path) -> None:
    assert sorted(p.name for p in feed.iterdir()) == sorted(["manifest.json", "hashes.csv", f"{EVENT_A}.json",
                                                            f"{EVENT_B}.json"])
    event = MISPEvent()
    event.load_file(str(feed / f"{EVENT_A}.json"))
    assert event.uuid == EVENT_A
    assert event.info == "Phishing <script>alert(1)</script>"
    assert event.published is True
    assert event.Orgc.name == "CERT Musterland" and event.Orgc.uuid == ORG_UUID
    assert [t.name for t in event.tags] == ["tlp:amber"]
    assert event.date == WHEN.date()
    assert [(a.type, a.value) for a in event.attributes] == [
        ("ip-dst", "203.0.113.45"), ("ip-dst", "2001:db8::10"), ("ip-dst", "198.51.100.0/24"),
        ("ip-dst", "2001:db8:1::/48"), ("domain", "update-dienst.example"),
        ("hostname", "login.stadtwerke-abrechnung.example"),
        ("url", "https://login.stadtwerke-abrechnung.example/portal?id=1"),
        ("email-src", "rechnung@stadtwerke-abrechnung.example"),
    ]
    assert all(a.to_ids for a in event.attributes)
    attrs = {a.value: a for a in event.attributes}
    assert [t.name for t in attrs["2001:db8::10"].tags] == ["tlp:green"]
    assert [t.name for t in attrs["update-dienst.example"].tags] == ["mitre-attack-pattern:T1566.001"]
    assert attrs["203.0.113.45"].tags == []
    assert attrs["203.0.113.45"].uuid == "c0000000-0000-4000-8000-000000000001"
    assert attrs["203.0.113.45"].comment == "Zeile 1"
    assert attrs["203.0.113.45"].timestamp == WHEN
    other = MISPEvent()
    other.load(json.loads((feed / f"{EVENT_B}.json").read_text()))
    assert [a.type for a in other.attributes] == ["md5", "sha1", "sha256"]
    assert [t.name for t in other.tags] == ["tlp:clear"]


def test_it_writes_the_event_file_in_the_shape_pymisp_produces(feed: Path) -> None:
    ours = json.loads((feed / f"{EVENT_A}.json").read_text())
    event = MISPEvent()
    event.load(json.loads((feed / f"{EVENT_A}.json").read_text()))
    reference = event.to_feed(with_meta=True)["Event"]
    for key in ("uuid", "info", "date", "analysis", "threat_level_id", "published", "timestamp",
                "publish_timestamp", "Orgc", "Tag"):
        assert ours["Event"][key] == reference[key], key
    assert ours["Event"]["Attribute"] == reference["Attribute"]
    for key in ("timestamp", "publish_timestamp", "threat_level_id", "analysis"):
        assert isinstance(ours["Event"][key], str)


def test_it_writes_a_manifest_like_pymisps(feed: Path) -> None:
    manifest = json.loads((feed / "manifest.json").read_text())
    assert list(manifest) == [EVENT_A, EVENT_B]
    event = MISPEvent()
    event.load_file(str(feed / f"{EVENT_A}.json"))
    assert manifest[EVENT_A] == event.manifest[EVENT_A]
    assert manifest[EVENT_B]["Tag"][0]["name"] == "tlp:clear"
    assert manifest[EVENT_B]["timestamp"] == int(WHEN.timestamp())


def test_it_writes_hashes_csv_with_the_md5_of_every_value(feed: Path) -> None:
    lines = (feed / "hashes.csv").read_text().splitlines()
    expected = [f"{hashlib.md5(r.value.encode()).hexdigest()},{EVENT_A}" for r in ROWS_A]  # noqa: S324
    expected += [f"{hashlib.md5(r.value.encode()).hexdigest()},{EVENT_B}" for r in ROWS_B]  # noqa: S324
    assert lines == expected
    event = MISPEvent()
    event.load_file(str(feed / f"{EVENT_B}.json"))
    assert [line.split(",")[0] for line in lines[-3:]] == event.attributes_hashes("md5")


def _triples(records: list) -> set[tuple[T, str, TLP | None]]:
    return {(r.type, r.value, r.tlp) for r in records if isinstance(r, IndicatorRecord)}


def test_it_round_trips_through_the_reader(feed: Path) -> None:
    out = list(read_feed(str(feed)))
    assert _triples(out) == {(r.type, r.value, r.tlp) for r in ROWS_A + ROWS_B}
    groups = [r for r in out if isinstance(r, GroupInfo)]
    assert [(g.external_id, g.tlp, g.source) for g in groups] == [(EVENT_A, TLP.amber, "CERT Musterland"),
                                                                  (EVENT_B, TLP.clear, "CERT Musterland")]
    assert all(r.block for r in out if isinstance(r, IndicatorRecord))


@pytest.fixture
def served(feed: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(feed))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def test_it_reads_a_feed_over_http_like_the_directory(served: str, feed: Path) -> None:
    assert _triples(list(read_feed(served))) == _triples(list(read_feed(str(feed))))
    assert len(_triples(list(read_feed(served)))) == len(ROWS_A) + len(ROWS_B)


def test_it_names_a_missing_event_file_over_http(served: str, feed: Path) -> None:
    (feed / f"{EVENT_B}.json").unlink()
    with pytest.raises(InvalidInput) as err:
        list(read_feed(served))
    assert f"{EVENT_B}.json" in err.value.en and "404" in err.value.en


def test_it_names_a_missing_event_file_in_a_directory(feed: Path) -> None:
    (feed / f"{EVENT_A}.json").unlink()
    with pytest.raises(InvalidInput) as err:
        list(read_feed(str(feed)))
    assert f"{EVENT_A}.json" in err.value.en and f"{EVENT_A}.json" in err.value.de


@pytest.mark.parametrize("manifest", [b"{not json", b"[1, 2]", b'{"../../etc/passwd": {}}'])
def test_it_refuses_a_bad_manifest(tmp_path: Path, manifest: bytes) -> None:
    (tmp_path / "manifest.json").write_bytes(manifest)
    with pytest.raises(InvalidInput) as err:
        list(read_feed(str(tmp_path)))
    assert "manifest.json" in err.value.en


def test_it_uses_an_injected_fetch_for_urls() -> None:
    event = json.loads(FIXTURE.read_text())
    uuid = event["Event"]["uuid"]
    files = {"https://feed.example/misp/manifest.json": json.dumps({uuid: {}}).encode(),
             f"https://feed.example/misp/{uuid}.json": FIXTURE.read_bytes()}
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        return files[url]

    out = list(read_feed("https://feed.example/misp/", fetch=fetch))
    assert asked == list(files)
    assert isinstance(out[0], GroupInfo) and out[0].external_id == uuid
    assert (T.ipv4, "203.0.113.45", TLP.amber) in _triples(out)


def test_it_writes_an_empty_event_and_replaces_an_old_feed(tmp_path: Path) -> None:
    write_feed(_events(), tmp_path)
    empty = FeedEvent(uuid=EVENT_A, info="leer", date=WHEN.date() + timedelta(days=2), tlp=TLP.green,
                      org_name="CERT Musterland", org_uuid=ORG_UUID, timestamp=WHEN, rows=[])
    write_feed([empty], tmp_path)
    event = MISPEvent()
    event.load_file(str(tmp_path / f"{EVENT_A}.json"))
    assert event.attributes == [] and event.info == "leer"
    assert list(json.loads((tmp_path / "manifest.json").read_text())) == [EVENT_A]
    assert (tmp_path / "hashes.csv").read_text() == ""
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
