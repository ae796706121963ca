"""What the matcher looks up: one (kind, key, flags) per indicator value, and the URL normal form.

Both engines (the C extension and :mod:`kommcert.scan.engine_py`) turn what they find in a log line
into the same keys, so an indicator hits exactly when its key comes up:

* names (domain, hostname): the lower-cased name; a domain also covers its subdomains (flag);
* IPv4/IPv6 and CIDR ranges: prefix length + network address (an address is its /32 or /128);
* URLs: :func:`url_key` (scheme and host lower-case, default port dropped, path at least ``/``
  and without one trailing ``/``, fragment dropped, query kept);
* e-mail addresses and hashes: lower case.
"""

from __future__ import annotations

import ipaddress

from kommcert.indicators.types import IndicatorType

NAME, IP4, IP6, URL, EMAIL, HASH = 1, 2, 3, 4, 5, 6
SUBDOMAINS = 1
SUFFIX_HIT = 1 << 31  # set on an entry number when a name hit was on a label suffix, not the whole name

SCHEMES = {"http": "http", "hxxp": "http", "https": "https", "hxxps": "https", "ftp": "ftp", "fxp": "ftp"}
DEFAULT_PORTS = {"http": ":80", "https": ":443", "ftp": ":21"}


def url_key(scheme: str, rest: bytes) -> bytes | None:
    """``scheme`` is already mapped (http/https/ftp); ``rest`` is everything after ``://``."""
    end = len(rest)
    authority_end = 0
    while authority_end < end and rest[authority_end] not in b"/?#":
        authority_end += 1
    if authority_end == 0:
        return None
    authority = rest[:authority_end]
    at = authority.rfind(b"@")
    userinfo, host = authority[:at + 1], authority[at + 1:].lower()
    default = DEFAULT_PORTS[scheme].encode()
    if len(host) > len(default) and host.endswith(default):
        host = host[:-len(default)]
    path_end = authority_end
    while path_end < end and rest[path_end] not in b"?#":
        path_end += 1
    path = rest[authority_end:path_end] or b"/"
    if len(path) > 1 and path.endswith(b"/"):
        path = path[:-1]
    key = scheme.encode() + b"://" + userinfo + host + path
    if path_end < end and rest[path_end:path_end + 1] == b"?":
        query_end = rest.find(b"#", path_end)
        key += rest[path_end:query_end if query_end >= 0 else end]
    return key


def entry_key(kind: IndicatorType | str, value: str) -> tuple[int, bytes, int] | None:
    """The lookup key of a normalised indicator value, or None if no log line can contain it."""
    kind = IndicatorType(kind)
    if kind in (IndicatorType.domain, IndicatorType.hostname):
        if "." not in value:
            return None
        return NAME, value.lower().encode("ascii", "replace"), SUBDOMAINS if kind == IndicatorType.domain else 0
    if kind in (IndicatorType.ipv4, IndicatorType.ipv4_cidr, IndicatorType.ipv6, IndicatorType.ipv6_cidr):
        net = ipaddress.ip_network(value, strict=False)
        return (IP4 if net.version == 4 else IP6), bytes([net.prefixlen]) + net.network_address.packed, 0
    if kind == IndicatorType.url:
        scheme, sep, rest = value.partition("://")
        mapped = SCHEMES.get(scheme.lower())
        key = url_key(mapped, rest.encode("utf-8")) if sep and mapped else None
        return (URL, key, 0) if key else None
    if kind == IndicatorType.email:
        return EMAIL, value.lower().encode("utf-8"), 0
    return HASH, value.lower().encode("ascii", "replace"), 0
