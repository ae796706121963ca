"""Every export writer takes 100,000 rows in stride (line counts only; no timing asserts)."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from kommcert.indicators.formats.export_dns import write_rpz
from kommcert.indicators.formats.export_ids import IP_GROUP, write_suricata, write_zeek_intel
from kommcert.indicators.formats.export_stix import write_stix_bundle
from kommcert.indicators.formats.export_text import write_csv, write_plain
from kommcert.indicators.formats.records import ExportRow
from kommcert.indicators.types import IndicatorType as T
from kommcert.sharing.tlp import TLP

N = 100_000
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
_VALUE = {
    T.ipv4: lambda n: f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
    T.ipv6: lambda n: f"2001:db8::{n >> 16:x}:{n & 0xffff:x}",
    T.ipv4_cidr: lambda n: f"172.{n >> 8 & 255}.{n & 255}.0/24",
    T.ipv6_cidr: lambda n: f"2001:{n >> 16:x}:{n & 0xffff:x}::/48",
    T.domain: lambda n: f"evil{n}.example",
    T.hostname: lambda n: f"www{n}.bad.example",
    T.url: lambda n: f"http://evil{n}.example/p/{n}?q=1",
    T.email: lambda n: f"phish{n}@evil.example",
    T.md5: lambda n: f"{n:032x}",
    T.sha1: lambda n: f"{n:040x}",
    T.sha256: lambda n: f"{n:064x}",
}
KINDS = list(_VALUE)


def rows() -> list[ExportRow]:
    out = []
    for n in range(N):
        kind = KINDS[n % len(KINDS)]
        out.append(ExportRow(id=n, uuid=str(uuid.UUID(int=n + 1, version=4)), type=kind, value=_VALUE[kind](n),
                             tlp=TLP.green if n % 2 else TLP.amber, created=NOW, modified=NOW, valid_from=NOW,
                             valid_until=NOW + timedelta(days=30), confidence=50, tags=("t",), report_title="R"))
    return out


def lines(chunks) -> int:  # noqa: ANN001
    return sum(chunk.count("\n") for chunk in chunks)


def test_it_writes_100k_rows_in_every_format():
    data = rows()
    count = Counter(r.type for r in data)
    ips = count[T.ipv4] + count[T.ipv6] + count[T.ipv4_cidr] + count[T.ipv6_cidr]

    assert lines(write_plain(data, header=False)) == N
    assert lines(write_csv(data)) == N + 1
    assert lines(write_zeek_intel(data, source="kommcert")) == N + 1
    # bundle start, identity, indicators, 2 TLP markings, end
    stix = "".join(write_stix_bundle(data, identity_name="Land-CERT", generated=NOW))
    assert stix.count("\n") == 1 + 1 + N + 2 + 1
    assert len(json.loads(stix)["objects"]) == 1 + N + 2
    # $ORIGIN, $TTL, SOA, NS; a domain is two names
    assert lines(write_rpz(data, zone="rpz.example", serial=1)) == 4 + 2 * count[T.domain] + count[T.hostname] + ips
    per_tlp = Counter(r.tlp for r in data if r.type.value.startswith("ipv"))
    ip_rules = sum(2 * -(-c // IP_GROUP) for c in per_tlp.values())
    rule_lines = 1 + ip_rules + 2 * (count[T.domain] + count[T.hostname]) + count[T.url] + 2  # + 2 comments
    assert lines(write_suricata(data)) == rule_lines
