from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kommcert.cli.main import app

runner = CliRunner()


@pytest.fixture
def cli_demo(cli_db: Path) -> Path:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    return cli_db


def test_it_creates_and_lists_users(cli_demo: Path) -> None:
    pw = cli_demo / "pw"
    pw.write_text("ein sehr langes passwort\n")
    result = runner.invoke(app, ["users", "create", "--org", "99102", "--email", "neu@musterberg.example",
                                 "--name", "Neu", "--role", "admin", "--password-file", str(pw)])
    assert result.exit_code == 0, result.output
    assert "nur jetzt" not in result.output  # the password came from the file
    listing = runner.invoke(app, ["users", "list", "--org", "99102"])
    assert "neu@musterberg.example" in listing.output


def test_it_prints_a_generated_password_once(cli_demo: Path) -> None:
    result = runner.invoke(app, ["users", "create", "--org", "99102", "--email", "gen@musterberg.example",
                                 "--name", "Gen"])
    assert result.exit_code == 0 and "nur jetzt sichtbar" in result.output


def test_it_exits_2_for_bad_input(cli_demo: Path) -> None:
    assert runner.invoke(app, ["users", "create", "--org", "nope", "--email", "a@b.c", "--name", "x"]).exit_code == 2
    taken = runner.invoke(app, ["users", "create", "--org", "99102", "--email", "buero@seedorf.example",
                                "--name", "x"])
    assert taken.exit_code == 2 and "vergeben" in taken.output
    assert runner.invoke(app, ["users", "deactivate", "nobody@example.test"]).exit_code == 2


def test_it_creates_lists_and_revokes_tokens(cli_demo: Path) -> None:
    created = runner.invoke(app, ["tokens", "create", "--user", "buero@seedorf.example", "--name", "Firewall",
                                  "--expires", "90d"])
    assert created.exit_code == 0, created.output
    text = created.output.strip().splitlines()[-1]
    assert text.startswith("kc_")
    listing = runner.invoke(app, ["tokens", "list", "--user", "buero@seedorf.example"])
    assert "Firewall" in listing.output and text not in listing.output and "aktiv" in listing.output
    token_id = created.output.split("Token ")[1].split(" ")[0]
    assert runner.invoke(app, ["tokens", "revoke", token_id]).exit_code == 0
    assert "widerrufen" in runner.invoke(app, ["tokens", "list", "--user", "buero@seedorf.example"]).output
    assert runner.invoke(app, ["tokens", "create", "--user", "buero@seedorf.example", "--name", "x",
                               "--expires", "soon"]).exit_code == 2


def test_it_deactivates_a_user(cli_demo: Path) -> None:
    assert runner.invoke(app, ["users", "deactivate", "buero@seedorf.example"]).exit_code == 0
    assert "gesperrt" in runner.invoke(app, ["users", "list", "--org", "991025004004"]).output
