"""No test depends on today's date: the date-sensitive modules pass with the clock a year ahead.

The modules run in a pytest subprocess with KOMMCERT_TEST_CLOCK_OFFSET_DAYS=365 (see
tests/timetravel/sitecustomize.py): the test process, the CLI runs and scan servers they start all
live a year from now. The browser tests are left out (too slow for one test).
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from kommcert.db import scratch_postgres_database
from tests.timetravel.sitecustomize import DIRECTORY, OFFSET_VARIABLE

ROOT = Path(__file__).resolve().parents[2]
OFFSET_DAYS = 365
# Whole modules where every test is about dates or expiry; single tests where the rest of a module loads
# the demo Land again and again for things that do not depend on the date (the run must stay short).
SELECTION = [
    "tests/core/test_clock.py",  # asserts that the clock really moved, here and in child processes
    "tests/core/test_times.py",  # local times and zone names (MEZ/MESZ) of records made "now"
    "tests/indicators/test_cli.py::test_it_imports_and_exports_from_the_command_line",
    "tests/indicators/test_feeds.py",
    "tests/indicators/test_misp_feed_http.py",
    "tests/indicators/test_sightings.py",
    "tests/indicators/test_pages.py::test_it_shows_the_feed_addresses_and_the_picture",
    "tests/scan/test_cli.py",
    # Fixed log lines (2026-11-22 …) that are only parsed, against a NOW the tests pass in: they hold
    # whatever the calendar says, and this run shows it.
    "tests/scan/test_logformats.py",
    "tests/scan/test_sources.py",
    "tests/orgs/test_demo.py::test_it_shows_a_live_demo_land_when_loaded_a_year_from_now",
    "tests/incidents/test_demo_help_chain.py",  # contracts, contingents of "this year", the deployment's days
    "tests/helprequests/test_service.py",
    "tests/deployments/test_service.py",
    "tests/deployments/test_bad_input.py",
    "tests/advisories/test_demo_warnings.py",  # the demo's documents and statuses, dated at load time
    "tests/advisories/own/test_publish.py",  # tracking ids and directory folders of "this year"
    "tests/advisories/ingest/test_trusted_provider.py",  # changes.csv cursors and revision dates
    "tests/advisories/ingest/test_ingest.py",  # the fixture documents' fixed (past) release dates
    "tests/advisories/user/test_notifications.py",  # the daily digest
    "tests/awareness/test_service.py",  # the last 12 months of coverage, events refused in the past
    "tests/awareness/test_suggestions_reminders.py",  # the daily reminders, overdue organisations
    "tests/awareness/test_demo.py",  # the demo's events before and after now
    "tests/subscriptions/test_pull.py",  # lifetimes, backoff and the next try
    "tests/taxii/test_paging.py",  # date_added, added_after and the cursor
    "tests/federation/test_peer_policy.py",  # the push cursor of sightings
]
CLOCK_CHECKS = {"test_it_runs_this_process_on_the_asked_offset", "test_it_gives_child_processes_the_same_clock"}


@pytest.fixture
def calendar_database() -> Iterator[str | None]:
    """On PostgreSQL a database of its own (the child resets the schema of the one it uses)."""
    base = os.environ.get("KOMMCERT_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield None
        return
    with scratch_postgres_database(base, f"{make_url(base).database}_calendar") as url:
        yield url


def _child_environment(database_url: str | None) -> dict[str, str]:
    # Not an xdist worker (its database naming), no options or clock inherited from an outer run.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_XDIST_", "PYTEST_CURRENT_TEST", "PYTEST_ADDOPTS"))}
    env.pop("KOMMCERT_TEST_DATABASE_URL", None)
    if database_url:
        env["KOMMCERT_TEST_DATABASE_URL"] = database_url
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(DIRECTORY)]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env[OFFSET_VARIABLE] = str(OFFSET_DAYS)
    return env


def test_it_passes_the_date_sensitive_tests_a_year_from_now(tmp_path: Path, calendar_database: str | None) -> None:
    report = tmp_path / "calendar.xml"
    try:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", f"--junitxml={report}",
             f"--basetemp={tmp_path / 'basetemp'}", *SELECTION],
            cwd=ROOT, env=_child_environment(calendar_database), capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the run a year ahead took longer than {exc.timeout} s")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    suite = ET.parse(report).getroot().find("testsuite")  # noqa: S314 - our own child's report
    assert suite is not None
    assert int(suite.get("failures")) == int(suite.get("errors")) == int(suite.get("skipped")) == 0
    passed = {case.get("name") for case in suite.iter("testcase")}
    assert passed >= CLOCK_CHECKS
    assert {case.get("classname").rsplit(".", 1)[-1] for case in suite.iter("testcase")} == {
        Path(node.split("::")[0]).stem for node in SELECTION}
