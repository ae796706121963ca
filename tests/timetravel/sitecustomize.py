"""Test-only: the controlled clock, for the test run and every Python process it starts.

With ``KOMMCERT_TEST_CLOCK_OFFSET_DAYS=N`` set, ``tests/conftest.py`` moves the test process's clock N
days ahead (``time_machine.travel(now + N days, tick=True)``) and puts this directory on
``PYTHONPATH``; Python imports ``sitecustomize`` at start-up, so servers, CLI runs, spawned reader
processes and pytest-xdist workers the tests start see the same shifted clock. Never on the path of
an installation: nothing under ``src/`` knows about it.
"""

from __future__ import annotations

import os
from pathlib import Path

OFFSET_VARIABLE = "KOMMCERT_TEST_CLOCK_OFFSET_DAYS"
DIRECTORY = Path(__file__).resolve().parent


def offset_days() -> float:
    """The offset asked for; 0 when unset. A value that is not a number fails loudly."""
    raw = os.environ.get(OFFSET_VARIABLE, "").strip()
    return float(raw) if raw else 0.0


def real_time() -> float:
    """The wall clock without any travel (time-machine's escape hatch only answers while travelling)."""
    import time

    import time_machine

    return time_machine.escape_hatch.time.time() if time_machine.escape_hatch.is_travelling() else time.time()


def start() -> bool:
    """Travel ``offset_days()`` ahead of the real clock; False if there is nothing to do (no offset,
    or this process already travels, e.g. an xdist worker that ran this file at start-up)."""
    days = offset_days()
    if not days:
        return False
    from datetime import UTC, datetime, timedelta

    import time_machine

    if time_machine.escape_hatch.is_travelling():
        return False
    real = datetime.fromtimestamp(real_time(), UTC)
    time_machine.travel(real + timedelta(days=days), tick=True).start()
    return True


def export_to_children() -> None:
    """Put this directory first on PYTHONPATH, so child processes run ``start()`` when they begin."""
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(DIRECTORY) not in parts:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(DIRECTORY), *parts])


if __name__ == "sitecustomize":
    start()
