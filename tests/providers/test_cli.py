from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kommcert.cli.main import app

runner = CliRunner()

ORGS = ("key,kind,name,parent_key\nland,land,Testland,\nkreis_a,kreis,Kreis A,land\n"
        "x,dienstleister,Dienstleister X,land\n")
GOOD = ("organisation;person;qualifikationen;fähigkeiten;regionen;rufbereitschaft;e-mail;telefon\n"
        "x;;Vorfallsbearbeitung;Host-Forensik|recovery;kreis_a;0800 1;;\n"
        "x;Frieda Forensik;;host_forensics;;;frieda@x.example;0171 1\n")


def _orgs(cli_db: Path) -> None:
    path = cli_db / "orgs.csv"
    path.write_text(ORGS, encoding="utf-8")
    assert runner.invoke(app, ["orgs", "import-csv", str(path)]).exit_code == 0


def test_it_imports_and_lists_providers(cli_db: Path) -> None:
    _orgs(cli_db)
    path = cli_db / "helfer.csv"
    path.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(app, ["providers", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 Dienstleister, 1 Personen" in result.output
    listing = runner.invoke(app, ["providers", "list"])
    flat = " ".join(listing.output.split())  # the table wraps long cells in a narrow terminal
    assert listing.exit_code == 0 and "Dienstleister" in flat and "Host-Forensik" in flat, listing.output
    assert "Kreis A" in flat and "0800 1" in flat
    filtered = runner.invoke(app, ["providers", "list", "--skill", "malware_analysis"])
    assert filtered.exit_code == 0 and "Dienstleister X" not in filtered.output


def test_a_bad_file_exits_2_with_one_line_and_writes_nothing(cli_db: Path) -> None:
    _orgs(cli_db)
    path = cli_db / "helfer.csv"
    path.write_text(GOOD + "x;Anna;;zaubern;;;;\n", encoding="utf-8")
    result = runner.invoke(app, ["providers", "import", str(path)])
    assert result.exit_code == 2
    assert "helfer.csv, Zeile 4: unbekannte Fähigkeit" in result.output
    assert len(result.output.strip().splitlines()) <= 2
    assert "Dienstleister X" not in runner.invoke(app, ["providers", "list"]).output


def test_a_missing_file_or_unknown_skill_exits_2(cli_db: Path) -> None:
    assert runner.invoke(app, ["providers", "import", str(cli_db / "nope.csv")]).exit_code == 2
    assert runner.invoke(app, ["providers", "list", "--skill", "zaubern"]).exit_code == 2
