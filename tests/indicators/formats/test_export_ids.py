"""Suricata rules and Zeek intel export."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest

from kommcert.errors import InvalidInput
from kommcert.indicators.formats.export_ids import (
    IP_GROUP,
    ZEEK_HEADER,
    content_escape,
    write_suricata,
    write_zeek_intel,
)
from kommcert.indicators.formats.records import ExportRow
from kommcert.indicators.types import IndicatorType as T
from kommcert.sharing.tlp import TLP

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

# action proto src sport -> dst dport (options); every option "keyword;" or "keyword:value;",
# a quoted value holding no bare quote, a bare value holding no ; or "
RULE = re.compile(
    r'^alert (ip|dns|tls|http) (\$HOME_NET|any|\[[0-9a-f.:/,]+\]) any -> (\$HOME_NET|any|\[[0-9a-f.:/,]+\]) any '
    r'\((?: ?[a-z0-9_.]+(?::(?:"(?:[^"\\]|\\.)*"|[^;"]+))?;)+\)$'
)
CONTENT = re.compile(r'content:"([^"]*)"')


def row(n: int, kind: T, value: str, **kw) -> ExportRow:  # noqa: ANN003
    base = {"id": n, "uuid": str(uuid.uuid4()), "type": kind, "value": value, "tlp": TLP.amber, "created": NOW,
            "modified": NOW, "valid_from": NOW}
    base.update(kw)
    return ExportRow(**base)


ROWS = [row(1, T.ipv4, "198.51.100.7"), row(2, T.ipv6, "2001:db8::1", tlp=TLP.red),
        row(3, T.ipv4_cidr, "192.0.2.0/24"), row(4, T.ipv6_cidr, "2001:db8::/32"),
        row(5, T.domain, "evil.example"), row(6, T.hostname, "www.bad.example"),
        row(7, T.url, 'http://evil.example/a"b;c\\d|e:f?x=1'), row(8, T.email, "phish@evil.example"),
        row(9, T.md5, "0" * 32), row(10, T.sha1, "1" * 40), row(11, T.sha256, "2" * 64)]


def rules_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def test_it_writes_rules_in_suricata_grammar_with_unique_sids():
    text = "".join(write_suricata(ROWS))
    rules = rules_of(text)
    for rule in rules:
        assert RULE.match(rule), rule
        assert "rev:1;" in rule and "classtype:trojan-activity;" in rule
        assert re.search(r'msg:"kommcert TLP:(AMBER|RED) ', rule), rule
    sids = [int(s) for s in re.findall(r"sid:(\d+);", text)]
    assert len(sids) == len(rules) == len(set(sids))
    assert min(sids) == 9_000_000
    # 2 TLP groups x 2 directions, domain + hostname x (dns, tls), 1 url
    assert len(rules) == 4 + 4 + 1


def test_it_matches_ips_both_ways_and_names_in_dns_and_sni():
    rules = rules_of("".join(write_suricata(ROWS, sid_base=100)))
    inbound = [r for r in rules if r.startswith("alert ip [") and "TLP:AMBER" in r]
    assert inbound and "198.51.100.7,192.0.2.0/24,2001:db8::/32" in inbound[0]
    assert any(r.startswith("alert ip $HOME_NET any -> [2001:db8::1] any") for r in rules)
    domain = [r for r in rules if "evil.example" in r and " domain " in r]
    assert {r.split()[1] for r in domain} == {"dns", "tls"}
    assert all('dotprefix; content:".evil.example"; nocase; endswith;' in r for r in domain)
    host = [r for r in rules if "www.bad.example" in r]
    assert all('content:"www.bad.example"; nocase; bsize:15;' in r for r in host) and len(host) == 2


def test_it_escapes_rule_characters_in_content_and_msg():
    url_rule = next(r for r in rules_of("".join(write_suricata(ROWS))) if r.startswith("alert http"))
    contents = CONTENT.findall(url_rule)
    assert contents == ["evil.example", "/a|22|b|3b|c|5c|d|7c|e|3a|f?x=1"]
    assert "depth:16;" in url_rule  # byte length of /a"b;c\d|e:f?x=1
    msg = re.search(r'msg:"([^"]*)"', url_rule).group(1)
    assert not re.search(r'[;\\"]', msg) and "evil.example" in msg
    assert content_escape("ä") == "|c3 a4|"
    assert content_escape('x";|') == "x|22 3b 7c|"


def test_it_points_hashes_and_emails_to_other_exports():
    comments = [line for line in "".join(write_suricata(ROWS)).splitlines() if line.startswith("#")]
    assert any("3 file hashes" in c and "Zeek" in c for c in comments)
    assert any("1 e-mail" in c for c in comments)


def test_it_groups_many_ips_per_rule():
    rows = [row(n, T.ipv4, f"10.0.{n // 256}.{n % 256}") for n in range(IP_GROUP * 2 + 1)]
    rules = rules_of("".join(write_suricata(rows)))
    assert len(rules) == 3 * 2
    assert rules[0].count(",") == IP_GROUP - 1


def test_it_refuses_a_sid_base_out_of_range():
    with pytest.raises(InvalidInput):
        write_suricata(ROWS, sid_base=0)


def test_it_writes_zeek_intel_with_five_columns_and_mapped_types():
    hostile = row(12, T.domain, "c2.evil.example", report_title="Welle\t7\nmit Umbruch", report_uuid="r-1")
    text = "".join(write_zeek_intel([*ROWS, hostile], source="kommcert Land-CERT",
                                    report_url="https://kommcert.example/meldungen/{uuid}"))
    lines = text.splitlines()
    assert lines[0] + "\n" == ZEEK_HEADER
    cells = [line.split("\t") for line in lines[1:]]
    assert all(len(c) == 5 for c in cells) and len(cells) == len(ROWS) + 1
    types = {c[0]: c[1] for c in cells}
    assert types["198.51.100.7"] == types["2001:db8::1"] == "Intel::ADDR"
    assert types["192.0.2.0/24"] == types["2001:db8::/32"] == "Intel::SUBNET"
    assert types["evil.example"] == types["www.bad.example"] == "Intel::DOMAIN"
    assert types['evil.example/a"b;c\\d|e:f?x=1'] == "Intel::URL"
    assert types["phish@evil.example"] == "Intel::EMAIL"
    assert types["0" * 32] == types["1" * 40] == types["2" * 64] == "Intel::FILE_HASH"
    last = cells[-1]
    assert last[2] == "kommcert Land-CERT"
    assert last[3] == "TLP:AMBER domain Welle 7 mit Umbruch"
    assert last[4] == "https://kommcert.example/meldungen/r-1"
    assert cells[0][4] == "-"
