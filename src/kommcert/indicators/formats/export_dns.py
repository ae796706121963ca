"""DNS Response Policy Zone (RPZ) writer for BIND, Unbound, PowerDNS Recursor, Knot Resolver.

Domains block themselves and every subdomain (a name and its ``*.`` wildcard); hostnames only
the exact name. IPs and CIDR ranges become RPZ-IP triggers (answers that resolve into the
range are rewritten): ``<prefix>.<reversed address>.rpz-ip``, IPv6 with ``zz`` for the
``::`` run. URLs, e-mail addresses and hashes have no DNS form and are left out.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator

from kommcert.errors import InvalidInput
from kommcert.indicators.formats.export_text import chunked
from kommcert.indicators.formats.records import AnyRow
from kommcert.indicators.types import IndicatorType

RPZ_CONTENT_TYPE = "text/dns"  # RFC 4027: master file format
RPZ_FILENAME = "kommcert.rpz.zone"

_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_ZONE = re.compile(rf"^(?=.{{1,200}}$){_LABEL}(?:\.{_LABEL})*$")
_FIXED_ACTIONS = {"nxdomain": ".", "nodata": "*.", "passthru": "rpz-passthru."}
_MAX_NAME = 253  # presentation length of a full domain name without the final dot


def _action_target(action: str) -> str:
    """The CNAME target that encodes the policy action (RPZ draft, section 4)."""
    if action in _FIXED_ACTIONS:
        return _FIXED_ACTIONS[action]
    kind, sep, target = action.partition(":")
    target = target.strip().rstrip(".").lower()
    if kind == "cname" and sep and _ZONE.match(target):
        return target + "."
    raise InvalidInput(
        f"Unbekannte RPZ-Aktion „{action}“ (nxdomain, nodata, passthru oder cname:<Ziel>)",
        f"Unknown RPZ action '{action}' (nxdomain, nodata, passthru or cname:<target>)",
    )


def rpz_ip_name(kind: IndicatorType, value: str) -> str | None:
    """``32.4.3.2.1.rpz-ip`` for 1.2.3.4, ``24.0.2.0.192.rpz-ip`` for 192.0.2.0/24,
    ``128.1.zz.db8.2001.rpz-ip`` for 2001:db8::1; ``None`` for a /0 range."""
    if kind in (IndicatorType.ipv4_cidr, IndicatorType.ipv6_cidr):
        net = ipaddress.ip_network(value, strict=False)
        prefix, address = net.prefixlen, net.network_address
    else:
        address = ipaddress.ip_address(value)
        prefix = address.max_prefixlen
    if prefix == 0:
        return None
    if address.version == 4:
        return f"{prefix}.{'.'.join(reversed(str(address).split('.')))}.rpz-ip"
    head, sep, tail = address.compressed.partition("::")
    groups = [g for g in head.split(":") if g]
    if sep:
        groups.append("zz")
        groups.extend(g for g in tail.split(":") if g)
    return f"{prefix}.{'.'.join(reversed(groups))}.rpz-ip"


def _header(zone: str, serial: int, ttl: int) -> str:
    return (
        f"$ORIGIN {zone}.\n"
        f"$TTL {ttl}\n"
        f"@ IN SOA localhost. hostmaster.localhost. ({serial} 3600 600 604800 {ttl})\n"
        "@ IN NS localhost.\n"
    )


def _lines(rows: Iterable[AnyRow], zone: str, serial: int, ttl: int, target: str) -> Iterator[str]:
    yield _header(zone, serial, ttl)
    room = _MAX_NAME - len(zone) - 1  # owner names are relative to the zone
    for row in rows:
        kind = row.type
        if kind == IndicatorType.domain:
            if len(row.value) + 2 <= room:
                yield f"{row.value} CNAME {target}\n*.{row.value} CNAME {target}\n"
        elif kind == IndicatorType.hostname:
            if len(row.value) <= room:
                yield f"{row.value} CNAME {target}\n"
        elif kind.value.startswith("ipv"):
            try:
                name = rpz_ip_name(kind, row.value)
            except ValueError:  # a stored value that is no address must not break the whole feed
                continue
            if name is not None:
                yield f"{name} CNAME {target}\n"


def write_rpz(rows: Iterable[AnyRow], *, zone: str, serial: int, ttl: int = 300,
              action: str = "nxdomain") -> Iterator[str]:
    """Stream an RPZ zone file: ``$ORIGIN``, ``$TTL``, SOA, NS, then one trigger per name or address.

    ``action``: ``nxdomain`` (CNAME .), ``nodata`` (CNAME *.), ``passthru`` (CNAME rpz-passthru.)
    or ``cname:<target>`` (e.g. a walled-garden page). Names too long for the zone are skipped.
    """
    zone = zone.strip().rstrip(".").lower()
    if not _ZONE.match(zone):
        raise InvalidInput(f"„{zone}“ ist kein gültiger Zonenname", f"'{zone}' is not a valid zone name")
    if not 0 <= serial < 2**32:
        raise InvalidInput("Die Seriennummer muss zwischen 0 und 2³²−1 liegen",
                           "The serial must be between 0 and 2^32-1")
    if not 0 <= ttl < 2**31:
        raise InvalidInput("Ungültige TTL", "Invalid TTL")
    target = _action_target(action)  # before streaming starts: a bad action fails the request
    return chunked(_lines(rows, zone, serial, ttl, target))
