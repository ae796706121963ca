"""Network IDS exports: Suricata rules and Zeek intel files.

Suricata: IPs and ranges are grouped (per TLP, :data:`IP_GROUP` per rule) into one inbound and
one outbound ``alert ip`` rule — the alert names the address anyway; domains become ``dns.query``
and ``tls.sni`` rules (``dotprefix`` + ``endswith`` catches subdomains but not
``notevil.example``), hostnames exact (``bsize``), URLs ``http.host`` + ``http.uri.raw``.
Hashes and e-mail addresses have no rule form without file lists: a comment at the end points
to the Zeek intel file, which carries every type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from kommcert.errors import InvalidInput
from kommcert.indicators.formats.export_text import chunked
from kommcert.indicators.formats.records import AnyRow, ExportRow
from kommcert.indicators.types import IP_TYPES, IndicatorType
from kommcert.sharing.tlp import TLP

SURICATA_CONTENT_TYPE = "text/plain; charset=utf-8"
SURICATA_FILENAME = "kommcert.rules"
ZEEK_CONTENT_TYPE = "text/tab-separated-values; charset=utf-8"
ZEEK_FILENAME = "kommcert.intel"

IP_GROUP = 100
_OPTS = "classtype:trojan-activity"
# bytes a content string cannot hold literally: the rule grammar's own characters, controls, non-ASCII
_CONTENT_SAFE = re.compile(r'^[\x20-\x7e]*$')
_CONTENT_SPECIAL = frozenset('";\\|:')
_MSG_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\;]')


def content_escape(value: str) -> str:
    """Text for ``content:"…"``: ``" ; \\ | :`` and non-printable bytes as ``|xx|`` hex."""
    if _CONTENT_SAFE.match(value) and not _CONTENT_SPECIAL.intersection(value):
        return value
    out: list[str] = []
    for byte in value.encode("utf-8"):
        char = chr(byte)
        if 0x20 <= byte <= 0x7E and char not in _CONTENT_SPECIAL:
            out.append(char)
        else:
            out.append(f"|{byte:02x}|")
    return "".join(out).replace("||", " ")  # "|22||3b|" -> "|22 3b|"


