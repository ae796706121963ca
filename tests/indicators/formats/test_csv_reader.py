from __future__ import annotations

import io
from pathlib import Path

import pytest

from kommcert.errors import InvalidInput
from kommcert.indicators.formats.csv_reader import parse_type, read_csv, sniff_delimiter
from kommcert.indicators.formats.records import IndicatorRecord, Reject
from kommcert.indicators.types import IndicatorType as T
from kommcert.sharing.tlp import TLP

FIXTURE = Path(__file__).parent / "fixtures" / "partner_list.csv"


def _read_fixture() -> list:
    with FIXTURE.open(encoding="utf-8", newline="") as stream:
        return list(read_csv(stream, value_column="Indikator", type_column="Typ", tlp_column="TLP",
                             comment_column="Bemerkung", tags_column="Tags"))


def test_it_reads_a_semicolon_file_with_a_full_column_mapping() -> None:
    records = [r for r in _read_fixture() if isinstance(r, IndicatorRecord)]
    assert [(r.type, r.value, r.tlp) for r in records] == [
        (T.ipv4, "203.0.113.45", TLP.amber),
        (T.url, "https://login.stadtwerke-abrechnung.example/portal", TLP.green),
        (T.ipv4_cidr, "198.51.100.0/24", None),
        (T.email, "rechnung@stadtwerke-abrechnung.example", TLP.clear),
        (T.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", TLP.red),
        (T.ipv6, "2001:db8::10", TLP.amber),
        (T.hostname, "login.stadtwerke-abrechnung.example", TLP.amber),
    ]
    assert records[0].comment == "C2-Server"
    assert records[0].tags == ("T1071", "Fictional Bear")
    assert records[2].comment == "Hosting-Netz"
    assert records[3].comment is None and records[3].tags == ()


def test_it_rejects_bad_rows_naming_their_line_and_goes_on() -> None:
    rejects = [r for r in _read_fixture() if isinstance(r, Reject)]
    assert [r.where for r in rejects] == ["Zeile 8", "Zeile 9", "Zeile 10", "Zeile 11"]
    assert rejects[0].en == "line 8: 6 columns instead of 5"
    assert rejects[0].de == "Zeile 8: 6 Spalten statt 5"
    assert "unknown type 'registry-key'" in rejects[1].en
    assert "999.1.1.1" in rejects[2].en and "IP" in rejects[2].en
    assert "unknown TLP level 'violet'" in rejects[3].en


def test_it_detects_the_type_of_each_value_without_a_type_column() -> None:
    text = "value,note\n192.0.2.1,x\nhxxp://evil[.]example/a,y\nd41d8cd98f00b204e9800998ecf8427e,\nbad value,\n"
    out = list(read_csv(io.StringIO(text), value_column="VALUE", comment_column="note"))
    assert [(r.type, r.value) for r in out if isinstance(r, IndicatorRecord)] == [
        (T.ipv4, "192.0.2.1"), (T.url, "http://evil.example/a"), (T.md5, "d41d8cd98f00b204e9800998ecf8427e")]
    assert [r.where for r in out if isinstance(r, Reject)] == ["Zeile 5"]


def test_it_applies_a_default_type_and_handles_a_bom_and_quoted_newlines() -> None:
    text = '\ufeffHost,Kommentar\nMail.Example,"zwei\nZeilen"\n203.0.113.9,\n'
    out = list(read_csv(io.StringIO(text), value_column="host", default_type=T.hostname, comment_column="Kommentar"))
    assert isinstance(out[0], IndicatorRecord)
    assert (out[0].type, out[0].value, out[0].comment) == (T.hostname, "mail.example", "zwei\nZeilen")
    # an IP is no hostname: the default type is applied, not guessed around; line = where the row ends
    assert isinstance(out[1], Reject) and out[1].where == "Zeile 4"


def test_it_sniffs_the_delimiter_and_respects_an_explicit_one() -> None:
    assert sniff_delimiter("a;b;c\n") == ";"
    assert sniff_delimiter("a,b\n") == ","
    assert sniff_delimiter("a\tb\n") == "\t"
    assert sniff_delimiter("value\n") == ","
    out = list(read_csv(io.StringIO("v|t\n192.0.2.5|ipv4\n"), value_column="v", type_column="t", delimiter="|"))
    assert [(r.type, r.value) for r in out] == [(T.ipv4, "192.0.2.5")]


def test_it_knows_common_type_names() -> None:
    assert parse_type("IPv4") == T.ipv4
    assert parse_type("ipv4-cidr") == T.ipv4_cidr
    assert parse_type("domain-name") == T.domain
    assert parse_type("SHA-256") == T.sha256
    assert parse_type("ip-dst") is None
    with pytest.raises(ValueError):
        parse_type("mutex")


def test_it_refuses_a_missing_header_or_mapped_column() -> None:
    with pytest.raises(InvalidInput) as err:
        list(read_csv(io.StringIO(""), value_column="value"))
    assert "header" in err.value.en
    with pytest.raises(InvalidInput) as err:
        list(read_csv(io.StringIO("wert;typ\n192.0.2.1;ipv4\n"), value_column="wert", type_column="art"))
    assert "'art'" in err.value.en and "„art“" in err.value.de


def test_it_reads_lazily() -> None:
    def lines():  # noqa: ANN202
        yield "value\n"
        yield "192.0.2.1\n"
        raise AssertionError("read too far")

    reader = read_csv(_LineStream(lines()), value_column="value")
    first = next(reader)
    assert isinstance(first, IndicatorRecord) and first.value == "192.0.2.1"


class _LineStream(io.TextIOBase):
    def __init__(self, lines) -> None:  # noqa: ANN001
        self._lines = lines

    def readline(self, size: int = -1) -> str:  # noqa: ARG002
        return next(self._lines, "")

    def __iter__(self):  # noqa: ANN204
        return self

    def __next__(self) -> str:
        return next(self._lines)
