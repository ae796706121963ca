"""Every export is logged, also the one from the command line."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from kommcert.cli.main import app

runner = CliRunner()


def _exports(cli_db: Path) -> list[tuple]:
    engine = create_engine(f"sqlite:///{cli_db / 'cli.sqlite3'}")
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT actor_user_id, object_id, detail FROM audit_log "
                                     "WHERE action = 'exported' ORDER BY id")).all()
    finally:
        engine.dispose()


def test_it_logs_an_export_from_the_command_line(cli_db: Path) -> None:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    before = len(_exports(cli_db))
    out = cli_db / "list.txt"
    result = runner.invoke(app, ["indicators", "export", "--as", "buero@seedorf.example", "--format", "txt",
                                 "--type", "ipv4", "-o", str(out)])
    assert result.exit_code == 0, result.output
    feed = cli_db / "feed"
    assert runner.invoke(app, ["indicators", "export", "--as", "buero@seedorf.example", "--format", "misp-feed",
                               "-o", str(feed)]).exit_code == 0
    rows = _exports(cli_db)[before:]
    assert [r.object_id for r in rows] == ["txt", "misp-feed"]
    assert all(r.actor_user_id is not None for r in rows) and all('"cli"' in str(r.detail) for r in rows)
