"""The truth set: a generated mixed log with planted hits and near misses of every kind (the same
generator as the benchmark). kommcert scan must find every true hit and nothing else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kommcert.indicators.types import IndicatorType
from kommcert.scan import runner
from kommcert.scan.engine_py import PyMatcher
from kommcert.scan.indicator_set import CompiledSet, ScanIndicator
from kommcert.scan.sources import expand

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "scan_data.py"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("truth")
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), "--size-mb", "3", "--indicators", "800",
                    "--seed", "7"], check=True, capture_output=True, timeout=300)
    return out


def _truth(data: Path) -> set[tuple[int, str, str]]:
    rows = (line.split("\t") for line in (data / "truth.tsv").read_text().splitlines())
    return {(int(n), kind, value) for n, kind, value in rows}


def _scan(data: Path, compiled: CompiledSet, jobs: int = 1) -> set[tuple[int, str, str]]:
    srcs, problems = expand([str(data / "mixed.log")])
    hits, problems, _ = runner.run(srcs, compiled, runner.ScanOptions(jobs=jobs), cache_dir=data / "cache")
    assert problems == []
    return {(h.line, h.indicator.type.value, h.indicator.value) for h in hits}


@pytest.fixture(scope="module")
def compiled(data: Path) -> CompiledSet:
    rows = [line.split("\t") for line in (data / "iocs-800.tsv").read_text().splitlines()]
    built = CompiledSet.build(ScanIndicator(IndicatorType(kind), value) for kind, value in rows)
    built.save(data / "cache")
    return built


def test_no_false_positives_and_no_false_negatives(data: Path, compiled: CompiledSet) -> None:
    truth = _truth(data)
    found = _scan(data, compiled)
    assert len(truth) > 500
    assert found - truth == set(), "false positives"
    assert truth - found == set(), "false negatives"
    near = {int(line.split("\t")[0]) for line in (data / "near-misses.tsv").read_text().splitlines()}
    assert len(near) > 1000 and not near & {n for n, _, _ in found}


def test_two_processes_over_byte_ranges_find_the_same(data: Path, compiled: CompiledSet,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "RANGE_SIZE", 256 << 10)
    assert _scan(data, compiled, jobs=2) == _truth(data)


def test_the_python_engine_finds_the_same(data: Path, compiled: CompiledSet) -> None:
    slow = CompiledSet(compiled.indicators, compiled.refs, compiled.multi, None, entries=compiled.entries)
    assert isinstance(slow.matcher(), PyMatcher)
    assert _scan(data, slow) == _truth(data)
