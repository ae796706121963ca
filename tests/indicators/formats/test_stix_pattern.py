"""STIX patterns: what becomes blockable values, what is refused with a reason, and the one-match
fast path giving what the token reader gives."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kommcert.indicators.formats import stix_pattern
from kommcert.indicators.formats.stix_pattern import UnsupportedPattern, parse, parse_tokens
from kommcert.indicators.types import IndicatorType as T


@pytest.mark.parametrize(("pattern", "expected"), [
    ("[ipv4-addr:value = '198.51.100.7']", [(T.ipv4, "198.51.100.7")]),
    ("[ipv4-addr:value = '2001:db8::1']", [(T.ipv6, "2001:db8::1")]),
    ("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", [(T.ipv4_cidr, "198.51.100.0/24")]),
    ("[file:hashes.'SHA-256' = 'ab']", [(T.sha256, "ab")]),
    ("[FILE:hashes.MD5='cd']", [(T.md5, "cd")]),
    ("  [ domain-name:value = 'evil.example' ]  ", [(T.domain, "evil.example")]),
    ("[url:value = 'http://x.example/a\\'b']", [(T.url, "http://x.example/a'b")]),
    ("[domain-name:value = 'a.example' OR domain-name:value = 'b.example']",
     [(T.domain, "a.example"), (T.domain, "b.example")]),
    ("[email-addr:value = 'x@y.example'] OR [url:value = 'http://z.example/']",
     [(T.email, "x@y.example"), (T.url, "http://z.example/")]),
    # MISP objects and composite attributes: one observation, comparisons joined by AND
    ("[file:name = 'rechnung.exe' AND file:hashes.MD5 = 'cd' AND file:size = 1024]", [(T.md5, "cd")]),
    ("[file:hashes.MD5 = 'cd' AND file:hashes.'SHA-256' = 'ab' AND file:hashes.SSDEEP = '3:x']",
     [(T.md5, "cd"), (T.sha256, "ab")]),
    ("[domain-name:value = 'evil.example' AND domain-name:resolves_to_refs[*].value = '198.51.100.7']",
     [(T.domain, "evil.example"), (T.ipv4, "198.51.100.7")]),
    ("[network-traffic:dst_ref.value = '198.51.100.7' AND network-traffic:dst_port = '443']",
     [(T.ipv4, "198.51.100.7")]),
])
def test_it_reads_the_values_of_equality_patterns(pattern: str, expected: list) -> None:
    assert parse(pattern) == expected
    assert parse_tokens(pattern) == expected


@pytest.mark.parametrize(("pattern", "reason"), [
    ("[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'x.example']", "AND across different objects"),
    ("[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'x.example']", "AND between observations"),
    ("[file:name = 'a.exe' AND file:hashes.MD5 = 'cd' OR file:name = 'b.exe']", "AND and OR mixed"),
    ("[file:name = 'a.exe' AND file:size = '1']", "observation without a blockable value"),
    ("[file:name = 'a.exe']", "object path file:name is not supported"),
    ("[file:hashes.MD5 = 'cd' OR file:name = 'a.exe']", "object path file:name is not supported"),
    ("[ipv4-addr:value = 17]", "number instead of text"),
    ("[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '1.2.3.5']", "FOLLOWEDBY cannot be split"),
    ("[ipv4-addr:value = '1.2.3.4'] WITHIN 300 SECONDS", "WITHIN cannot be split"),
    ("[process:name = 'evil.exe']", "object path process:name is not supported"),
    ("[domain-name:value LIKE '%.example']", "operator LIKE is not supported"),
    ("[domain-name:value = 'x.example'", "incomplete pattern"),
    ("[domain-name:value = 'x.example']]", "unbalanced brackets"),
    ("", "empty pattern"),
])
def test_it_refuses_what_is_no_list_of_values_and_says_why(pattern: str, reason: str) -> None:
    with pytest.raises(UnsupportedPattern) as exc:
        parse(pattern)
    assert reason in exc.value.en
    assert exc.value.de


_paths = st.sampled_from([*stix_pattern.PATHS, "File:Hashes.'SHA-256'", "process:name", "ipv4-addr:value'",
                          "url:value[*]"])
_values = st.text(st.sampled_from([*"ab1.:/-_ '\\%\n"]), max_size=12)
_space = st.sampled_from(["", " ", "  ", "\t"])


@settings(max_examples=1000, deadline=None)
@example("ipv4-addr:value", "::1", "", "", "=", "", "[")
@example("url:value", "a'b", " ", "", "=", "", "[")
@given(_paths, _values, _space, _space, st.sampled_from(["=", "!=", "ISSUBSET", "= "]),
       st.sampled_from(["", "]", " OR [url:value = 'x']", " WITHIN 5 SECONDS"]), st.sampled_from(["[", "", "(["]))
def test_the_single_comparison_fast_path_gives_what_the_token_reader_gives(path, value, sp1, sp2, op, tail,  # noqa: ANN001
                                                                           opening) -> None:  # noqa: ANN001
    quoted = "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    for pattern in (f"{sp1}{opening}{sp2}{path}{sp1}{op}{sp2}{quoted}{sp1}]{sp2}{tail}",
                    f"[{path} {op} '{value}']"):  # unescaped quotes and backslashes too
        assert _outcome(parse, pattern) == _outcome(parse_tokens, pattern)


def _outcome(fn, pattern: str) -> object:  # noqa: ANN001
    try:
        return fn(pattern)
    except UnsupportedPattern as exc:
        return ("refused", exc.en)
