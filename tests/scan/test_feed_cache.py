"""``kommcert scan --feed FILE`` keeps the compiled set and uses it again while the file is unchanged."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kommcert.cli.main import app
from kommcert.scan import indicator_set


def _stix(path: Path, values: dict[str, datetime | None]) -> Path:
    objects = []
    for n, (value, until) in enumerate(values.items()):
        obj = {"type": "indicator", "spec_version": "2.1", "id": f"indicator--fe000000-0000-4000-8000-{n:012d}",
               "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z", "pattern_type": "stix",
               "pattern": f"[domain-name:value = '{value}']", "valid_from": "2020-01-01T00:00:00Z"}
        if until is not None:
            obj["valid_until"] = until.strftime("%Y-%m-%dT%H:%M:%SZ")
        objects.append(obj)
    path.write_text(json.dumps({"type": "bundle", "id": "bundle--fe000000-0000-4000-8000-000000000000",
                                "objects": objects}))
    return path


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every time the feed file is actually read."""
    calls: list[Path] = []
    original = indicator_set.read_feed_file

    def counting(path: Path):  # noqa: ANN202
        calls.append(path)
        return original(path)

    monkeypatch.setattr(indicator_set, "read_feed_file", counting)
    return calls


def _values(compiled: indicator_set.CompiledSet) -> list[str]:
    return sorted(ind.value for ind in compiled.indicators)


def test_it_uses_the_compiled_set_again_while_the_file_is_unchanged(tmp_path, reads) -> None:  # noqa: ANN001
    now = datetime.now(UTC)
    feed = _stix(tmp_path / "feed.json", {"evil.example": None, "bad.example": now + timedelta(days=30)})
    first, stats = indicator_set.from_file(feed, now=now, cache_dir=tmp_path / "cache")
    again, stats_again = indicator_set.from_file(feed, now=now + timedelta(hours=1), cache_dir=tmp_path / "cache")
    assert len(reads) == 1
    assert _values(again) == _values(first) == ["bad.example", "evil.example"]
    assert stats_again == stats and stats.loaded == 2
    assert again.engine == first.engine


def test_it_reads_the_file_again_after_it_changed(tmp_path, reads) -> None:  # noqa: ANN001
    now = datetime.now(UTC)
    feed = _stix(tmp_path / "feed.json", {"evil.example": None})
    indicator_set.from_file(feed, now=now, cache_dir=tmp_path / "cache")
    _stix(feed, {"other.example": None})
    stamp = feed.stat().st_mtime_ns + 1_000_000_000
    os.utime(feed, ns=(stamp, stamp))
    changed, _ = indicator_set.from_file(feed, now=now, cache_dir=tmp_path / "cache")
    assert len(reads) == 2 and _values(changed) == ["other.example"]


def test_it_builds_the_set_again_when_one_of_its_indicators_expired(tmp_path, reads) -> None:  # noqa: ANN001
    now = datetime.now(UTC)
    feed = _stix(tmp_path / "feed.json", {"evil.example": None, "soon.example": now + timedelta(days=1)})
    indicator_set.from_file(feed, now=now, cache_dir=tmp_path / "cache")
    later, stats = indicator_set.from_file(feed, now=now + timedelta(days=2), cache_dir=tmp_path / "cache")
    assert len(reads) == 2
    assert _values(later) == ["evil.example"] and stats.expired == 1


def test_it_works_without_a_writable_cache(tmp_path, reads) -> None:  # noqa: ANN001
    feed = _stix(tmp_path / "feed.json", {"evil.example": None})
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache directory would be")
    compiled, _ = indicator_set.from_file(feed, now=datetime.now(UTC), cache_dir=blocked / "cache")
    assert _values(compiled) == ["evil.example"]


def test_the_scan_command_reads_a_feed_file_once_for_two_runs(tmp_path, reads) -> None:  # noqa: ANN001
    feed = _stix(tmp_path / "feed.json", {"evil.example": None})
    log = tmp_path / "mail.log"
    log.write_text("Dec  1 08:00:01 mx postfix/smtpd[1]: connect from evil.example[198.51.100.7]\n")
    runs = [CliRunner().invoke(app, ["scan", str(log), "--feed", str(feed), "--format", "jsonl",
                                     "--cache-dir", str(tmp_path / "cache")]) for _ in range(2)]
    assert [r.exit_code for r in runs] == [1, 1]  # a hit each time
    assert runs[0].stdout == runs[1].stdout and "evil.example" in runs[0].stdout
    assert len(reads) == 1
