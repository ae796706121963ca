"""Times for people are local (KOMMCERT_TIMEZONE, default Europe/Berlin) and name their zone; machine
formats stay UTC. The sample instants are fixed (a winter and a summer day of 2020): what is tested is
the formatting, not the calendar."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from kommcert import timefmt
from kommcert.config import SettingsError, load_settings
from tests.conftest import SECRET

BERLIN = timefmt.zone("Europe/Berlin")
WINTER = datetime(2020, 1, 15, 6, 12, 6, tzinfo=UTC)  # 07:12:06 MEZ
SUMMER = datetime(2020, 7, 15, 6, 12, 6, tzinfo=UTC)  # 08:12:06 MESZ
TEMPLATES = Path(timefmt.__file__).parent / "web" / "templates"


def test_it_shows_local_time_with_the_german_zone_name() -> None:
    assert timefmt.format_datetime(WINTER, BERLIN) == "15.01.2020 07:12 MEZ"
    assert timefmt.format_datetime(SUMMER, BERLIN, seconds=True) == "15.07.2020 08:12:06 MESZ"
    assert timefmt.format_datetime(WINTER, BERLIN, "en") == "2020-01-15 07:12 CET"
    assert timefmt.format_datetime(None, BERLIN) == ""


def test_it_takes_naive_values_as_utc() -> None:
    assert timefmt.format_datetime(WINTER.replace(tzinfo=None), BERLIN) == "15.01.2020 07:12 MEZ"


def test_it_gives_the_local_calendar_day() -> None:
    late = datetime(2020, 1, 15, 23, 30, tzinfo=UTC)  # already the 16th in Berlin
    assert timefmt.format_date(late, BERLIN) == "16.01.2020"
    assert timefmt.format_date(date(2020, 1, 15), BERLIN, "en") == "2020-01-15"


def test_it_writes_spreadsheet_times_with_their_offset() -> None:
    assert timefmt.spreadsheet_time(SUMMER.replace(microsecond=123), BERLIN) == "2020-07-15 08:12:06+02:00"
    assert datetime.fromisoformat(timefmt.spreadsheet_time(WINTER, BERLIN)) == WINTER  # still exact


def test_it_follows_the_configured_zone() -> None:
    settings = load_settings(env="test", secret_key=SECRET, timezone="America/New_York")
    assert timefmt.format_datetime(WINTER, settings.tz, "en") == "2020-01-15 01:12 EST"
    assert load_settings(env="test", secret_key=SECRET).timezone == "Europe/Berlin"


def test_it_refuses_an_unknown_zone_in_one_line() -> None:
    with pytest.raises(SettingsError, match=r"^timezone: unknown time zone 'Europe/Bärlin'"):
        load_settings(env="test", secret_key=SECRET, timezone="Europe/Bärlin")


def test_the_scanner_reads_the_zone_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KOMMCERT_TIMEZONE", raising=False)
    assert timefmt.zone_from_environment().key == "Europe/Berlin"
    monkeypatch.setenv("KOMMCERT_TIMEZONE", "UTC")
    assert timefmt.zone_from_environment().key == "UTC"


def test_no_template_formats_a_time_itself() -> None:
    """Every page shows times through |datetime or |date, so none slips back into UTC."""
    offenders = [f"{p.relative_to(TEMPLATES)}: {m.group()}" for p in sorted(TEMPLATES.rglob("*.html"))
                 for m in re.finditer(r"\.(strftime|isoformat)\([^)]*\)|\bUTC\b", p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_filters_render_in_the_page_language() -> None:
    from kommcert.web.templating import environment

    template = environment().from_string("{{ t|datetime }} / {{ t|date }} / {{ 12345|number }} / {{ k|type_label }}")
    settings = load_settings(env="test", secret_key=SECRET)
    assert template.render(t=SUMMER, k="ipv4_cidr", lang="de", settings=settings,
                           _=lambda s: s) == "15.07.2020 08:12 MESZ / 15.07.2020 / 12.345 / IPv4-Netz"
    from kommcert import i18n

    assert template.render(t=SUMMER, k="ipv4_cidr", lang="en", settings=settings,
                           _=i18n.gettext_for("en")) == "2020-07-15 08:12 CEST / 2020-07-15 / 12,345 / IPv4 network"


def test_a_report_page_shows_its_time_in_local_time(client, db, personas, login, settings) -> None:  # noqa: ANN001
    from kommcert.reports import service as reports_service
    from kommcert.reports.schemas import ReportCreate
    from kommcert.sharing.tlp import TLP

    report = reports_service.create_report(db, actor=personas.actor("gemeinde_a1_member"),
                                           report_in=ReportCreate(title="Zeit", summary="", tlp=TLP.green))
    db.flush()
    login("gemeinde_a1_member")
    html = client.get(f"/reports/{report.id}").text
    shown = timefmt.format_datetime(report.created_at, settings.tz)
    assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2} MES?Z", shown) and shown in html
    assert shown in client.get("/reports").text


def test_the_audit_csv_gives_local_times_with_offset(client, personas, login, settings) -> None:  # noqa: ANN001
    login("land_cert_admin")
    rows = list(csv.DictReader(io.StringIO(client.get("/audit.csv").text)))
    assert rows, "the login itself is logged"
    stamp = rows[0]["created_at"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+0[12]:00", stamp)
    parsed = datetime.fromisoformat(stamp)
    assert parsed.utcoffset() == parsed.astimezone(settings.tz).utcoffset()


def test_the_scan_table_shows_a_log_line_in_local_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's example: a log line at 07:12 local time was printed as 06:12:06Z."""
    from typer.testing import CliRunner

    from kommcert.cli.main import app

    monkeypatch.delenv("KOMMCERT_TIMEZONE", raising=False)
    (tmp_path / "feed.txt").write_text("198.51.100.7\n")
    (tmp_path / "fw.log").write_text("2020-01-15T07:12:06+01:00 fw kernel: DROP SRC=198.51.100.7 DST=10.0.0.5\n")
    args = ["scan", str(tmp_path / "fw.log"), "--feed", str(tmp_path / "feed.txt")]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "120"})  # wide: first and last time side by side
    assert "15.01.2020 07:12:06 MEZ" in result.stdout and "06:12:06Z" not in result.stdout
    jsonl = CliRunner().invoke(app, [*args, "--format", "jsonl"])
    assert '"log_time": "2020-01-15T06:12:06Z"' in jsonl.stdout  # machines keep UTC


def test_the_job_list_of_the_cli_shows_local_time(cli_db: Path) -> None:  # noqa: ANN001
    import os

    from typer.testing import CliRunner

    from kommcert.cli.main import app
    from kommcert.db import make_engine, make_sessionmaker, session_scope
    from kommcert.jobs import service as jobs_service

    engine = make_engine(os.environ["KOMMCERT_DATABASE_URL"])
    with session_scope(make_sessionmaker(engine)) as db:
        jobs_service.enqueue(db, "mail.send", {}, run_after=SUMMER)
    engine.dispose()
    listing = CliRunner().invoke(app, ["jobs", "list"]).output
    assert "08:12:06" in listing and "MESZ" in listing and "06:12:06" not in listing  # the cell may fold
