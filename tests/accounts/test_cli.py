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


def test_it_creates_a_user_with_an_invitation_and_lists_it(cli_demo: Path) -> None:
    result = runner.invoke(app, ["users", "create", "--org", "99102", "--email", "neu@musterberg.example",
                                 "--name", "Neu", "--role", "admin"])
    assert result.exit_code == 0, result.output
    assert "/invitation?token=" in result.output and "Passwort (nur jetzt" not in result.output
    listing = runner.invoke(app, ["users", "list", "--org", "99102"])
    assert "neu@musterberg.example" in listing.output
    again = runner.invoke(app, ["users", "invite", "neu@musterberg.example"])
    assert again.exit_code == 0 and "/invitation?token=" in again.output
    has_password = runner.invoke(app, ["users", "invite", "buero@seedorf.example"])
    assert has_password.exit_code == 2 and "schon ein Passwort" in has_password.output


def test_it_exits_2_for_bad_input(cli_demo: Path) -> None:
    assert runner.invoke(app, ["users", "create", "--org", "nope", "--email", "a@b.c", "--name", "x"]).exit_code == 2
    taken = runner.invoke(app, ["users", "create", "--org", "99102", "--email", "buero@seedorf.example",
                                "--name", "x"])
    assert taken.exit_code == 2 and "vergeben" in taken.output
    assert runner.invoke(app, ["users", "deactivate", "nobody@example.test"]).exit_code == 2


def _demo_password(email: str) -> str:
    from kommcert.demo import USERS

    return next(row[-1] for row in USERS if row[2] == email)


def test_it_creates_lists_and_revokes_tokens(cli_demo: Path) -> None:
    pw = cli_demo / "pw"
    pw.write_text(_demo_password("buero@seedorf.example") + "\n")
    created = runner.invoke(app, ["tokens", "create", "--user", "buero@seedorf.example", "--name", "Firewall",
                                  "--expires", "90d", "--password-file", str(pw)])
    assert created.exit_code == 0, created.output
    text = created.output.strip().splitlines()[-1]
    assert text.startswith("kc_")
    listing = runner.invoke(app, ["tokens", "list", "--user", "buero@seedorf.example"])
    assert "Firewall" in listing.output and text not in listing.output and "aktiv" in listing.output
    token_id = created.output.split("Token ")[1].split(" ")[0]
    assert runner.invoke(app, ["tokens", "revoke", token_id]).exit_code == 0
    assert "widerrufen" in runner.invoke(app, ["tokens", "list", "--user", "buero@seedorf.example"]).output
    assert runner.invoke(app, ["tokens", "create", "--user", "buero@seedorf.example", "--name", "x",
                               "--expires", "soon", "--password-file", str(pw)]).exit_code == 2


def test_it_creates_a_token_only_with_the_owners_password(cli_demo: Path) -> None:
    wrong = runner.invoke(app, ["tokens", "create", "--user", "buero@seedorf.example", "--name", "x"],
                          input="not the password\n")
    assert wrong.exit_code == 2 and "Passwort ist falsch" in wrong.output
    prompted = runner.invoke(app, ["tokens", "create", "--user", "buero@seedorf.example", "--name", "x"],
                             input=_demo_password("buero@seedorf.example") + "\n")
    assert prompted.exit_code == 0 and prompted.output.strip().splitlines()[-1].startswith("kc_")


def test_it_deactivates_a_user(cli_demo: Path) -> None:
    assert runner.invoke(app, ["users", "deactivate", "buero@seedorf.example"]).exit_code == 0
    assert "gesperrt" in runner.invoke(app, ["users", "list", "--org", "991025004004"]).output
