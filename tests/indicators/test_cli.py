from __future__ import annotations

import json
import re
from pathlib import Path

from pymisp import MISPEvent
from typer.testing import CliRunner

from kommcert.cli.main import app
from tests.indicators.conftest import stix_bundle

runner = CliRunner()
CERT = "analystin@lcert.musterland.example"


def _demo(cli_db: Path) -> None:
    assert runner.invoke(app, ["demo"]).exit_code == 0


def test_it_imports_and_exports_from_the_command_line(cli_db: Path) -> None:
    _demo(cli_db)
    bundle = cli_db / "b.json"
    bundle.write_bytes(stix_bundle(["[ipv4-addr:value = '203.0.113.9']", "[domain-name:value = 'evil.example']"],
                                   tlp=None))
    result = runner.invoke(app, ["indicators", "import", str(bundle), "--as", CERT, "--tlp", "green"])
    assert result.exit_code == 0, result.output
    assert "2 Indikatoren übernommen" in result.output
    out = cli_db / "list.txt"
    assert runner.invoke(app, ["indicators", "export", "--as", "buero@seedorf.example", "--format", "txt",
                               "--type", "ipv4", "-o", str(out)]).exit_code == 0
    assert "203.0.113.9" in out.read_text() and "evil.example" not in out.read_text()
    feed = cli_db / "feed"
    assert runner.invoke(app, ["indicators", "export", "--as", CERT, "--format", "misp-feed", "-o",
                               str(feed)]).exit_code == 0
    manifest = json.loads((feed / "manifest.json").read_text())
    ours = next(uuid for uuid, meta in manifest.items() if meta["info"] == "Import b.json")
    event = MISPEvent()
    event.load_file(str(feed / f"{ours}.json"))
    assert {a.value for a in event.attributes} == {"203.0.113.9", "evil.example"}
    # and back again: a MISP feed directory imports like any MISP feed
    again = runner.invoke(app, ["indicators", "import", str(feed), "--format", "misp-feed", "--as",
                                "analyst@kcert.musterland.example"])
    assert again.exit_code == 0 and "0 neu" in again.output  # every value is known already


def test_it_exits_2_on_a_bad_file_and_imports_nothing(cli_db: Path) -> None:
    _demo(cli_db)
    bundle = cli_db / "b.json"
    bundle.write_bytes(stix_bundle(["[ipv4-addr:value = '203.0.113.9']", "[ipv4-addr:value = '203.0.113.999']"]))
    result = runner.invoke(app, ["indicators", "import", str(bundle), "--as", CERT])
    assert result.exit_code == 2 and "203.0.113.999" in result.output
    out = cli_db / "list.txt"
    runner.invoke(app, ["indicators", "export", "--as", CERT, "--format", "txt", "-o", str(out)])
    assert "203.0.113.9" not in out.read_text()
    skipped = runner.invoke(app, ["indicators", "import", str(bundle), "--as", CERT, "--skip-invalid"])
    assert skipped.exit_code == 0 and "übersprungen" in skipped.output


def test_it_manages_warninglists(cli_db: Path) -> None:
    _demo(cli_db)
    listing = runner.invoke(app, ["warninglists", "list"])
    assert "Public DNS resolvers" in listing.output
    custom = cli_db / "wl.json"
    custom.write_text(json.dumps({"name": "Eigene Server", "type": "cidr", "list": ["203.0.113.0/24"]}))
    assert runner.invoke(app, ["warninglists", "import", str(custom)]).exit_code == 0
    bad = cli_db / "bad.json"
    bad.write_text(json.dumps({"name": "x", "type": "nonsense", "list": []}))
    result = runner.invoke(app, ["warninglists", "import", str(bad)])
    assert result.exit_code == 2 and "unbekannter Typ" in result.output
    assert runner.invoke(app, ["warninglists", "disable", "Eigene Server"]).exit_code == 0
    assert runner.invoke(app, ["warninglists", "disable", "gibt es nicht"]).exit_code == 2


def test_it_adds_to_an_existing_report_of_the_own_organisation_only(cli_db: Path) -> None:
    import sqlite3

    _demo(cli_db)
    with sqlite3.connect(cli_db / "cli.sqlite3") as conn:
        [(report_id,)] = conn.execute("SELECT id FROM reports WHERE title LIKE 'Beispielkreis:%'").fetchall()
    iocs = cli_db / "iocs.txt"
    iocs.write_text("portal-scan.example\n198.51.100.79\n")
    args = ["indicators", "import", str(iocs), "--format", "text", "--report", str(report_id)]
    refused = runner.invoke(app, [*args, "--as", "buero@kleinmusterdorf.example"])  # sees it, does not own it
    assert refused.exit_code == 2 and "Nur Meldungen der eigenen Organisation" in refused.output
    added = runner.invoke(app, [*args, "--as", "it@beispielkreis.example"])
    assert added.exit_code == 0 and f"), Meldung {report_id}." in added.output
    with sqlite3.connect(cli_db / "cli.sqlite3") as conn:
        values = {v for (v,) in conn.execute(
            "SELECT i.value FROM provenances p JOIN indicators i ON i.id = p.indicator_id WHERE p.report_id = ?",
            (report_id,))}
        reports = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
    assert {"portal-scan.example", "198.51.100.79", "scan-bot.example"} <= values
    assert reports == 4  # the demo's four, no new one


def test_it_imports_each_misp_feed_event_as_its_own_report_with_its_own_tlp(cli_db: Path) -> None:
    _demo(cli_db)
    feed = cli_db / "partnerfeed"
    feed.mkdir()
    events = {"a6000000-0000-4000-8000-00000000000a": ("Öffentlich", "public-one.example.net", ["tlp:clear"]),
              "b6000000-0000-4000-8000-00000000000b": ("Intern", "secret-two.example.net", [])}
    for uuid, (info, value, tags) in events.items():
        (feed / f"{uuid}.json").write_text(json.dumps({"Event": {
            "uuid": uuid, "info": info, "Tag": [{"name": t} for t in tags],
            "Attribute": [{"uuid": uuid[:-3] + "100", "type": "domain", "to_ids": True, "value": value}]}}))
    (feed / "manifest.json").write_text(json.dumps({uuid: {"info": info} for uuid, (info, _, _) in events.items()}))
    result = runner.invoke(app, ["indicators", "import", str(feed), "--format", "misp-feed", "--as", CERT])
    assert result.exit_code == 0, result.output
    assert re.search(r"\), Meldungen \d+, \d+\.", result.output)  # two reports named, in the plural
    out = cli_db / "seedorf.txt"
    assert runner.invoke(app, ["indicators", "export", "--as", "buero@seedorf.example", "--format", "txt",
                               "--type", "domain", "-o", str(out)]).exit_code == 0
    listed = out.read_text()
    assert "public-one.example.net" in listed and "secret-two.example.net" not in listed


def test_it_names_skipped_objects_on_the_command_line(cli_db: Path) -> None:
    _demo(cli_db)
    bundle = cli_db / "b.json"
    bundle.write_bytes(stix_bundle(["[ipv4-addr:value = '203.0.113.9']", "[email-message:subject = 'Rechnung']"]))
    result = runner.invoke(app, ["indicators", "import", str(bundle), "--as", CERT])
    assert result.exit_code == 0, result.output
    assert "nicht blockierbar, übersprungen: Objekt indicator--" in result.output
    assert "email-message:subject" in result.output