def msg_text(value: str, limit: int = 200) -> str:
    """Text for ``msg:"…"``: characters the rule parser treats specially become ``_``; cut to ``limit``."""
    text = _MSG_UNSAFE.sub("_", value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Sids:
    def __init__(self, base: int) -> None:
        self.next = base

    def take(self) -> int:
        sid = self.next
        if sid >= 2**32:
            raise InvalidInput("Die Suricata-SIDs reichen nicht (sid_base zu groß)",
                               "Suricata SIDs exhausted (sid_base too large)")
        self.next += 1
        return sid


def _rule(proto: str, src: str, dst: str, msg: str, body: str, sid: int) -> str:
    options = f'msg:"{msg}"; {body}{_OPTS}; sid:{sid}; rev:1;'
    return f"alert {proto} {src} any -> {dst} any ({options})\n"


def _ip_rules(tlp: TLP, values: list[str], group: int, sids: _Sids) -> str:
    addresses = "[" + ",".join(values) + "]"
    label = tlp.label
    return (
        _rule("ip", addresses, "$HOME_NET", f"kommcert {label} inbound from listed IPs group {group}", "", sids.take())
        + _rule("ip", "$HOME_NET", addresses, f"kommcert {label} outbound to listed IPs group {group}", "",
                sids.take())
    )


def _name_rules(row: AnyRow, sids: _Sids) -> str:
    name = row.value
    if row.type == IndicatorType.domain:
        match = f'dotprefix; content:".{content_escape(name)}"; nocase; endswith; '
    else:
        match = f'content:"{content_escape(name)}"; nocase; bsize:{len(name.encode())}; '
    label = f"kommcert {row.tlp.label} {row.type.value} {msg_text(name)}"
    return (_rule("dns", "$HOME_NET", "any", f"{label} DNS query", "dns.query; " + match, sids.take())
            + _rule("tls", "$HOME_NET", "any", f"{label} TLS SNI", "tls.sni; " + match, sids.take()))


def _url_rule(row: AnyRow, sids: _Sids) -> str | None:
    parts = urlsplit(row.value)
    host = parts.hostname
    if not host:
        return None
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    body = (f'flow:established,to_server; http.host; content:"{content_escape(host)}"; bsize:{len(host.encode())}; '
            f'http.uri.raw; content:"{content_escape(target)}"; depth:{len(target.encode())}; ')
    return _rule("http", "$HOME_NET", "any", f"kommcert {row.tlp.label} url {msg_text(row.value)}", body, sids.take())


def _suricata_lines(rows: Iterable[AnyRow], sids: _Sids) -> Iterator[str]:
    yield "# kommcert indicator rules for Suricata 6+ (dotprefix, bsize, sticky buffers)\n"
    pending: dict[TLP, list[str]] = {}
    groups = 0
    skipped = {"hash": 0, "email": 0}
    for row in rows:
        kind = row.type
        if kind in IP_TYPES:
            bucket = pending.setdefault(row.tlp, [])
            bucket.append(row.value)
            if len(bucket) >= IP_GROUP:
                groups += 1
                yield _ip_rules(row.tlp, bucket, groups, sids)
                bucket.clear()
        elif kind in (IndicatorType.domain, IndicatorType.hostname):
            yield _name_rules(row, sids)
        elif kind == IndicatorType.url:
            rule = _url_rule(row, sids)
            if rule:
                yield rule
        elif kind.is_hash:
            skipped["hash"] += 1
        else:
            skipped["email"] += 1
    for tlp, bucket in pending.items():
        if bucket:
            groups += 1
            yield _ip_rules(tlp, bucket, groups, sids)
    if skipped["hash"]:
        yield (f"# {skipped['hash']} file hashes not written as rules (filemd5/filesha256 need hash list files): "
               "use the Zeek intel export or the plain hash lists\n")
    if skipped["email"]:
        yield f"# {skipped['email']} e-mail addresses not written as rules: use the Zeek intel export\n"


def write_suricata(rows: Iterable[AnyRow], *, sid_base: int = 9_000_000) -> Iterator[str]:
    """Stream Suricata rules; every rule has its own sid counting up from ``sid_base``, ``rev:1``,
    ``classtype:trojan-activity`` and a msg naming kommcert and the TLP."""
    if not 0 < sid_base < 2**32:
        raise InvalidInput("sid_base muss zwischen 1 und 2³²−1 liegen", "sid_base must be between 1 and 2^32-1")
    return chunked(_suricata_lines(rows, _Sids(sid_base)))


ZEEK_TYPES: dict[IndicatorType, str] = {
    IndicatorType.ipv4: "Intel::ADDR",
    IndicatorType.ipv6: "Intel::ADDR",
    IndicatorType.ipv4_cidr: "Intel::SUBNET",
    IndicatorType.ipv6_cidr: "Intel::SUBNET",
    IndicatorType.domain: "Intel::DOMAIN",
    IndicatorType.hostname: "Intel::DOMAIN",
    IndicatorType.url: "Intel::URL",
    IndicatorType.email: "Intel::EMAIL",
    IndicatorType.md5: "Intel::FILE_HASH",
    IndicatorType.sha1: "Intel::FILE_HASH",
    IndicatorType.sha256: "Intel::FILE_HASH",
}
ZEEK_HEADER = "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n"
_ZEEK_BREAKS = re.compile(r"[\t\r\n\x00-\x1f]+")


def zeek_field(value: str | None) -> str:
    """A TSV cell: tabs and line breaks become spaces; empty is Zeek's unset marker ``-``."""
    text = _ZEEK_BREAKS.sub(" ", value).strip() if value else ""
    return text or "-"


def _zeek_lines(rows: Iterable[ExportRow], source: str, report_url: str | None) -> Iterator[str]:
    yield ZEEK_HEADER
    src = zeek_field(source)
    for row in rows:
        value = row.value
        if row.type == IndicatorType.url:
            value = value.partition("://")[2]  # Zeek matches URLs without scheme
        desc = f"{row.tlp.label} {row.type.value}" + (f" {row.report_title}" if row.report_title else "")
        url = report_url.format(uuid=row.report_uuid) if report_url and row.report_uuid else None
        yield (f"{zeek_field(value)}\t{ZEEK_TYPES[row.type]}\t{src}\t{zeek_field(desc)}\t{zeek_field(url)}\n")


def write_zeek_intel(rows: Iterable[ExportRow], *, source: str, report_url: str | None = None) -> Iterator[str]:
    """Stream a Zeek intel file (``Intel::read_files``). ``report_url`` is a template like
    ``https://kommcert.example/meldungen/{uuid}`` for ``meta.url``. Intel::DOMAIN matches the
    exact name only — Zeek has no subdomain matching."""
    return chunked(_zeek_lines(rows, source, report_url))
