"""Indicator types kommcert knows, with their grouping for exports."""

from __future__ import annotations

from enum import StrEnum


class IndicatorType(StrEnum):
    ipv4 = "ipv4"
    ipv6 = "ipv6"
    ipv4_cidr = "ipv4_cidr"
    ipv6_cidr = "ipv6_cidr"
    domain = "domain"
    hostname = "hostname"
    url = "url"
    email = "email"
    md5 = "md5"
    sha1 = "sha1"
    sha256 = "sha256"

    @property
    def is_network(self) -> bool:
        return self in NETWORK_TYPES

    @property
    def is_hash(self) -> bool:
        return self in HASH_TYPES

    @property
    def label(self) -> str:
        """The German name shown in pages (English in ``i18n/en_indicators.json``)."""
        return TYPE_LABELS_DE[self]


HASH_TYPES = frozenset({IndicatorType.md5, IndicatorType.sha1, IndicatorType.sha256})
IP_TYPES = frozenset({IndicatorType.ipv4, IndicatorType.ipv6, IndicatorType.ipv4_cidr, IndicatorType.ipv6_cidr})
NAME_TYPES = frozenset({IndicatorType.domain, IndicatorType.hostname})
NETWORK_TYPES = IP_TYPES | NAME_TYPES | {IndicatorType.url}
HASH_LENGTHS = {IndicatorType.md5: 32, IndicatorType.sha1: 40, IndicatorType.sha256: 64}

# The one table of names people read; the pages translate them like any German text.
TYPE_LABELS_DE = {
    IndicatorType.ipv4: "IPv4-Adresse",
    IndicatorType.ipv6: "IPv6-Adresse",
    IndicatorType.ipv4_cidr: "IPv4-Netz",
    IndicatorType.ipv6_cidr: "IPv6-Netz",
    IndicatorType.domain: "Domain",
    IndicatorType.hostname: "Hostname",
    IndicatorType.url: "URL",
    IndicatorType.email: "E-Mail-Adresse",
    IndicatorType.md5: "MD5-Hash",
    IndicatorType.sha1: "SHA-1-Hash",
    IndicatorType.sha256: "SHA-256-Hash",
}
