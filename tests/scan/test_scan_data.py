"""The scan benchmark data generator (bench/scan_data.py), run small: its files keep their promises.

The checks here are deliberately independent of the generator's own reference matcher: plain substring
tests (after undoing the defanging forms the generator plants), ``ipaddress`` for ranges and kommcert's
own normaliser for the indicator values.
"""

from __future__ import annotations

import contextlib
import importlib.util
import ipaddress
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from kommcert.indicators.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "scan_data.py"
ARGS = ["--size-mb", "2", "--indicators", "500", "--seed", "1"]
FILES = ["iocs-500.txt", "iocs-500.tsv", "mixed.log", "truth.tsv", "near-misses.tsv"]
TARGET = {"domain": 0.25, "hostname": 0.05, "ipv4": 0.20, "ipv4_cidr": 0.03, "ipv6": 0.05, "ipv6_cidr": 0.01,
          "url": 0.15, "email": 0.06, "md5": 0.06, "sha1": 0.04, "sha256": 0.10}
DEFANGED = [("[.]", "."), ("(.)", "."), ("{.}", "."), ("[dot]", "."), ("(dot)", "."), ("hxxp", "http")]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          check=True, timeout=300)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scan-data")
    run("--out", out, *ARGS)
    return out


@pytest.fixture(scope="module")
def log_lines(data: Path) -> list[str]:
    text = (data / "mixed.log").read_text(encoding="ascii")
    assert text.endswith("\n")
    return text[:-1].split("\n")


@pytest.fixture(scope="module")
def indicators(data: Path) -> list[tuple[str, str]]:
    rows = [tuple(row.split("\t")) for row in (data / "iocs-500.tsv").read_text().splitlines()]
    assert all(len(r) == 2 for r in rows)
    return rows  # type: ignore[return-value]


@pytest.fixture(scope="module")
def truth(data: Path) -> list[tuple[int, str, str]]:
    rows = [row.split("\t") for row in (data / "truth.tsv").read_text().splitlines()]
    return [(int(line), kind, value) for line, kind, value in rows]


@pytest.fixture(scope="module")
def near(data: Path) -> dict[int, str]:
    rows = [row.split("\t", 1) for row in (data / "near-misses.tsv").read_text().splitlines()]
    return {int(line): note for line, note in rows}


def plain(line: str) -> str:
    """Lower case, defanging undone, Windows DNS names (``(4)evil(7)example(0)``) dotted."""
    for a, b in DEFANGED:
        line = line.replace(a, b)
    line = re.sub(r"(?:\(\d+\)[\w-]+)+\(0\)", lambda m: re.sub(r"\(\d+\)", ".", m.group())[1:-1], line)
    return line.lower()


