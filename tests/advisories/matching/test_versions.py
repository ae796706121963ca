"""Versions and ranges: vers (univers), operator/NVD bounds, free text; unreadable ones decide nothing."""

from __future__ import annotations

import pytest

from kommcert.advisories.matching.versions import decide, parse_spec


@pytest.mark.parametrize(("spec", "version", "verdict"), [
    ("vers:npm/>=1.0|<1.25.2", "1.2.0", True),
    ("vers:npm/>=1.0|<1.25.2", "1.25.2", False),
    ("vers:npm/>=1.0|<1.25.2", "0.9.0", False),
    ("<1.25.2", "1.25.1", True),
    ("<1.25.2", "1.25.2", False),
    ("<V4.00", "V3.9", True),
    ("<V4.00", "4.0", False),
    ("<=V4.00", "4", True),
    ("< 2.4.58", "2.4.57", True),
    (">=2.0 <3.1", "2.5", True),
    (">=2.0 <3.1", "3.1", False),
    (">=2.0 <3.1", "1.9.9", False),
    (">= 1.0, < 2.0", "1.5", True),
    ("versionStartIncluding 1.0 versionEndExcluding 1.25.2", "1.0", True),
    ("versionStartIncluding 1.0 versionEndExcluding 1.25.2", "1.25.2", False),
    ("2.4.0 - 2.4.57", "2.4.10", True),
    ("2.4.0 - 2.4.57", "2.4.58", False),
    ("vor 4.2", "4.1.9", True),
    ("vor 4.2", "4.2", False),
    ("bis 3.1", "3.1", True),
    ("ab 2.0", "1.9", False),
    ("4.2 und älter", "4.2", True),
    ("<1.0 | >=2.0 <2.5", "2.1", True),
    ("<1.0 | >=2.0 <2.5", "1.5", False),
    ("2019 CU12", "2019 Cumulative Update 12", True),
    ("2019 CU12", "2019 CU13", False),
    ("<2019 CU14", "2019 CU12", True),
    ("1.0", "1.0.0", True),
    ("all", "7.1", True),
    ("", "7.1", True),
])
def test_it_decides(spec: str, version: str, verdict: bool) -> None:
    assert decide(spec, version)[0] is verdict


@pytest.mark.parametrize(("spec", "version"), [
    ("siehe Hinweis", "1.0"),        # no scheme reads the range
    ("vers:bogus/1.0", "1.0"),       # unknown vers scheme
    ("vers:npm/<1.25.2", "abc"),     # not an npm version
    ("<1.0", "1.0-beta"),            # word against end of version
    ("<SP2", "CU3"),                 # two different words
    ("1.0", "latest"),
    (">=", "1.0"),
])
def test_what_no_scheme_understands_is_undecided_with_the_reason(spec: str, version: str) -> None:
    verdict, why = decide(spec, version)
    assert verdict is None
    assert why.startswith("Version nicht vergleichbar: ")


def test_a_missing_inventory_version_is_undecided() -> None:
    assert decide("<1.0", "  ") == (None, "Version im Inventar fehlt")


@pytest.mark.parametrize("spec", ["<" * 5000, "vers:" + "x" * 5000, "\x00<1", "1.0 " * 3000, "|||", "- -"])
def test_hostile_specs_do_not_raise(spec: str) -> None:
    parse_spec(spec)
    assert decide(spec, "1.0")[0] in (True, False, None)
