"""The runner's bookkeeping across work units: line numbers and column headers per file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kommcert.indicators.types import IndicatorType
from kommcert.scan import runner
from kommcert.scan.indicator_set import CompiledSet, ScanIndicator
from kommcert.scan.sources import expand

HASH = "ab" * 32


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_header_in_a_range_without_hits_still_applies_to_later_ranges(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int) -> None:
    monkeypatch.setattr(runner, "RANGE_SIZE", 4096)
    lines = ["#separator \\x09", "#path\tfiles", "#fields\tuid\tts\tsha256"]
    # no hits, ~26 KB: more lines than the head the format is detected from
    lines += [f"F{n}\t1763800000.{n:03d}\t{n:064x}" for n in range(300)]
    lines += ["#fields\tts\tuid\tsha256"]  # the time column moves to the front
    lines += [f"1763800100.{n:03d}\tG{n}\t{n + 1000:064x}" for n in range(100)]
    lines += [f"1763804000.250\tHIT\t{HASH}"]
    log = tmp_path / "files.log"
    log.write_text("\n".join(lines) + "\n")
    compiled = CompiledSet.build([ScanIndicator(IndicatorType.sha256, HASH)])
    compiled.save(tmp_path / "cache")
    srcs, _ = expand([str(log)])
    assert jobs == 1 or len(runner.plan(srcs, jobs)) > 2
    hits, problems, stats = runner.run(srcs, compiled, runner.ScanOptions(jobs=jobs), cache_dir=tmp_path / "cache")
    assert problems == [] and stats.lines == len(lines)
    assert [(h.line, h.log_time) for h in hits] == [(len(lines), datetime(2025, 11, 22, 9, 33, 20, 250000, UTC))]


def test_many_files_keep_their_own_line_numbers(tmp_path: Path) -> None:
    for n in range(30):
        (tmp_path / f"{n:02d}.log").write_text("quiet\n" * n + f"hit evil.example in file {n}\n")
    compiled = CompiledSet.build([ScanIndicator(IndicatorType.domain, "evil.example")])
    srcs, _ = expand([str(tmp_path)])
    hits, _, stats = runner.run(srcs, compiled, runner.ScanOptions())
    assert [(Path(h.file).name, h.line) for h in hits] == [(f"{n:02d}.log", n + 1) for n in range(30)]
    assert stats.files == 30 and stats.lines == sum(n + 1 for n in range(30))
