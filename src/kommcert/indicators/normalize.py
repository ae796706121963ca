"""Refang, detect and normalise indicator values: one canonical text per value.

* domains and hostnames: lower case, IDNA (punycode), no trailing dot; labels may carry ``_``
  (seen in real malware infrastructure) but not spaces or empty labels;
* IPv4/IPv6: ``ipaddress`` canonical form (IPv6 compressed); CIDR with host bits cleared;
  a /32 (/128) range is the address itself;
* URLs: scheme and host lower-cased, host IDNA, default port dropped, empty path ``/``;
  path, query and fragment kept as given (they are case-sensitive on most servers);
* e-mail: lower-cased, domain IDNA;
* hashes: lower-case hex of the right length.

Every error is an :class:`InvalidIndicator` with a German and English one-line reason.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

import idna

from kommcert.errors import InvalidInput
from kommcert.indicators.types import HASH_LENGTHS, IndicatorType

MAX_VALUE_LENGTH = 2048

# Only values that show a hint of defanging go through the rules below.
_DEFANG_HINT = re.compile(r"h[x*]{2}p|fxp|\[|\(|\{", re.IGNORECASE)
# The defanging marks, and only them: a refanged value differs from its source in these places and
# nowhere else (a general "fanger" also turned ``/http:/host`` inside a URL path into ``http://``).
def _bracketed(inner: str, pairs: str = "[]()" + "{}") -> str:
    """``inner`` between a pair of matching brackets: ``[.]``, ``(.)``, ``{.}``, never ``(.]``."""
    return "(?:" + "|".join(re.escape(pairs[i]) + f"(?:{inner})" + re.escape(pairs[i + 1])
                            for i in range(0, len(pairs), 2)) + ")"


REFANG_RULES = [
    (re.compile(" ?" + _bracketed(r"\.|dot") + " ?", re.IGNORECASE), "."),
    (re.compile(" ?" + _bracketed("@|at") + " ?", re.IGNORECASE), "@"),
    (re.compile(r"\[://\]"), "://"),
    (re.compile(_bracketed(":", "[]()")), ":"),
    (re.compile(r"^h(?:xx|\*\*)p", re.IGNORECASE), "http"),
    (re.compile(r"^fxp", re.IGNORECASE), "ftp"),
]
_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
_HEX = re.compile(r"^[0-9a-f]+$")
_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")  # white space and control characters (NUL cannot be stored)


class InvalidIndicator(InvalidInput):
    pass


def refang(value: str) -> str:
    """Undo the usual defanging (``hxxp``/``fxp`` as the scheme, ``[.]``, ``(dot)``, ``[@]``, ``[:]``,
    ``[://]`` …); every other character stays as it is."""
    value = value.strip()
    if not _DEFANG_HINT.search(value):
        return value
    for pattern, replacement in REFANG_RULES:
        value = pattern.sub(replacement, value)
    return value.strip()


def _bad(value: str, why_de: str, why_en: str) -> InvalidIndicator:
    shown = value if len(value) <= 80 else value[:77] + "…"
    return InvalidIndicator(f"„{shown}“: {why_de}", f"'{shown}': {why_en}")


def normalize_name(value: str) -> str:
    name = value.strip().rstrip(".").lower()
    if not name or len(name) > 253:
        raise _bad(value, "kein gültiger Domainname", "not a valid domain name")
    labels = []
    for label in name.split("."):
        if label.isascii():
            if not _LABEL.match(label):
                raise _bad(value, "kein gültiger Domainname", "not a valid domain name")
            labels.append(label)
        else:
            try:
                labels.append(idna.encode(label, uts46=True).decode("ascii"))
            except idna.IDNAError as exc:
                raise _bad(value, "ungültiger internationaler Domainname",
                           "invalid internationalised domain name") from exc
    if len(labels) < 2 or labels[-1].isdigit():
        raise _bad(value, "kein vollständiger Domainname", "not a fully qualified domain name")
    return ".".join(labels)


def normalize_ip(value: str) -> tuple[IndicatorType, str]:
    text = value.strip()
    try:
        if "/" in text:
            net = ipaddress.ip_network(text, strict=False)
            if net.num_addresses == 1:
                addr = net.network_address
                return (IndicatorType.ipv4 if addr.version == 4 else IndicatorType.ipv6), str(addr)
            kind = IndicatorType.ipv4_cidr if net.version == 4 else IndicatorType.ipv6_cidr
            return kind, str(net)
        addr = ipaddress.ip_address(text.strip("[]"))
    except ValueError as exc:
        raise _bad(value, "keine gültige IP-Adresse", "not a valid IP address") from exc
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return IndicatorType.ipv4, str(addr.ipv4_mapped)
    return (IndicatorType.ipv4 if addr.version == 4 else IndicatorType.ipv6), str(addr)


_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21}


def normalize_url(value: str) -> str:
    text = value.strip()
    if "://" not in text:
        raise _bad(value, "URL ohne Schema (http://, https://, …)", "URL without scheme (http://, https://, …)")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise _bad(value, "keine gültige URL", "not a valid URL") from exc
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if not scheme or not host or _CONTROL.search(text):
        raise _bad(value, "keine gültige URL", "not a valid URL")
    try:
        kind, ip = normalize_ip(host)
        host = f"[{ip}]" if kind == IndicatorType.ipv6 else ip
    except InvalidIndicator:
        host = normalize_name(host)
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def normalize_email(value: str) -> str:
    text = value.strip().lower()
    local, sep, domain = text.rpartition("@")
    if not sep or not local or len(local) > 64 or _CONTROL.search(local):
        raise _bad(value, "keine gültige E-Mail-Adresse", "not a valid e-mail address")
    return f"{local}@{normalize_name(domain)}"


def normalize_hash(kind: IndicatorType, value: str) -> str:
    text = value.strip().lower()
    if len(text) != HASH_LENGTHS[kind] or not _HEX.match(text):
        raise _bad(value, f"kein gültiger {kind.value.upper()}-Hash", f"not a valid {kind.value.upper()} hash")
    return text


_PLAIN_IPV4 = re.compile(r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}")
# Already canonical: lower-case scheme and host name, no port, no user, a path, nothing to refang;
# normalize_url would return it unchanged (a test compares both on many URLs).
_PLAIN_URL = re.compile(r"(?:https?|ftp)://((?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z][a-z0-9-]{0,62}[a-z0-9])"
                        r"(/[^\s?#\[\](){}\\\x00-\x1f\x7f]*)")
_PLAIN_NAME = re.compile(r"(?=.{4,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z][a-z0-9-]{0,62}[a-z0-9]")
_PLAIN_EMAIL = re.compile(r"[a-z0-9._%+-]{1,64}@(?=.{4,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+"
                          r"[a-z][a-z0-9-]{0,62}[a-z0-9]")
_PLAIN_HEX = re.compile(r"[0-9a-f]+")


def normalize(kind: IndicatorType | str, value: str) -> tuple[IndicatorType, str]:
    """Normalise a value of a declared type. IP types may turn into their single-address or
    range form (``10.0.0.1/32`` is ``ipv4``); everything else keeps its type."""
    kind = IndicatorType(kind)
    if "\x00" in value:  # PostgreSQL cannot store it, and a feed would hand it on to appliances
        raise _bad(value.replace("\x00", "\\x00"), "NUL-Zeichen im Wert", "NUL character in the value")
    # Fast paths for values that are already canonical (nearly all values of real feeds).
    if kind == IndicatorType.ipv4 and _PLAIN_IPV4.fullmatch(value):
        return kind, value
    if kind in (IndicatorType.domain, IndicatorType.hostname) and _PLAIN_NAME.fullmatch(value):
        return kind, value
    if kind == IndicatorType.url and len(value) <= MAX_VALUE_LENGTH and (m := _PLAIN_URL.fullmatch(value)) \
            and len(m.group(1)) <= 253 and not _DEFANG_HINT.search(value):
        return kind, value
    if kind in HASH_LENGTHS and len(value) == HASH_LENGTHS[kind] and _PLAIN_HEX.fullmatch(value):
        return kind, value
    if kind == IndicatorType.email and _PLAIN_EMAIL.fullmatch(value) and not _DEFANG_HINT.search(value):
        return kind, value
    if len(value) > MAX_VALUE_LENGTH:
        raise _bad(value, "Wert zu lang", "value too long")
    value = refang(value)
    if kind in (IndicatorType.ipv4, IndicatorType.ipv6, IndicatorType.ipv4_cidr, IndicatorType.ipv6_cidr):
        got, text = normalize_ip(value)
        family_ok = ("6" in got.value) == ("6" in kind.value)
        if not family_ok:
            raise _bad(value, f"keine {kind.value}-Adresse", f"not an {kind.value} value")
        return got, text
    if kind in (IndicatorType.domain, IndicatorType.hostname):
        return kind, normalize_name(value)
    if kind == IndicatorType.url:
        return kind, normalize_url(value)
    if kind == IndicatorType.email:
        return kind, normalize_email(value)
    return kind, normalize_hash(kind, value)


_HASH_BY_LENGTH = {v: k for k, v in HASH_LENGTHS.items()}


def detect(value: str) -> tuple[IndicatorType, str]:
    """Guess the type of a bare value (for plain lists and free text) and normalise it."""
    text = refang(value)
    if not text:
        raise _bad(value, "leerer Wert", "empty value")
    if "://" in text:
        return IndicatorType.url, normalize_url(text)
    if _HEX.match(text.lower()) and len(text) in _HASH_BY_LENGTH:
        kind = _HASH_BY_LENGTH[len(text)]
        return kind, normalize_hash(kind, text)
    if "@" in text:
        return IndicatorType.email, normalize_email(text)
    if ":" in text or text.replace(".", "").replace("/", "").isdigit():
        return normalize_ip(text)
    return IndicatorType.domain, normalize_name(text)
