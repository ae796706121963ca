"""The scan's progress moves while a file is read, not only when it is done."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kommcert.scan import indicator_set, runner
from kommcert.scan.sources import expand


def _setup(tmp_path: Path, size_mb: int) -> tuple[list, object]:
    feed = tmp_path / "feed.txt"
    feed.write_text("evil.example\n")
    log = tmp_path / "big.log"
    line = b"2020-01-01T00:00:00Z query harmless.example from 10.0.0.1\n"
    with log.open("wb") as fh:
        for _ in range((size_mb << 20) // (len(line) * 1000)):
            fh.write(line * 1000)
        fh.write(b"query evil.example\n")
    compiled, _ = indicator_set.from_file(feed, now=datetime.now(UTC), cache_dir=tmp_path / "cache")
    srcs, problems = expand([str(log)], max_file_size=None)
    assert problems == []
    return srcs, compiled


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_advances_before_the_scan_ends(tmp_path: Path, jobs: int) -> None:
    srcs, compiled = _setup(tmp_path, 12)
    total = sum(s.size for s in srcs)
    steps: list[int] = []
    options = runner.ScanOptions(since=None, types=None, jobs=jobs, tz=ZoneInfo("Europe/Berlin"),
                                 now=datetime.now(UTC), scheduler=None, block_size=1 << 20)
    hits, _, stats = runner.run(srcs, compiled, options, cache_dir=tmp_path / "cache" if jobs > 1 else None,
                                progress=steps.append)
    assert len(hits) == 1 and stats.files == 1
    assert sum(steps) == total  # the bar ends exactly at the total
    if jobs == 1:
        assert len(steps) >= 10  # one step per 1 MB block of the one file, not one at the end
        assert steps[0] < total / 5
