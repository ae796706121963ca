"""The fast paths of normalisation give what the full normalisation gives."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kommcert.indicators.normalize import (
    InvalidIndicator,
    normalize,
    normalize_email,
    normalize_hash,
    normalize_url,
    refang,
)
from kommcert.indicators.types import HASH_LENGTHS, IndicatorType

label = st.from_regex(r"[a-z0-9][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)
path = st.lists(st.sampled_from([*"abcXYZ019/._-~%@:;=&+!$,'*?#[]() \\", "-dot-", "(at)", "dot", "at"]),
                max_size=15).map("".join)


@settings(max_examples=500, deadline=None)
@example("http", ["x"], "example", "", "a?")  # an empty query or fragment is dropped
@example("https", ["x"], "example", "", "a#")
@example("http", ["x"], "example", "", "a-dot-b")  # refanged on the full path
@given(st.sampled_from(["http", "https", "ftp", "HTTP", "hxxp"]), st.lists(label, min_size=1, max_size=3),
       st.sampled_from(["example", "de", "COM"]), st.sampled_from(["", ":80", ":443", ":8080"]), path)
def test_canonical_urls_take_the_fast_path_with_the_same_result(scheme, labels, tld, port, tail) -> None:  # noqa: ANN001
    value = f"{scheme}://{'.'.join(labels)}.{tld}{port}/{tail}"
    try:
        expected = normalize_url(refang(value))  # what the full path does
    except InvalidIndicator:
        expected = None
    try:
        got = normalize(IndicatorType.url, value)[1]
    except InvalidIndicator:
        got = None
    assert got == expected  # fast path or not, the same result as the full normalisation


def _outcome(kind: IndicatorType, value: str, full) -> str | None:  # noqa: ANN001
    try:
        return full(value)
    except InvalidIndicator:
        return None


def _fast(kind: IndicatorType, value: str) -> str | None:
    try:
        return normalize(kind, value)[1]
    except InvalidIndicator:
        return None


@settings(max_examples=500, deadline=None)
@example(IndicatorType.md5, "D41D8CD98F00B204E9800998ECF8427E")  # upper case goes the full way
@example(IndicatorType.sha1, " " + "a" * 40)
@given(st.sampled_from(list(HASH_LENGTHS)),
       st.text(st.sampled_from([*"0123456789abcdefABCDEF", "g", " ", "[", "."]), min_size=30, max_size=66))
def test_canonical_hashes_take_the_fast_path_with_the_same_result(kind, value) -> None:  # noqa: ANN001
    expected = _outcome(kind, value, lambda v: normalize_hash(kind, refang(v)))
    assert _fast(kind, value) == expected


@settings(max_examples=500, deadline=None)
@example("a.at.b", ["x"], "example")  # refanged on the full path
@example("Phish", ["mail"], "example")
@given(st.lists(st.sampled_from([*"abcAB019._%+- ", "at", "dot", "[", "(", "@"]), min_size=1, max_size=12).map("".join),
       st.lists(label, min_size=1, max_size=3), st.sampled_from(["example", "de", "COM", "xn--p1ai"]))
def test_canonical_email_addresses_take_the_fast_path_with_the_same_result(local, labels, tld) -> None:  # noqa: ANN001
    value = f"{local}@{'.'.join(labels)}.{tld}"
    expected = _outcome(IndicatorType.email, value, lambda v: normalize_email(refang(v)))
    assert _fast(IndicatorType.email, value) == expected


# Characters of URL paths and queries, without the defanging marks ([.], (dot), [@], [:] …).
plain_path = st.lists(st.sampled_from([*"abcXYZ019/._-~%@:;=&+!$,'*?#()[] \\", "http:/", "https://", "dot", "at"]),
                      max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@example("http:/203.0.113.57/xx/vbc.exe")  # a URL inside the path stays as written
@example("a(b)c[d]")
@given(plain_path)
def test_refang_of_a_url_without_defanging_marks_is_the_identity(tail: str) -> None:
    value = f"http://203.0.113.57:33136/{tail}".strip()
    if any(mark in value for mark in ("[.]", "(.)", "[@]", "(@)", "[:]", "(:)", "[dot]", "(dot)", "[at]", "(at)")):
        return
    assert refang(value) == value


def test_refang_changes_only_the_defanged_parts() -> None:
    assert refang("hxxp://203.0.113.57:33136/http:/203.0.113.57/xx/vbc.exe") == \
        "http://203.0.113.57:33136/http:/203.0.113.57/xx/vbc.exe"
    assert refang("hxxps[://]evil[.]example/a/b?c=d") == "https://evil.example/a/b?c=d"
    assert refang("rechnung[@]evil(dot)example") == "rechnung@evil.example"
    assert refang("fxp://198.51.100[.]7/x") == "ftp://198.51.100.7/x"
