"""--engine dask: the same scan on a (local) Dask cluster gives exactly the local engine's hits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from distributed import LocalCluster
from typer.testing import CliRunner

from kommcert.cli.main import app
from kommcert.scan import runner


@pytest.fixture(scope="module")
def cluster():  # noqa: ANN201
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as c:
        yield c


def _scan(*args: str) -> tuple[int, list[tuple]]:
    result = CliRunner().invoke(app, ["scan", *args, "--format", "jsonl"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    return result.exit_code, sorted((r["file"], r["line"], r["indicator"], r["log_time"] or "") for r in rows)


def test_dask_finds_what_the_local_engine_finds(cluster, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(runner, "RANGE_SIZE", 8192)  # several ranges per file, spread over the workers
    logs = tmp_path / "archive"
    logs.mkdir()
    for f in range(3):
        (logs / f"fw-{f}.log").write_text("".join(
            f"Nov 2{f} 10:{n % 60:02d}:00 fw kernel: n={n} SRC=198.51.100.{7 if n % 41 == 0 else 9} "
            f"q={'x.evil.example' if n % 57 == 0 else 'ok.example'}\n" for n in range(2000)))
    feed = tmp_path / "feed.txt"
    feed.write_text("198.51.100.7\nevil.example\n")
    local = _scan(str(logs), "--feed", str(feed))
    distributed = _scan(str(logs), "--feed", str(feed), "--engine", "dask", "--scheduler", cluster.scheduler_address)
    assert local[0] == distributed[0] == 1
    assert len(local[1]) == 3 * (len(range(0, 2000, 41)) + len(range(0, 2000, 57)))
    assert distributed[1] == local[1]


def test_a_missing_scheduler_is_one_line(tmp_path: Path) -> None:
    feed = tmp_path / "feed.txt"
    feed.write_text("evil.example\n")
    (tmp_path / "a.log").write_text("evil.example\n")
    result = CliRunner().invoke(app, ["scan", str(tmp_path / "a.log"), "--feed", str(feed), "--engine", "dask"])
    assert result.exit_code == 2 and "--scheduler" in result.stderr
