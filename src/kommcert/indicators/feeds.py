"""The export formats appliances pull: one table from format name to writer, type and file name."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kommcert.indicators.formats import export_dns, export_ids, export_stix, export_text
from kommcert.indicators.formats.records import AnyRow
from kommcert.indicators.types import IndicatorType


class FeedFormat(StrEnum):
    stix = "stix"
    csv = "csv"
    txt = "txt"
    rpz = "rpz"
    suricata = "suricata"
    zeek = "zeek"
    scan = "scan"  # for kommcert scan


@dataclass(frozen=True)
class FeedContext:
    generated: datetime
    producer: str  # the platform's name in STIX identities and Zeek sources
    zone: str  # RPZ zone name
    types: frozenset[IndicatorType] | None = None
    org_id: int | None = None  # the requester's organisation (named in the scan set)


@dataclass(frozen=True)
class Feed:
    content_type: str
    filename: str
    blocking: bool  # False: everything visible (for SIEM/TIP), True: only what may be blocked
    write: Callable[[Iterable[AnyRow], FeedContext], Iterator[str]]
    lean: bool = False  # the writer needs only id, type, value and TLP (``ValueRow``)


FEEDS: dict[FeedFormat, Feed] = {
    FeedFormat.stix: Feed(export_stix.STIX_CONTENT_TYPE, export_stix.STIX_FILENAME, True,
                          lambda rows, c: export_stix.write_stix_bundle(rows, identity_name=c.producer,
                                                                        generated=c.generated)),
    FeedFormat.csv: Feed(export_text.CSV_CONTENT_TYPE, export_text.CSV_FILENAME, False,
                         lambda rows, c: export_text.write_csv(rows)),
    FeedFormat.txt: Feed(export_text.PLAIN_CONTENT_TYPE, export_text.PLAIN_FILENAME, True,
                         lambda rows, c: export_text.write_plain(rows, types=set(c.types) if c.types else None),
                         lean=True),
    FeedFormat.rpz: Feed(export_dns.RPZ_CONTENT_TYPE, export_dns.RPZ_FILENAME, True,
                         lambda rows, c: export_dns.write_rpz(rows, zone=c.zone, serial=int(c.generated.timestamp())),
                         lean=True),
    FeedFormat.suricata: Feed(export_ids.SURICATA_CONTENT_TYPE, export_ids.SURICATA_FILENAME, True,
                              lambda rows, c: export_ids.write_suricata(rows), lean=True),
    FeedFormat.zeek: Feed(export_ids.ZEEK_CONTENT_TYPE, export_ids.ZEEK_FILENAME, True,
                          lambda rows, c: export_ids.write_zeek_intel(rows, source=c.producer)),
    FeedFormat.scan: Feed(export_text.SCAN_CONTENT_TYPE, export_text.SCAN_FILENAME, True,
                          lambda rows, c: export_text.write_scan(rows, org_id=c.org_id, generated=c.generated)),
}

DNS_TYPES = frozenset({IndicatorType.domain, IndicatorType.hostname, IndicatorType.ipv4, IndicatorType.ipv6,
                       IndicatorType.ipv4_cidr, IndicatorType.ipv6_cidr})
