"""The CLI never guesses a database and answers an unreachable or unmigrated one in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kommcert.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize("args", [["jobs", "list"], ["demo"], ["db", "upgrade"], ["users", "list", "--org", "x"],
                                  ["worker", "--burst"]])
def test_it_says_in_one_line_that_the_database_url_is_missing(args: list[str], tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KOMMCERT_DATABASE_URL", raising=False)
    monkeypatch.delenv("KOMMCERT_DATABASE_URL_FILE", raising=False)
    result = runner.invoke(app, args, env={"KOMMCERT_ENV": "dev", "KOMMCERT_LANG": "de"})
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "KOMMCERT_DATABASE_URL ist nicht gesetzt" in lines[0]
    assert list(tmp_path.iterdir()) == []  # no ./kommcert.sqlite3 created on the side


def test_it_tells_to_run_db_upgrade_on_an_empty_database(tmp_path: Path) -> None:
    env = {"KOMMCERT_ENV": "dev", "KOMMCERT_LANG": "de", "KOMMCERT_DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}"}
    result = runner.invoke(app, ["jobs", "list"], env=env)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Fehler: Die Datenbank ist nicht eingerichtet (Tabellen fehlen): kommcert db upgrade ausführen."]


def test_it_names_an_unreachable_database_in_one_line(tmp_path: Path) -> None:
    env = {"KOMMCERT_ENV": "dev", "KOMMCERT_LANG": "de",
           "KOMMCERT_DATABASE_URL": f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}"}
    for args in (["demo"], ["db", "upgrade"]):
        result = runner.invoke(app, args, env=env)
        assert result.exit_code == 2, args
        assert [line for line in result.output.splitlines() if line.strip()] == [
            "Fehler: Datenbank nicht erreichbar: unable to open database file"], args


def test_it_answers_in_english_when_asked(tmp_path: Path) -> None:
    env = {"KOMMCERT_ENV": "dev", "KOMMCERT_LANG": "en", "KOMMCERT_DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}"}
    result = runner.invoke(app, ["jobs", "list"], env=env)
    assert result.exit_code == 2
    assert "Error: The database is not set up (tables missing): run kommcert db upgrade." in result.output


def test_a_csv_without_format_suggests_format_csv(tmp_path: Path) -> None:
    for name, text, wanted in (("iocs.csv", "Wert;Typ\nevil.example;domain\n", "--format csv"),
                               ("iocs", "value,type\nevil.example,domain\n", "--format csv"),
                               ("list.txt", "evil.example\n", "--format text")):
        path = tmp_path / name
        path.write_text(text)
        result = runner.invoke(app, ["indicators", "import", str(path), "--as", "x@example.org"],
                               env={"KOMMCERT_LANG": "de"})
        assert result.exit_code == 2, name
        assert f"Die Datei ist kein JSON: bitte {wanted} angeben" in result.output, name
