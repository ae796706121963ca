"""``kommcert contingents set|show`` (exit 2 on bad input)."""

from __future__ import annotations

from typer.testing import CliRunner

from kommcert.cli.main import app
from kommcert.config import get_settings
from kommcert.db import make_engine, make_sessionmaker, session_scope, utcnow

YEAR = utcnow().year


def _personas() -> None:
    from tests.personas import build_personas

    engine = make_engine(get_settings().database_url)
    with session_scope(make_sessionmaker(engine)) as db:
        build_personas(db)
    engine.dispose()


def test_set_and_show(cli_db) -> None:  # noqa: ANN001
    _personas()
    runner = CliRunner()
    admin = "land_cert_admin@example.test"
    result = runner.invoke(app, ["contingents", "set", "--org", "kreis_a", "--year", str(YEAR), "--euros", "25000,50",
                                 "--as", admin])
    assert result.exit_code == 0, result.output
    assert "25000.50" in result.output
    runner.invoke(app, ["contingents", "set", "--org", "gemeinde_b1", "--year", str(YEAR), "--hours", "40",
                        "--as", admin])
    shown = runner.invoke(app, ["contingents", "show", "--year", str(YEAR), "--as", "gemeinde_a1_member@example.test"])
    assert shown.exit_code == 0, shown.output
    assert "Kreis A" in shown.output and "25000.50" in shown.output and "Gemeinde B1" not in shown.output
    one = runner.invoke(app, ["contingents", "show", "--org", "gemeinde_a1", "--year", str(YEAR), "--as", admin])
    assert one.exit_code == 0 and "Kreis A" in one.output
    other = runner.invoke(app, ["contingents", "show", "--org", "gemeinde_b1", "--year", str(YEAR),
                                "--as", "gemeinde_a1_member@example.test"])
    assert other.exit_code == 2


def test_bad_input_exits_2(cli_db) -> None:  # noqa: ANN001
    _personas()
    runner = CliRunner()
    admin = "land_cert_admin@example.test"
    for args in (["--org", "kreis_a", "--year", str(YEAR), "--euros", "-1", "--as", admin],
                 ["--org", "kreis_a", "--year", str(YEAR), "--euros", "1.001", "--as", admin],
                 ["--org", "kreis_a", "--year", str(YEAR), "--euros", "x", "--as", admin],
                 ["--org", "kreis_a", "--year", str(YEAR), "--as", admin],
                 ["--org", "kreis_a", "--year", str(YEAR), "--euros", "1", "--hours", "1", "--as", admin],
                 ["--org", "nowhere", "--year", str(YEAR), "--euros", "1", "--as", admin],
                 ["--org", "kreis_a", "--year", str(YEAR), "--euros", "1", "--as", "kreis_a_admin@example.test"],
                 ["--org", "kreis_a", "--year", str(YEAR), "--euros", "1", "--as", "nobody@example.test"]):
        result = runner.invoke(app, ["contingents", "set", *args])
        assert result.exit_code == 2, (args, result.output)
    shown = runner.invoke(app, ["contingents", "show", "--year", str(YEAR), "--as", admin])
    assert "Kreis A" not in shown.output
