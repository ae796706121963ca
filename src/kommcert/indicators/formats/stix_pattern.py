"""Fast reader for the STIX 2.1 patterns that carry plain indicator values.

Real feeds write patterns like ``[ipv4-addr:value = '198.51.100.7']``,
``[file:hashes.'SHA-256' = '…']`` or ORs of them. Those are read here with one regex pass,
about 100× faster than the ANTLR grammar of ``stix2-patterns``. Anything else (AND, FOLLOWEDBY,
qualifiers, other object paths, other operators) is a pattern kommcert cannot turn into blockable
values: :class:`UnsupportedPattern` says so with a one-line reason.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kommcert.indicators.types import IndicatorType

# object path -> indicator type
PATHS: dict[str, IndicatorType] = {
    "ipv4-addr:value": IndicatorType.ipv4,
    "ipv6-addr:value": IndicatorType.ipv6,
    "domain-name:value": IndicatorType.domain,
    "url:value": IndicatorType.url,
    "email-addr:value": IndicatorType.email,
    "email-message:from_ref.value": IndicatorType.email,
    "email-message:sender_ref.value": IndicatorType.email,
    "file:hashes.md5": IndicatorType.md5,
    "file:hashes.sha1": IndicatorType.sha1,
    "file:hashes.sha-1": IndicatorType.sha1,
    "file:hashes.sha256": IndicatorType.sha256,
    "file:hashes.sha-256": IndicatorType.sha256,
    "network-traffic:dst_ref.value": IndicatorType.ipv4,
    "network-traffic:src_ref.value": IndicatorType.ipv4,
}

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\[)|(?P<close>\])|(?P<or>OR\b)
      | (?P<bad>AND\b|FOLLOWEDBY\b|WITHIN\b|REPEATS\b|START\b|STOP\b|NOT\b)
      | (?P<path>[a-z0-9_-]+:[a-z0-9_.'\[\]*-]+)\s*
        (?P<op>=|ISSUBSET\b|!=|<=|>=|<|>|LIKE\b|MATCHES\b|IN\b|ISSUPERSET\b)\s*
        (?P<str>'(?:[^'\\]|\\.)*')
    )""",
    re.VERBOSE | re.IGNORECASE,
)


class UnsupportedPattern(ValueError):
    def __init__(self, de: str, en: str) -> None:
        super().__init__(en)
        self.de = de
        self.en = en


def _path_key(path: str) -> str:
    obj, _, prop = path.partition(":")
    return f"{obj.lower()}:{prop.replace(chr(39), '').lower()}"


@lru_cache(maxsize=1024)
def _path_kind(path: str) -> IndicatorType | None:
    return PATHS.get(_path_key(path))


# One equality comparison without escapes in the value: what nearly every pattern of a real feed
# is. parse() reads it with one match; the token loop below gives the same result (a property
# test holds the two together).
_SINGLE = re.compile(r"\s*\[\s*([a-z0-9_-]+:[a-z0-9_.'-]+)\s*=\s*'([^'\\]*)'\s*\]\s*", re.IGNORECASE)


def _unquote(text: str) -> str:
    inner = text[1:-1]
    return re.sub(r"\\(.)", r"\1", inner) if "\\" in inner else inner  # escapes are rare


def parse(pattern: str) -> list[tuple[IndicatorType, str]]:
    """Return the (type, raw value) pairs of a pattern that is an OR of equality comparisons."""
    single = _SINGLE.fullmatch(pattern)
    if single is not None:
        kind = _path_kind(single.group(1))
        if kind is not None:
            value = single.group(2)
            return [(IndicatorType.ipv6 if kind is IndicatorType.ipv4 and ":" in value else kind, value)]
    return parse_tokens(pattern)


def parse_tokens(pattern: str) -> list[tuple[IndicatorType, str]]:
    """:func:`parse` for every pattern, one token at a time."""
    out: list[tuple[IndicatorType, str]] = []
    pos = 0
    depth = 0
    expect_term = True
    text = pattern.strip()
    if not text:
        raise UnsupportedPattern("leeres Muster", "empty pattern")
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            snippet = text[pos:pos + 30]
            raise UnsupportedPattern(f"nicht lesbares Muster bei „{snippet}“", f"unreadable pattern at '{snippet}'")
        pos = m.end()
        if m.group("open"):
            depth += 1
        elif m.group("close"):
            depth -= 1
            if depth < 0:
                raise UnsupportedPattern("Klammern passen nicht", "unbalanced brackets")
            # a qualifier after ] (WITHIN, START …) is caught as "bad" below
        elif m.group("or"):
            if expect_term:
                raise UnsupportedPattern("OR ohne Vergleich", "OR without comparison")
            expect_term = True
        elif m.group("bad"):
            word = m.group("bad").upper()
            raise UnsupportedPattern(
                f"{word} kann nicht in einzelne Indikatoren zerlegt werden",
                f"{word} cannot be split into single indicators",
            )
        else:
            key = _path_key(m.group("path"))
            op = m.group("op").upper()
            kind = PATHS.get(key)
            if kind is None:
                raise UnsupportedPattern(f"Objektpfad {m.group('path')} wird nicht unterstützt",
                                         f"object path {m.group('path')} is not supported")
            value = _unquote(m.group("str"))
            if op == "ISSUBSET" and kind in (IndicatorType.ipv4, IndicatorType.ipv6):
                kind = IndicatorType.ipv4_cidr if kind == IndicatorType.ipv4 else IndicatorType.ipv6_cidr
            elif op != "=":
                raise UnsupportedPattern(f"Operator {op} wird nicht unterstützt", f"operator {op} is not supported")
            if kind == IndicatorType.ipv4 and ":" in value:
                kind = IndicatorType.ipv6
            out.append((kind, value))
            expect_term = False
    if depth != 0 or expect_term:
        raise UnsupportedPattern("unvollständiges Muster", "incomplete pattern")
    return out


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


_WRITE_PATHS = {
    IndicatorType.ipv4: "ipv4-addr:value",
    IndicatorType.ipv6: "ipv6-addr:value",
    IndicatorType.domain: "domain-name:value",
    IndicatorType.hostname: "domain-name:value",
    IndicatorType.url: "url:value",
    IndicatorType.email: "email-addr:value",
    IndicatorType.md5: "file:hashes.MD5",
    IndicatorType.sha1: "file:hashes.'SHA-1'",
    IndicatorType.sha256: "file:hashes.'SHA-256'",
}


def write(kind: IndicatorType, value: str) -> str:
    if kind == IndicatorType.ipv4_cidr:
        return f"[ipv4-addr:value ISSUBSET {_quote(value)}]"
    if kind == IndicatorType.ipv6_cidr:
        return f"[ipv6-addr:value ISSUBSET {_quote(value)}]"
    return f"[{_WRITE_PATHS[kind]} = {_quote(value)}]"
