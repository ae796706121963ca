"""The fast paths of normalisation give what the full normalisation gives."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kommcert.indicators.normalize import InvalidIndicator, normalize, normalize_url, refang
from kommcert.indicators.types import IndicatorType

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
