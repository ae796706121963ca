from __future__ import annotations

import subprocess
import sys


def test_it_runs_as_python_dash_m() -> None:
    result = subprocess.run([sys.executable, "-m", "kommcert", "--help"], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "COLUMNS": "100"})
    assert result.returncode == 0
    assert "serve" in result.stdout and "worker" in result.stdout


def test_it_stops_with_one_line_when_the_secret_is_missing() -> None:
    result = subprocess.run([sys.executable, "-m", "kommcert", "db", "upgrade"], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "KOMMCERT_ENV": "prod"})
    assert result.returncode == 2
    assert "KOMMCERT_SECRET_KEY" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2 and "Traceback" not in result.stderr
