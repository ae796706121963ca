"""CPE names: formatted 2.3 strings with escapes, the 2.2 URI binding, and malformed ones (no crash)."""

from __future__ import annotations

import pytest

from kommcert.advisories.matching import cpe


def test_it_reads_a_formatted_string_with_the_update_in_the_version() -> None:
    name = cpe.parse("cpe:2.3:a:microsoft:exchange_server:2019:cumulative_update_12:*:*:*:*:*:*")
    assert name is not None
    assert name.key == ("a", "microsoft", "exchange_server")
    assert name.effective_version == "2019 cumulative_update_12"


def test_it_unescapes_and_lowercases() -> None:
    name = cpe.parse(r"cpe:2.3:a:Micro\.Soft:net\:core:1.0:*:*:*:*:*:*:*")
    assert name is not None and name.key == ("a", "micro.soft", "net:core")
    assert name.effective_version == "1.0"


def test_it_reads_the_uri_binding() -> None:
    name = cpe.parse("cpe:/a:apache:http_server:2.4.57")
    assert name is not None and name.key == ("a", "apache", "http_server")
    assert name.effective_version == "2.4.57"


def test_any_and_na_versions_are_no_version() -> None:
    assert cpe.parse("cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*").effective_version == ""
    assert cpe.parse("cpe:2.3:a:apache:http_server:-:*:*:*:*:*:*:*").effective_version == ""


def test_a_wildcard_product_identifies_nothing() -> None:
    assert cpe.parse("cpe:2.3:a:apache:*:*:*:*:*:*:*:*:*").key is None


@pytest.mark.parametrize("text", ["", "cpe:2.3:a:bad value:x", "cpe:2.3:x:vendor:product", "cpe:2.3:a:v",
                                  "cpe:/a:%61pache:x", "cpe:2.2:a:v:p", "not a cpe", "cpe:2.3:a:v:p" + ":1" * 20,
                                  r"cpe:2.3:a:micro\soft:x"])
def test_malformed_names_are_none(text: str) -> None:
    assert cpe.parse(text) is None
    assert not cpe.is_well_formed(text)


def test_fragment_is_the_longest_literal_run() -> None:
    assert cpe.fragment("net:core_sdk") == "core_sdk"
    assert cpe.fragment("***") == ""
