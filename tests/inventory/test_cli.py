"""``kommcert inventory import|show|alias``: exit 0 with a summary, exit 2 with one line on bad input."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from kommcert.cli.main import app
from kommcert.config import get_settings
from kommcert.db import make_engine, make_sessionmaker, session_scope

A1 = "gemeinde_a1_admin@example.test"


def _personas() -> None:
    from tests.inventory.conftest import add_provider
    from tests.personas import build_personas

    engine = make_engine(get_settings().database_url)
    with session_scope(make_sessionmaker(engine)) as db:
        add_provider(build_personas(db))
    engine.dispose()


def test_import_and_show(cli_db) -> None:  # noqa: ANN001
    _personas()
    runner = CliRunner()
    csv = cli_db / "inventar.csv"
    csv.write_text("Hersteller;Produkt;Version;Anzahl\nMicrosoft;Exchange Server;2019;2\n", encoding="utf-8")
    done = runner.invoke(app, ["inventory", "import", str(csv), "--as", A1, "--format", "csv"])
    assert done.exit_code == 0, done.output
    assert "1 Zeilen" in done.output
    sbom = cli_db / "bom.json"
    sbom.write_text(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.4",
                                "components": [{"name": "openssl", "version": "3.0.1"}]}))
    assert runner.invoke(app, ["inventory", "import", str(sbom), "--as", A1, "--format", "cyclonedx",
                               "--replace"]).exit_code == 0
    shown = runner.invoke(app, ["inventory", "show", "--as", "kreis_a_admin@example.test", "--org", "gemeinde_a1"])
    assert shown.exit_code == 0 and "Exchange Server" in shown.output and "openssl" in shown.output
    hidden = runner.invoke(app, ["inventory", "show", "--as", "kreis_b_admin@example.test", "--org", "gemeinde_a1"])
    assert hidden.exit_code == 2 and "Exchange" not in hidden.output


def test_bad_input_exits_2_and_imports_nothing(cli_db) -> None:  # noqa: ANN001
    _personas()
    runner = CliRunner()
    bad_csv = cli_db / "bad.csv"
    bad_csv.write_text("produkt;farbe\nx;y\n", encoding="utf-8")
    bad_line = cli_db / "line.csv"
    bad_line.write_text("produkt;anzahl\nx;1\ny;-3\n", encoding="utf-8")
    huge = cli_db / "huge.json"
    huge.write_text(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5",
                                "components": [{"name": f"c{i}"} for i in range(100_001)]}))
    for args, fragment in (
            ([str(bad_csv), "--format", "csv"], "farbe"),
            ([str(bad_line), "--format", "csv"], "Zeile 3"),
            ([str(huge), "--format", "cyclonedx"], "100.000"),
            ([str(cli_db / "missing.csv"), "--format", "csv"], "nicht gefunden"),
            ([str(bad_line), "--format", "csv", "--org", "nowhere"], "nowhere"),
            ([str(bad_line), "--format", "csv", "--org", "gemeinde_b1"], "Nicht gefunden")):
        result = runner.invoke(app, ["inventory", "import", *args, "--as", A1])
        assert result.exit_code == 2, (args, result.output)
        assert fragment in result.output, (args, result.output)
    shown = runner.invoke(app, ["inventory", "show", "--as", A1])
    assert "0 Zeilen" in shown.output
    assert runner.invoke(app, ["inventory", "import", str(bad_csv), "--format", "xml", "--as", A1]).exit_code == 2


def test_alias_add_list_remove(cli_db) -> None:  # noqa: ANN001
    _personas()
    runner = CliRunner()
    cert = "land_cert_analyst@example.test"
    added = runner.invoke(app, ["inventory", "alias", "add", "product", "Factory Talk", "FactoryTalk", "--as", cert])
    assert added.exit_code == 0 and "factory_talk → factorytalk" in added.output
    assert runner.invoke(app, ["inventory", "alias", "add", "vendor", "MS", "Microsoft", "--as", A1]).exit_code == 2
    listed = runner.invoke(app, ["inventory", "alias", "list"])
    alias_id = listed.output.split()[0]
    assert runner.invoke(app, ["inventory", "alias", "remove", alias_id, "--as", cert]).exit_code == 0
    assert runner.invoke(app, ["inventory", "alias", "remove", alias_id, "--as", cert]).exit_code == 2
