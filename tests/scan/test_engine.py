"""Matching semantics of ``kommcert scan``: both engines, hits and near misses of every kind."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kommcert.indicators.types import IndicatorType as T
from kommcert.scan import indicator_set
from kommcert.scan.engine_py import PyMatcher
from kommcert.scan.indicator_set import CompiledSet, ScanIndicator

INDICATORS = [
    (T.domain, "evil.example"), (T.hostname, "host.bad.example"), (T.ipv4, "198.51.100.7"),
    (T.ipv4_cidr, "203.0.113.0/26"), (T.ipv4_cidr, "192.0.2.128/30"), (T.ipv6, "2001:db8::1"),
    (T.ipv6_cidr, "2001:db8:ff00::/40"), (T.url, "http://evil.example/payload.exe"),
    (T.url, "https://x.example/a?b=1"), (T.url, "http://dl.example/dir/"), (T.email, "joe@mail.example"),
    (T.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    (T.md5, "d41d8cd98f00b204e9800998ecf8427e"), (T.sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    (T.domain, "shared.example"), (T.hostname, "shared.example"),
]

# (log line, indicator values it must hit — and nothing else)
CASES = [
    ("query: a.evil.example IN A", {"evil.example"}),
    ("query: evil.example. IN A", {"evil.example"}),
    ("EVIL.Example visited", {"evil.example"}),
    ("notevil.example evil.example.org evil.example-cdn.com evil-example.test", set()),
    ("host.bad.example connected", {"host.bad.example"}),
    ("sub.host.bad.example connected", set()),  # hostnames match exactly only
    ("www.shared.example", {"shared.example"}),  # the domain covers it, the hostname does not
    ("client 198.51.100.7#53211", {"198.51.100.7"}),
    ("dst=198.51.100.7:443 (198.51.100.7)", {"198.51.100.7"}),
    ("::ffff:198.51.100.7 mapped", {"198.51.100.7"}),
    ("end of sentence 198.51.100.7.", {"198.51.100.7"}),
    ("198.51.100.70 1198.51.100.7 198.51.100.7.5 v198.51.100.7", set()),
    ("src=203.0.113.63 blocked", {"203.0.113.0/26"}),
    ("src=203.0.113.64 allowed", set()),
    ("192.0.2.131 inside, 192.0.2.132 outside", {"192.0.2.128/30"}),
    ("[2001:0db8:0000:0000:0000:0000:0000:0001]:443", {"2001:db8::1"}),
    ("from 2001:DB8::1 up", {"2001:db8::1"}),
    ("2001:db8::2 2001:db8:fe00::1", set()),
    ("peer 2001:db8:ff12::9%eth0", {"2001:db8:ff00::/40"}),
    ("GET HTTP://EVIL.EXAMPLE:80/payload.exe?x=1 HTTP/1.1", {"http://evil.example/payload.exe", "evil.example"}),
    ("GET http://evil.example/payload.exe.bak", {"evil.example"}),
    ('"url":"https://x.example:443/a/?b=1"', {"https://x.example/a?b=1"}),
    ("https://x.example/a https://x.example/a?b=2", set()),
    ("GET http://dl.example/dir 200", {"http://dl.example/dir/"}),
    ("from=<JOE@Mail.Example> to=<xjoe@mail.example>", {"joe@mail.example"}),
    ("file E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855.exe",
     {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}),
    ("md5=d41d8cd98f00b204e9800998ecf8427e sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
     {"d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709"}),
    ("0d41d8cd98f00b204e9800998ecf8427e d41d8cd98f00b204e9800998ecf8427ef xd41d8cd98f00b204e9800998ecf8427e", set()),
    ("IoC: evil[.]example and hxxp://evil[.]example/payload.exe", {"evil.example", "http://evil.example/payload.exe"}),
    ("mail joe[@]mail(dot)example from 198.51.100[.]7", {"joe@mail.example", "198.51.100.7"}),
    ("PACKET UDP Rcv 192.0.2.1 Q [0001 D NOERROR] A (3)www(4)evil(7)example(0)", {"evil.example"}),
    ("(4)evil(7)example(3)org(0)", set()),
    ("Q [0001 D NOERROR] A (3)www(4)host(3)bad(7)example(0)", set()),  # subdomain of a hostname
    ("nothing to see 10.0.0.1 example.com 09:15:02.123 1.2.3", set()),
]


@pytest.fixture(scope="module")
def compiled() -> CompiledSet:
    return CompiledSet.build(ScanIndicator(t, v) for t, v in INDICATORS)


def hits(matcher, compiled: CompiledSet, data: bytes) -> set[tuple[int, str]]:  # noqa: ANN001
    """(line index, indicator value) pairs."""
    return {(data.count(b"\n", 0, pos), compiled.indicators[idx].value)
            for pos, entry in matcher.scan(data) for idx in compiled.resolve(entry)}


def test_the_c_extension_is_built() -> None:
    # The install builds it wherever a C compiler exists (it does on CI); the fallback is slow.
    assert indicator_set._fastscan is not None
    assert CompiledSet.build([ScanIndicator(T.domain, "a.example")]).engine == "c"


@pytest.mark.parametrize(("line", "expected"), CASES, ids=[c[0][:40] for c in CASES])
@pytest.mark.parametrize("engine", ["c", "python"])
def test_it_hits_exactly(compiled: CompiledSet, engine: str, line: str, expected: set[str]) -> None:
    matcher = compiled.matcher() if engine == "c" else PyMatcher(compiled.entries)
    assert {value for _, value in hits(matcher, compiled, line.encode())} == expected


def test_both_engines_agree_on_a_whole_block(compiled: CompiledSet) -> None:
    data = "\n".join(line for line, _ in CASES).encode()
    expected = {(n, value) for n, (_, values) in enumerate(CASES) for value in values}
    assert hits(compiled.matcher(), compiled, data) == expected
    assert hits(PyMatcher(compiled.entries), compiled, data) == expected


FRAGMENTS = [
    "evil.example", "a.evil.example", "notevil.example", "198.51.100.7", "198.51.100.70", "203.0.113.5",
    "2001:db8::1", "2001:0db8::0001", "http://evil.example/payload.exe", "hxxp://evil[.]example/x", "joe@mail.example",
    "d41d8cd98f00b204e9800998ecf8427e", "(4)evil(7)example(0)", "[.]", "(dot)", "[@]", ":", "::", "/", "@", ".", "-",
    "_", "#", "=", "\"", "'", "<", ">", "(", ")", "[", "]", "{", "}", " ", "\t", "\n", "x", "7", "ff", ":443", "://",
    "EVIL.EXAMPLE", "mail.example", "1", "0", "(3)", "%",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30))
def test_both_engines_agree_on_any_mix_of_fragments(compiled: CompiledSet, parts: list[str]) -> None:
    data = "".join(parts).encode()
    assert hits(compiled.matcher(), compiled, data) == hits(PyMatcher(compiled.entries), compiled, data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_both_engines_agree_on_arbitrary_bytes(compiled: CompiledSet, data: bytes) -> None:
    assert hits(compiled.matcher(), compiled, data) == hits(PyMatcher(compiled.entries), compiled, data)


def test_a_compiled_set_survives_the_disk(compiled: CompiledSet, tmp_path) -> None:  # noqa: ANN001
    compiled.save(tmp_path)
    loaded = CompiledSet.load(tmp_path)
    data = "\n".join(line for line, _ in CASES).encode()
    assert loaded is not None and loaded.engine == "c"
    assert hits(loaded.matcher(), loaded, data) == hits(compiled.matcher(), compiled, data)


def test_a_damaged_cache_is_not_used(tmp_path) -> None:  # noqa: ANN001
    CompiledSet.build([ScanIndicator(T.domain, "a.example")]).save(tmp_path)
    assert CompiledSet.load(tmp_path) is not None
    (tmp_path / "table.kcs").write_bytes(b"garbage")
    assert CompiledSet.load(tmp_path) is None
    (tmp_path / "compiled.json").write_text('{"version": 0}')
    assert CompiledSet.load(tmp_path) is None
    with pytest.raises(ValueError, match="not a compiled"):
        indicator_set._fastscan.Matcher(b"KCSCAN01" + b"\0" * 100)