def addresses(text: str, family: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    pattern = r"\d+\.\d+\.\d+\.\d+" if family == 4 else r"[0-9a-f]*:[0-9a-f:]+"
    found = []
    for candidate in re.findall(pattern, text):
        with contextlib.suppress(ValueError):
            found.append(ipaddress.ip_address(candidate))
    return found


def carries(kind: str, value: str, line: str) -> bool:
    """The line shows the indicator in one of the forms the generator plants."""
    text = plain(line)
    if kind in ("domain", "hostname"):
        return value in text
    if kind == "ipv4_cidr" or kind == "ipv6_cidr":
        net = ipaddress.ip_network(value)
        return any(a in net for a in addresses(text, net.version))
    if kind == "ipv6":
        return value in text or ipaddress.ip_address(value).exploded in text
    if kind == "url":
        scheme, _, rest = value.partition("://")
        host, _, tail = rest.partition("/")
        path, _, query = ("/" + tail).partition("?")
        text = text.replace(":80/", "/").replace(":443/", "/")
        return f"{scheme}://{host}{path.rstrip('/')}".lower() in text and query.lower() in text
    return value in text  # ipv4, email, hashes


def test_files_sizes_and_counts(data: Path, log_lines: list[str], truth: list, near: dict[int, str]) -> None:
    for name in FILES:
        assert (data / name).stat().st_size > 0, name
    size = (data / "mixed.log").stat().st_size
    assert 2 << 20 <= size < 3 << 20
    assert 450 <= len({line for line, _, _ in truth}) <= 700
    assert 500 <= len(truth) <= 800
    assert 1000 <= len(near) <= 1200
    assert max(near) <= len(log_lines) and max(line for line, _, _ in truth) <= len(log_lines)
    txt = (data / "iocs-500.txt").read_text().splitlines()
    tsv = [row.split("\t")[1] for row in (data / "iocs-500.tsv").read_text().splitlines()]
    assert txt == tsv and len(txt) == 500 and len(set(txt)) == 500


def test_type_mix_follows_the_target(indicators: list[tuple[str, str]]) -> None:
    counts = Counter(kind for kind, _ in indicators)
    assert set(counts) == set(TARGET)
    for kind, share in TARGET.items():
        assert abs(counts[kind] / len(indicators) - share) <= 0.03, kind


def test_values_are_normalised_as_kommcert_stores_them(indicators: list[tuple[str, str]]) -> None:
    for kind, value in indicators:
        assert normalize(kind, value) == (kind, value), (kind, value)
        if kind in ("ipv4", "ipv6"):
            assert str(ipaddress.ip_address(value)) == value
        elif kind in ("ipv4_cidr", "ipv6_cidr"):
            net = ipaddress.ip_network(value)  # strict: host bits must be clear
            assert str(net) == value
            assert (16 <= net.prefixlen <= 30) if net.version == 4 else (32 <= net.prefixlen <= 64)
        elif kind == "url":
            scheme, _, rest = value.partition("://")
            host = rest.split("/")[0]
            assert scheme in ("http", "https") and host == host.lower() and "/" in rest
            assert not host.endswith((":80", ":443"))
        else:
            assert value == value.lower() and not value.endswith(".")


def test_every_truth_line_shows_its_indicator(log_lines: list[str], truth: list[tuple[int, str, str]],
                                              indicators: list[tuple[str, str]]) -> None:
    known = set(indicators)
    for line, kind, value in truth:
        assert (kind, value) in known
        assert carries(kind, value, log_lines[line - 1]), (line, kind, value, log_lines[line - 1])


def test_all_planted_indicators_are_hit_and_in_every_type(truth: list[tuple[int, str, str]]) -> None:
    planted = {(kind, value) for _, kind, value in truth}
    assert len(planted) == 200
    assert {kind for kind, _ in planted} == set(TARGET)


def test_near_misses_are_not_truth_lines(truth: list[tuple[int, str, str]], near: dict[int, str]) -> None:
    assert not near.keys() & {line for line, _, _ in truth}
    notes = " ".join(near.values())
    for what in ("label prefix vs domain", "extra TLD vs domain", "dash for dot", "subdomain of hostname",
                 "extra digit vs ipv4", "leading digit vs ipv4", "fifth octet vs ipv4", "just above ipv4_cidr",
                 "ipv6", "different path vs url", "different host, same path", "path extended vs url",
                 "without the query", "longer local part vs email", "hex run one longer than sha256",
                 "leading hex digit vs md5"):
        assert what in notes, what


def test_near_miss_lines_carry_their_near_miss(log_lines: list[str], near: dict[int, str]) -> None:
    for line, note in near.items():
        value = note.rsplit(" ", 1)[1]  # descriptions end in the indicator they resemble
        text = plain(log_lines[line - 1])
        if note.startswith(("label prefix vs domain", "extra TLD vs domain", "subdomain of hostname")):
            assert value in text, (line, note)
            assert not re.search(rf"(?<![a-z0-9_.-]){re.escape(value)}(?![a-z0-9_-]|\.[a-z0-9])", text), line
        if note.startswith("hex run one longer than"):
            assert re.search(rf"{value}[0-9a-f]", text), (line, note)


def test_positive_forms_are_all_planted(log_lines: list[str], truth: list[tuple[int, str, str]]) -> None:
    lines = [log_lines[line - 1] for line in sorted({line for line, _, _ in truth})]
    joined = "\n".join(lines)
    for form in ("[.]", "hxxp", ")test(0)", ".test. ", "2001:0db8:", "::ffff:198.", "#53", "]:443", "%eth0",
                 ":443/", ":80/", "?utm_source=", "#top", "HTTPS://", "<", ".exe"):
        assert form in joined, form
    assert re.search(r"[0-9A-F]{64}", joined)  # an upper-case hash
    assert re.search(r"[A-Z0-9-]+\.IOC-\d+\.TEST", joined)  # an upper-case domain
    assert re.search(r"[a-z0-9-]+\.[a-z0-9-]+\.[a-z0-9-]+\.ioc-\d+\.test", joined)  # a subdomain


def test_filler_never_occurs_in_the_log(data: Path, indicators: list[tuple[str, str]],
                                        truth: list[tuple[int, str, str]]) -> None:
    planted = {value for _, _, value in truth}
    log = (data / "mixed.log").read_text(encoding="ascii").lower()
    filler = [value for _, value in indicators if value not in planted]
    assert len(filler) == 300
    for value in filler:
        assert value not in log, value


def test_same_seed_same_files(data: Path, tmp_path: Path) -> None:
    run("--out", tmp_path, *ARGS)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (data / name).read_bytes(), name


def load_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scan_data", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["scan_data"] = module
    spec.loader.exec_module(module)
    return module


def test_scoring(data: Path, tmp_path: Path, truth: list[tuple[int, str, str]], near: dict[int, str]) -> None:
    sd = load_module()
    want = sd.load_truth(data / "truth.tsv")
    misses = sd.load_near_misses(data / "near-misses.tsv")
    assert misses == near
    perfect = sd.score_hits(truth, want, misses)
    assert (perfect.precision, perfect.recall, perfect.false_positives) == (1.0, 1.0, 0)
    lines = sorted(want)
    a_near_miss = min(misses)
    found = tmp_path / "grep.out"
    found.write_text("".join(f"{n}:some line\n" for n in [*lines[1:], a_near_miss]))
    result = json.loads(run("--out", data, "--score", found).stdout)["lines"]
    assert result["tp"] == len(lines) - 1 and result["fn"] == 1
    assert result["fp"] == 1 and result["near_miss_fp"] == 1
    assert result["recall"] == round((len(lines) - 1) / len(lines), 4)
