from __future__ import annotations

from pathlib import Path

import idna

from kommcert.indicators.formats.freetext import Candidate, extract
from kommcert.indicators.types import IndicatorType as T

ADVISORY = (Path(__file__).parent / "fixtures" / "advisory_de.txt").read_text(encoding="utf-8")


def _pairs(text: str) -> list[tuple[T, str]]:
    return [(c.type, c.value) for c in extract(text)]


def test_it_finds_exactly_the_iocs_of_a_german_advisory() -> None:
    assert _pairs(ADVISORY) == [
        (T.email, "rechnung@stadtwerke-abrechnung.example"),
        (T.email, "buchhaltung@kassen-service.example"),
        (T.url, "https://login.stadtwerke-abrechnung.example/portal/anmeldung?id=4711"),
        (T.url, "http://198.51.100.23:8080/gate.php"),
        (T.ipv4, "203.0.113.45"),
        (T.ipv4_cidr, "192.0.2.0/24"),
        (T.ipv6, "2001:db8:85a3::8a2e:370:7334"),
        (T.domain, "update-dienst.example"),
        (T.domain, "cdn.verwaltung-portal.example"),
        (T.domain, "beacon.c2-infra.example"),
        (T.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (T.md5, "d41d8cd98f00b204e9800998ecf8427e"),
        (T.sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        (T.url, "https://www.cert-musterland.example/warnungen/2026-017"),
        (T.email, "soc@cert-musterland.example"),
        (T.email, "info@kassen-service.example"),
        (T.url, "http://files.example/muster.zip"),
    ]


def test_it_reports_where_and_how_each_value_was_written() -> None:
    found = {c.value: c for c in extract(ADVISORY)}
    assert found["203.0.113.45"] == Candidate(T.ipv4, "203.0.113.45", "203.0.113[.]45", 11, True)
    assert found["update-dienst.example"].line == 14  # the first (defanged) mention wins over line 25
    assert found["info@kassen-service.example"].original == "info [at] kassen-service [dot] example"
    assert found["d41d8cd98f00b204e9800998ecf8427e"].original == "D41D8CD98F00B204E9800998ECF8427E"
    assert found["d41d8cd98f00b204e9800998ecf8427e"].defanged is False
    assert found["http://files.example/muster.zip"].original == "hxxp[:]//files.example/muster.zip"
    assert found["http://files.example/muster.zip"].defanged is True


def test_it_ignores_near_misses() -> None:
    text = ("Version 1.2.3 vom 01.02.2026, Build 10.4.19041.1 und 256.300.1.1, siehe report.pdf, invoice.exe,\n"
            "index.html, Rechnung_2026.pdf, libssl.so, z.B. u.a. ca. 3.000, 12:30:45, 00:1a:2b:3c:4d:5e, ::,\n"
            "deadbeef, 0123456789abcdef0123456789abcdef0, Nr. 17, TLP:AMBER, std::vector, a::b, ab::1")
    assert extract(text) == []


def test_it_does_not_split_urls_and_emails_into_domains_but_finds_a_later_standalone_domain() -> None:
    text = "Link: https://portal.evil.example/a?b=c und admin@mail.evil.example\nDomain: portal.evil.example"
    found = extract(text)
    assert [(c.type, c.value, c.line) for c in found] == [
        (T.url, "https://portal.evil.example/a?b=c", 1),
        (T.email, "admin@mail.evil.example", 1),
        (T.domain, "portal.evil.example", 2),
    ]


def test_it_trims_prose_punctuation_around_urls() -> None:
    text = '(siehe hxxps://evil.example/a_(b)).\n„https://evil.example/x“, <http://evil.example/y>; hxxp://evil[.]example/z!'
    assert [v for _, v in _pairs(text)] == ["https://evil.example/a_(b)", "https://evil.example/x",
                                            "http://evil.example/y", "http://evil.example/z"]


def test_it_keeps_defanged_domains_even_with_a_file_like_tld() -> None:
    assert _pairs("Download von evil[.]zip, aber nicht von bericht.zip") == [(T.domain, "evil.zip")]


def test_it_finds_ip_ranges_ipv6_and_idn_domains() -> None:
    text = "Netze 198.51.100.0/24, 2001:db8::/32 und 2001:DB8::1, Host bürgeramt-mustèrstadt.example."
    assert _pairs(text) == [
        (T.ipv4_cidr, "198.51.100.0/24"),
        (T.ipv6_cidr, "2001:db8::/32"),
        (T.ipv6, "2001:db8::1"),
        (T.domain, idna.encode("bürgeramt-mustèrstadt.example", uts46=True).decode()),
    ]


def test_it_reports_a_value_once_across_spellings() -> None:
    text = "evil[.]example\nEVIL.example\nevil(.)example"
    found = extract(text)
    assert [(c.value, c.line, c.defanged) for c in found] == [("evil.example", 1, True)]
