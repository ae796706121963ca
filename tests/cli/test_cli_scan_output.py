"""``kommcert scan`` output for people: German plurals, valid types named, tables that fit 80 columns."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kommcert.cli.main import app

runner = CliRunner()
LONG = "a-very-long-subdomain-name-for-testing.malicious-domain-example.example"


def _logs(tmp_path: Path, files: int) -> tuple[Path, Path]:
    feed = tmp_path / "feed.txt"
    feed.write_text(f"evil.example\n{LONG}\n")
    logs = tmp_path / "logs"
    logs.mkdir()
    for i in range(files):
        (logs / f"dns{i}.log").write_text(f"query {LONG} from 10.0.0.{i}\n")
    return feed, logs


def test_it_says_1_treffer_in_1_datei(tmp_path: Path) -> None:
    feed, logs = _logs(tmp_path, 1)
    result = runner.invoke(app, ["scan", str(logs), "--feed", str(feed)], env={"KOMMCERT_LANG": "de"})
    assert result.exit_code == 1
    assert "1 Treffer in 1 Datei (1 Zeile)." in result.stdout


def test_it_says_3_treffer_in_3_dateien_and_english_plurals(tmp_path: Path) -> None:
    feed, logs = _logs(tmp_path, 3)
    german = runner.invoke(app, ["scan", str(logs), "--feed", str(feed)], env={"KOMMCERT_LANG": "de"})
    assert "3 Treffer in 3 Dateien (3 Zeilen)." in german.stdout
    english = runner.invoke(app, ["scan", str(logs), "--feed", str(feed), "--lang", "en"])
    assert "3 hits in 3 files (3 lines)." in english.stdout


def test_no_hits_counts_files_and_lines_with_plurals(tmp_path: Path) -> None:
    feed, logs = _logs(tmp_path, 0)
    (logs / "one.log").write_text("nothing here\n")
    result = runner.invoke(app, ["scan", str(logs), "--feed", str(feed)], env={"KOMMCERT_LANG": "de"})
    assert result.exit_code == 0 and "1 Datei, 1 Zeile durchsucht." in result.stdout


def test_a_mistyped_type_lists_the_valid_ones(tmp_path: Path) -> None:
    feed, logs = _logs(tmp_path, 1)
    result = runner.invoke(app, ["scan", str(logs), "--feed", str(feed), "--type", "domian"],
                           env={"KOMMCERT_LANG": "de"})
    assert result.exit_code == 2
    assert "Unbekannter Typ: domian (gültig sind: ipv4, ipv6," in result.stderr and "domain" in result.stderr


def test_the_hit_table_does_not_break_values_mid_word_at_80_columns(tmp_path: Path) -> None:
    feed, logs = _logs(tmp_path, 1)
    result = runner.invoke(app, ["scan", str(logs), "--feed", str(feed)],
                           env={"KOMMCERT_LANG": "de", "COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    table_rows = [line for line in lines if "a-very" in line]
    assert len(table_rows) == 1  # the hit is one row: nothing folded onto a second line
    cells = [cell.strip() for cell in table_rows[0].split("│")[1:-1]]
    assert cells[0].endswith("…") and LONG.startswith(cells[0][:-1])  # shortened, never cut into pieces
    assert cells[1:3] == ["domain", "1"]
    assert cells[4].endswith("…") or cells[4].endswith(".log:1")
    assert "Zeitraum" in result.stdout  # first and last time share a column in a narrow terminal


def test_a_log_time_is_never_broken_inside_its_date_or_time_at_80_columns(tmp_path: Path) -> None:
    (tmp_path / "feed.txt").write_text("198.51.100.7\n")
    (tmp_path / "fw.log").write_text("2020-01-15T07:12:06+01:00 fw kernel: DROP SRC=198.51.100.7 DST=10.0.0.5\n")
    result = runner.invoke(app, ["scan", str(tmp_path / "fw.log"), "--feed", str(tmp_path / "feed.txt")],
                           env={"KOMMCERT_LANG": "de", "COLUMNS": "80", "NO_COLOR": "1",
                                "KOMMCERT_TIMEZONE": "Europe/Berlin"})
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    row = next(n for n, line in enumerate(lines) if "198.51.100.7" in line)
    assert "15.01.2020" in lines[row] and "07:12:06 MEZ" in lines[row + 1]  # the date above its time
    assert "fw.log:1" in lines[row]
