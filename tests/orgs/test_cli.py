from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kommcert.cli.main import app
from tests.orgs.gv100ad_builder import musterland, text

runner = CliRunner()


def test_it_imports_gv100ad_from_the_command_line(cli_db: Path) -> None:
    path = cli_db / "gv.txt"
    path.write_text(text(musterland()), encoding="utf-8")
    result = runner.invoke(app, ["orgs", "import-gv100ad", str(path), "--land", "99"])
    assert result.exit_code == 0, result.output
    assert "27 neu" in result.output
    again = runner.invoke(app, ["orgs", "import-gv100ad", str(path), "--land", "99"])
    assert "0 neu" in again.output and "27 unverändert" in again.output
    listing = runner.invoke(app, ["orgs", "list", "--parent", "99101", "--flat"])
    assert "Kleinmusterdorf" in listing.output


def test_it_exits_2_with_one_line_on_a_bad_file(cli_db: Path) -> None:
    path = cli_db / "gv.txt"
    path.write_text(text(musterland()) + "60broken\n", encoding="utf-8")
    result = runner.invoke(app, ["orgs", "import-gv100ad", str(path), "--land", "99"])
    assert result.exit_code == 2
    assert "gv.txt, Zeile 32" in result.output
    assert len(result.output.strip().splitlines()) <= 2
    assert "0 neu" not in result.output
    listing = runner.invoke(app, ["orgs", "list", "--flat"])
    assert "Musterland" not in listing.output  # nothing half-imported


def test_it_names_a_missing_file(cli_db: Path) -> None:
    result = runner.invoke(app, ["orgs", "import-csv", str(cli_db / "nope.csv")])
    assert result.exit_code == 2 and "nicht gefunden" in result.output


def test_it_loads_the_demo_land_once(cli_db: Path) -> None:
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "buero@kleinmusterdorf.example" in result.output and "Demo-Kleinmusterdorf-2026" in result.output
    skipped = runner.invoke(app, ["demo", "--if-empty"])
    assert skipped.exit_code == 0 and "schon Daten" in skipped.output
    refused = runner.invoke(app, ["demo"])
    assert refused.exit_code == 2 and "leere" in refused.output
