"""Fast reader for the STIX 2.1 patterns that carry plain indicator values.

Real feeds write patterns like ``[ipv4-addr:value = '198.51.100.7']``,
``[file:hashes.'SHA-256' = '…']`` or ORs of them. Those are read here with one regex pass,
about 100× faster than the ANTLR grammar of ``stix2-patterns``.

MISP writes its objects and composite attributes as one observation whose comparisons are joined
by AND: ``[file:name = 'a.exe' AND file:hashes.MD5 = '…']`` (filename|md5),
``[domain-name:value = '…' AND domain-name:resolves_to_refs[*].value = '…']`` (domain|ip). Such an
observation gives its blockable values, as the MISP reader gives them for the same attribute; the
describing comparisons beside them (file name, size, ports …) are dropped. Anything else (AND
between observations, FOLLOWEDBY, qualifiers, other object paths, other operators, AND mixed with
OR) is a pattern kommcert cannot turn into blockable values: :class:`UnsupportedPattern` says so
with a one-line reason.
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
    "domain-name:resolves_to_refs[*].value": IndicatorType.ipv4,
}
# Paths that describe, beside a blockable value, the same object in an AND observation.
DESCRIBING = frozenset({
    "file:name", "file:size", "file:mime_type", "file:name_enc", "file:magic_number_hex",
    "file:hashes.sha512", "file:hashes.sha-512", "file:hashes.ssdeep", "file:hashes.tlsh",
    "file:hashes.sha3-256", "file:hashes.sha3-512",
    "network-traffic:dst_port", "network-traffic:src_port", "network-traffic:protocols[*]",
    "network-traffic:dst_ref.type", "network-traffic:src_ref.type",
    "email-message:subject", "email-message:from_ref.display_name", "url:x_misp_port",
})

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\[)|(?P<close>\])|(?P<or>OR\b)|(?P<and>AND\b)
      | (?P<bad>FOLLOWEDBY\b|WITHIN\b|REPEATS\b|START\b|STOP\b|NOT\b)
      | (?P<path>[a-z0-9_-]+:[a-z0-9_.'\[\]*-]+)\s*
        (?P<op>=|ISSUBSET\b|!=|<=|>=|<|>|LIKE\b|MATCHES\b|IN\b|ISSUPERSET\b)\s*
        (?P<str>'(?:[^'\\]|\\.)*'|-?\d+(?:\.\d+)?\b)
    )""",
    re.VERBOSE | re.IGNORECASE,
)


class UnsupportedPattern(ValueError):
    """A pattern kommcert cannot turn into blockable values. ``malformed`` says it is not even a
    readable STIX pattern (the object is broken); otherwise it is valid STIX that tests something no
    blocklist can use (a file name, a subject line, a sequence of observations): skipped, not refused."""

    def __init__(self, de: str, en: str, *, malformed: bool = False) -> None:
        super().__init__(en)
        self.de = de
        self.en = en
        self.malformed = malformed


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
    joins: set[str] = set()  # how the comparisons of the current observation are joined
    described: list[str] = []  # the paths of describing comparisons in it
    found = 0  # values it gave
    objects: set[str] = set()  # the object types it compares
    text = pattern.strip()
    if not text:
        raise UnsupportedPattern("leeres Muster", "empty pattern", malformed=True)
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            snippet = text[pos:pos + 30]
            raise UnsupportedPattern(f"nicht lesbares Muster bei „{snippet}“", f"unreadable pattern at '{snippet}'",
                                     malformed=True)
        pos = m.end()
        if m.group("open"):
            depth += 1
            joins, described, found, objects = set(), [], 0, set()
        elif m.group("close"):
            depth -= 1
            if depth < 0:
                raise UnsupportedPattern("Klammern passen nicht", "unbalanced brackets", malformed=True)
            _end_observation(joins, described, found, objects)
            # a qualifier after ] (WITHIN, START …) is caught as "bad" below
        elif m.group("or") or m.group("and"):
            word = "OR" if m.group("or") else "AND"
            if word == "AND" and depth == 0:
                raise UnsupportedPattern("AND zwischen Beobachtungen kann nicht in einzelne Indikatoren zerlegt "
                                         "werden", "AND between observations cannot be split into single indicators")
            if expect_term:
                raise UnsupportedPattern(f"{word} ohne Vergleich", f"{word} without comparison", malformed=True)
            joins.add(word)
            expect_term = True
        elif m.group("bad"):
            word = m.group("bad").upper()
            raise UnsupportedPattern(
                f"{word} kann nicht in einzelne Indikatoren zerlegt werden",
                f"{word} cannot be split into single indicators",
            )
        else:
            objects.add(m.group("path").partition(":")[0].lower())
            pair = _comparison(m)
            if pair is None:
                described.append(m.group("path"))
            else:
                out.append(pair)
                found += 1
            expect_term = False
    if depth != 0 or expect_term:
        raise UnsupportedPattern("unvollständiges Muster", "incomplete pattern", malformed=True)
    return out


def _comparison(m: re.Match[str]) -> tuple[IndicatorType, str] | None:
    """The (type, raw value) of one comparison, or None for a describing one."""
    key = _path_key(m.group("path"))
    op = m.group("op").upper()
    kind = PATHS.get(key)
    if kind is None:
        if key in DESCRIBING:
            return None
        raise UnsupportedPattern(f"Objektpfad {m.group('path')} wird nicht unterstützt",
                                 f"object path {m.group('path')} is not supported")
    raw = m.group("str")
    if not raw.startswith("'"):
        raise UnsupportedPattern(f"{m.group('path')}: Zahl statt Text", f"{m.group('path')}: number instead of text",
                                 malformed=True)
    value = _unquote(raw)
    if op == "ISSUBSET" and kind in (IndicatorType.ipv4, IndicatorType.ipv6):
        kind = IndicatorType.ipv4_cidr if kind == IndicatorType.ipv4 else IndicatorType.ipv6_cidr
    elif op != "=":
        raise UnsupportedPattern(f"Operator {op} wird nicht unterstützt", f"operator {op} is not supported")
    if kind == IndicatorType.ipv4 and ":" in value:
        kind = IndicatorType.ipv6
    return kind, value


def _end_observation(joins: set[str], described: list[str], found: int, objects: set[str]) -> None:
    if joins == {"AND", "OR"}:
        raise UnsupportedPattern("AND und OR gemischt in einer Beobachtung", "AND and OR mixed in one observation")
    if "AND" in joins and len(objects) > 1:
        raise UnsupportedPattern("AND über verschiedene Objekte kann nicht in einzelne Indikatoren zerlegt werden",
                                 "AND across different objects cannot be split into single indicators")
    if described and "AND" not in joins:  # alone it would block every file of that name
        raise UnsupportedPattern(f"Objektpfad {described[0]} wird nicht unterstützt",
                                 f"object path {described[0]} is not supported")
    if found == 0:
        raise UnsupportedPattern("Beobachtung ohne blockierbaren Wert", "observation without a blockable value")


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
