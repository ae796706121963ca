"""``kommcert awareness import-gophish|events|coverage|export``: exit 0 with a summary, exit 2 with one line."""

from __future__ import annotations

from typer.testing import CliRunner

from kommcert.cli.main import app
from kommcert.config import get_settings
from kommcert.db import make_engine, make_sessionmaker, session_scope
from tests.awareness.conftest import gophish_csv

A1 = "gemeinde_a1_admin@example.test"


def _personas() -> None:
    from tests.personas import build_personas

    engine = make_engine(get_settings().database_url)
    with session_scope(make_sessionmaker(engine)) as db:
        build_personas(db)
    engine.dispose()


def test_import_gophish_and_read_back(cli_db) -> None:  # noqa: ANN001
    _personas()
    runner = CliRunner()
    results = cli_db / "Herbst - Results.csv"
    results.write_bytes(gophish_csv({"Bauamt": [("Clicked Link", True)] * 7, "Kasse": [("Email Sent", False)] * 6,
                                        "Rat": [("Email Opened", False)] * 3}))
    done = runner.invoke(app, ["awareness", "import-gophish", str(results), "--as", A1])
    assert done.exit_code == 0, done.output
    assert "16 Empfänger" in done.output and "7 geklickt" in done.output
    exported = runner.invoke(app, ["awareness", "export", "phishing", "--as", "kreis_a_admin@example.test"])
    assert exported.exit_code == 0 and "Bauamt" in exported.output and ";Rat;" not in exported.output
    assert ";Kasse;" not in exported.output  # merged with Rat, so that Rat's three cannot be subtracted
    hidden = runner.invoke(app, ["awareness", "export", "phishing", "--as", "kreis_b_admin@example.test"])
    assert hidden.exit_code == 0 and "Bauamt" not in hidden.output
    cov = runner.invoke(app, ["awareness", "coverage", "--as", "kreis_b_admin@example.test"])
    assert cov.exit_code == 0 and "Gemeinde B1" in cov.output and "Gemeinde A1" not in cov.output
    assert runner.invoke(app, ["awareness", "events", "--as", A1]).exit_code == 0


def test_bad_input_exits_2_and_stores_nothing(cli_db) -> None:  # noqa: ANN001
    _personas()
    runner = CliRunner()
    small = cli_db / "klein.csv"
    small.write_bytes(gophish_csv({"Rat": [("Clicked Link", False)] * 4}))
    refused = runner.invoke(app, ["awareness", "import-gophish", str(small), "--as", A1])
    assert refused.exit_code == 2 and "sechs" in refused.output
    wrong = cli_db / "events.csv"
    wrong.write_text("campaign_id,email,time,message,details\n", encoding="utf-8")
    assert runner.invoke(app, ["awareness", "import-gophish", str(wrong), "--as", A1]).exit_code == 2
    listed = runner.invoke(app, ["awareness", "export", "phishing", "--as", A1])
    assert listed.exit_code == 0 and listed.output.count("\n") == 1  # the header only
