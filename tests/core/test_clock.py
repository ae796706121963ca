"""The controlled clock (tests/timetravel): with KOMMCERT_TEST_CLOCK_OFFSET_DAYS set, the tests and
the Python processes they start run that many days ahead; without it, on the real clock."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from tests.timetravel.sitecustomize import offset_days, real_time


def _shift(now: float) -> timedelta:
    return datetime.fromtimestamp(now, UTC) - datetime.fromtimestamp(real_time(), UTC)


def test_it_runs_this_process_on_the_asked_offset() -> None:
    shift = _shift(datetime.now(UTC).timestamp())
    assert abs(shift - timedelta(days=offset_days())) < timedelta(minutes=5)


def test_it_gives_child_processes_the_same_clock() -> None:
    child = subprocess.run([sys.executable, "-c", "import time; print(time.time())"], capture_output=True,
                           text=True, timeout=60, check=True)
    shift = _shift(float(child.stdout))
    assert abs(shift - timedelta(days=offset_days())) < timedelta(minutes=5)
    assert abs(datetime.fromtimestamp(float(child.stdout), UTC) - datetime.now(UTC)) < timedelta(minutes=5)
