"""``kommcert incidents report|list`` in the demo Land: the Gemeinde reports, Seedorf sees nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kommcert.cli.main import app

runner = CliRunner()
GEMEINDE = "buero@kleinmusterdorf.example"
SEEDORF = "buero@seedorf.example"
KREIS = "it@beispielkreis.example"
CERT = "analystin@lcert.musterland.example"
WIDE = {"COLUMNS": "200", "KOMMCERT_LANG": "de"}
ANSWERS = ["--systems", "Fileserver", "--observed", "Alle Dateien enden auf .locked"]


@pytest.fixture
def demo(cli_db: Path) -> Path:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    return cli_db


def _ids(output: str) -> set[str]:
    cells = {line.split("│")[1].strip() for line in output.splitlines() if line.startswith("│")}
    return cells - {""}  # a narrow terminal wraps a row onto lines without its number


def _reported_id(output: str) -> str:
    """The number in "Vorfall 7 gemeldet: …" (the table's other columns depend on the terminal's width)."""
    return output.split("Vorfall ", 1)[1].split(" ", 1)[0]


def _report(*args: str, env: dict | None = None):  # noqa: ANN202
    return runner.invoke(app, ["incidents", "report", *args], env=env or WIDE)


def test_a_gemeinde_reports_with_a_file_and_seedorf_does_not_see_it(demo: Path) -> None:
    note = demo / "README_DECRYPT.txt"
    note.write_text("Ihre Dateien sind verschlüsselt.")
    before = _ids(runner.invoke(app, ["incidents", "list", "--as", CERT], env=WIDE).output)
    result = _report("--as", GEMEINDE, "--category", "ransomware", *ANSWERS, "--ransom-note", "--file", str(note),
                     "--since", (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    assert result.exit_code == 0, result.output
    assert "gemeldet: Ransomware – " in result.output
    added = _ids(runner.invoke(app, ["incidents", "list", "--as", CERT], env=WIDE).output) - before
    assert added == {_reported_id(result.output)}
    kreis = runner.invoke(app, ["incidents", "list", "--as", KREIS], env=WIDE)
    assert kreis.exit_code == 0 and added <= _ids(kreis.output)
    seedorf = runner.invoke(app, ["incidents", "list", "--as", SEEDORF], env=WIDE)
    assert seedorf.exit_code == 0 and not added & _ids(seedorf.output)


def test_the_hotline_reports_for_a_gemeinde(demo: Path) -> None:
    result = _report("--as", CERT, "--for", "991015001001", "--category", "ddos", *ANSWERS,
                     "--reporter", "Bürgermeisterin per Handy")
    assert result.exit_code == 0, result.output
    mine = runner.invoke(app, ["incidents", "list", "--as", GEMEINDE, "--mine"], env=WIDE)
    assert _reported_id(result.output) in _ids(mine.output)
    refused = _report("--as", KREIS, "--for", "991015001001", "--category", "ddos", *ANSWERS)
    assert refused.exit_code == 2 and "Nur die Hotline eines CERT" in refused.output


@pytest.mark.parametrize(("args", "message"), [
    (["--category", "ransomware", "--systems", "Fileserver"], "Bitte beantworten: „Wie haben Sie den Notfall"),
    (["--category", "ransomware", *ANSWERS, "--since", "gestern"], "--since: keine gültige Zeitangabe"),
    (["--category", "ransomware", *ANSWERS, "--for", "gibt-es-nicht"], "Unbekannte Organisation(en): gibt-es-nicht"),
    (["--category", "erdbeben", *ANSWERS], "'erdbeben' ist keiner von"),
    (["--category", "ransomware", *ANSWERS, "--file", "/nonexistent/x.png"], "nicht lesbar"),
])
def test_bad_input_is_one_line_and_exit_2_and_nothing_is_written(demo: Path, args: list[str], message: str) -> None:
    before = runner.invoke(app, ["incidents", "list", "--as", CERT], env=WIDE).output
    result = _report("--as", GEMEINDE, *args)
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert runner.invoke(app, ["incidents", "list", "--as", CERT], env=WIDE).output == before


def test_messages_and_help_in_english(demo: Path) -> None:
    env = {**WIDE, "KOMMCERT_LANG": "en"}
    result = _report("--as", GEMEINDE, "--category", "phishing", "--systems", "Mail", env=env)
    assert result.exit_code == 2 and "Please answer the question 'observed'." in result.output
    assert "Reports an IT emergency" in runner.invoke(app, ["incidents", "report", "--help"], env=env).output
    ok = _report("--as", GEMEINDE, "--category", "phishing", *ANSWERS, env=env)
    assert ok.exit_code == 0 and "Incident " in ok.output and " reported: Phishing" in ok.output
