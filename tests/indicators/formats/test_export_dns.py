"""RPZ export, parsed back with dnspython."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import dns.name
import dns.rdatatype
import dns.zone
import pytest

from kommcert.errors import InvalidInput
from kommcert.indicators.formats.export_dns import rpz_ip_name, write_rpz
from kommcert.indicators.formats.records import ExportRow
from kommcert.indicators.types import IndicatorType as T
from kommcert.sharing.tlp import TLP

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ZONE = "rpz.kommcert.example"


def row(n: int, kind: T, value: str) -> ExportRow:
    return ExportRow(id=n, uuid=str(uuid.uuid4()), type=kind, value=value, tlp=TLP.green, created=NOW,
                     modified=NOW, valid_from=NOW)


ROWS = [row(1, T.domain, "evil.example"), row(2, T.hostname, "www.bad.example"), row(3, T.ipv4, "1.2.3.4"),
        row(4, T.ipv4_cidr, "192.0.2.0/24"), row(5, T.ipv6, "2001:db8::1"), row(6, T.ipv6_cidr, "2001:db8::/32"),
        row(7, T.ipv6, "2001:db8:0:1:0:0:0:7"), row(8, T.url, "http://evil.example/x"),
        row(9, T.email, "a@evil.example"), row(10, T.md5, "0" * 32)]


def zone_of(text: str) -> dns.zone.Zone:
    return dns.zone.from_text(text, origin=ZONE, relativize=False)


def cname(zone: dns.zone.Zone, name: str) -> str | None:
    rdataset = zone.get_rdataset(dns.name.from_text(f"{name}.{ZONE}"), dns.rdatatype.CNAME)
    return None if rdataset is None else rdataset[0].target.to_text()


def test_it_writes_a_zone_dnspython_loads_with_soa_and_ns():
    zone = zone_of("".join(write_rpz(ROWS, zone=ZONE, serial=2026110101)))
    origin = dns.name.from_text(ZONE)
    soa = zone.get_rdataset(origin, dns.rdatatype.SOA)
    assert soa[0].serial == 2026110101 and soa.ttl == 300
    assert zone.get_rdataset(origin, dns.rdatatype.NS) is not None


def test_it_blocks_domains_with_their_subdomains_and_hostnames_exactly():
    zone = zone_of("".join(write_rpz(ROWS, zone=ZONE, serial=1)))
    assert cname(zone, "evil.example") == "."
    assert cname(zone, "*.evil.example") == "."
    assert cname(zone, "www.bad.example") == "."
    assert cname(zone, "*.www.bad.example") is None
    assert cname(zone, "*.bad.example") is None


def test_it_writes_rpz_ip_triggers_for_v4_v6_and_ranges():
    zone = zone_of("".join(write_rpz(ROWS, zone=ZONE, serial=1)))
    assert cname(zone, "32.4.3.2.1.rpz-ip") == "."
    assert cname(zone, "24.0.2.0.192.rpz-ip") == "."
    assert cname(zone, "128.1.zz.db8.2001.rpz-ip") == "."
    assert cname(zone, "32.zz.db8.2001.rpz-ip") == "."
    assert cname(zone, "128.7.zz.1.0.db8.2001.rpz-ip") == "."


def test_it_skips_urls_emails_and_hashes():
    zone = zone_of("".join(write_rpz(ROWS, zone=ZONE, serial=1)))
    owners = {n.to_text() for n in zone.nodes}
    # apex, 2 for the domain, 1 hostname, 5 IP triggers
    assert len(owners) == 1 + 2 + 1 + 5
    assert not any("@" in o or "0" * 32 in o or "/" in o for o in owners)


@pytest.mark.parametrize(("action", "target"), [("nxdomain", "."), ("nodata", "*."), ("passthru", "rpz-passthru."),
                                                 ("cname:walled.kommcert.example", "walled.kommcert.example.")])
def test_it_encodes_the_policy_action_as_cname_target(action: str, target: str):
    zone = zone_of("".join(write_rpz(ROWS[:1], zone=ZONE, serial=1, ttl=60, action=action)))
    assert cname(zone, "evil.example") == target
    assert cname(zone, "*.evil.example") == target


def test_it_refuses_bad_zone_action_and_serial():
    with pytest.raises(InvalidInput):
        write_rpz(ROWS, zone="bad zone", serial=1)
    with pytest.raises(InvalidInput):
        write_rpz(ROWS, zone=ZONE, serial=1, action="drop-everything")
    with pytest.raises(InvalidInput):
        write_rpz(ROWS, zone=ZONE, serial=2**32)


def test_it_names_ip_triggers_like_the_rpz_draft():
    assert rpz_ip_name(T.ipv6, "::1") == "128.1.zz.rpz-ip"
    assert rpz_ip_name(T.ipv6_cidr, "2001:db8::/48") == "48.zz.db8.2001.rpz-ip"
    assert rpz_ip_name(T.ipv4_cidr, "0.0.0.0/0") is None
