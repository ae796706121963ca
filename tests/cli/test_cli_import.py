"""``kommcert indicators import`` for people: where JSON is broken, progress, German plurals."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from kommcert.cli import common
from kommcert.cli.main import app

runner = CliRunner()
CERT = "analystin@lcert.musterland.example"


@pytest.fixture
def demo(cli_db: Path) -> Path:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    return cli_db


def test_broken_json_names_line_and_column_in_german_and_english(demo: Path) -> None:
    broken = demo / "broken.json"
    broken.write_text('{\n  "type": "bundle",\n  "objects": [ {"type": "indicator",, } ]\n}\n')
    result = runner.invoke(app, ["indicators", "import", str(broken), "--as", CERT], env={"KOMMCERT_LANG": "de"})
    assert result.exit_code == 2
    assert result.output.strip() == ("Fehler: broken.json: kein gültiges JSON – Zeile 3, Spalte 37: hier gehört ein "
                                     "Name in doppelten Anführungszeichen hin")
    misp = demo / "event.json"
    misp.write_text('{"Event": {"info": "x",\n "Attribute": [}}')
    english = runner.invoke(app, ["indicators", "import", str(misp), "--format", "misp", "--as", CERT],
                            env={"KOMMCERT_LANG": "en"})
    assert english.exit_code == 2
    assert "event.json: invalid JSON – line 2, column 16: a value is missing here" in english.output


def test_a_broken_warninglist_names_line_and_column(demo: Path) -> None:
    broken = demo / "wl.json"
    broken.write_text('{"name": "x"\n "list": []}')
    result = runner.invoke(app, ["warninglists", "import", str(broken)], env={"KOMMCERT_LANG": "de"})
    assert result.exit_code == 2 and "Zeile 2, Spalte 2: hier fehlt ein Komma" in result.output


def test_it_shows_values_read_and_says_1_indikator_and_1_meldung(demo: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(common, "err_console", Console(file=screen, force_terminal=True, width=80))
    one = demo / "one.txt"
    one.write_text("evil-one.example\n")
    result = runner.invoke(app, ["indicators", "import", str(one), "--format", "text", "--as", CERT],
                           env={"KOMMCERT_LANG": "de"})
    assert result.exit_code == 0, result.output
    assert "1 Indikator übernommen (1 neu," in result.output and ", Meldung " in result.output
    assert "1 Wert gelesen" in screen.getvalue()  # the live line on the terminal
    many = demo / "many.txt"
    many.write_text("".join(f"host{i}.evil.example\n" for i in range(12000)))
    screen.truncate(0)
    result = runner.invoke(app, ["indicators", "import", str(many), "--format", "text", "--as", CERT])
    assert "12000 Indikatoren übernommen" in result.output
    assert "5000 Werte gelesen" in screen.getvalue() and "10000 Werte gelesen" in screen.getvalue()
