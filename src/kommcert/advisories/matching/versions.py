"""Is an inventory line's version in a product's version or range?

Three readers, tried in order: ``vers:`` ranges through univers; operator ranges as CSAF's
``product_version_range`` and NVD bounds write them (``>=1.0 <1.25.2``, ``versionEndExcluding 1.25.2``,
``<=V4.00``, ``< 2.4.58``, alternatives with ``|``); and a tolerant reading of free text (``2.4.0 - 2.4.57``,
``vor 4.2``, ``bis 3.1``, ``ab 2.0``, ``4.2 und älter``). Versions compare by their numeric and word
parts (``V4.00`` = ``4.0``; ``2019 CU12`` < ``2019 CU14``; ``Cumulative Update`` = ``CU``). Whatever no
reader understands decides nothing: :func:`decide` answers ``None`` with the reason, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

ANY_WORDS = {"", "*", "-", "all", "alle", "any", "alle versionen", "all versions", "vers:all/*"}
_SYNONYMS = [(re.compile(r"cumulative[\s_\-]*update"), "cu"), (re.compile(r"service[\s_\-]*pack"), "sp"),
             (re.compile(r"security[\s_\-]*update"), "su")]
_TOKEN = re.compile(r"\d+|[^\W\d_]+")
_NVD = [(re.compile(r"versionstartincluding\s*[:=]?\s*"), ">="), (re.compile(r"versionstartexcluding\s*[:=]?\s*"), ">"),
        (re.compile(r"versionendincluding\s*[:=]?\s*"), "<="), (re.compile(r"versionendexcluding\s*[:=]?\s*"), "<")]
_PREFIX_WORDS = [(re.compile(r"^(?:alle versionen|all versions|versionen|versions|version)\s+"), ""),
                 (re.compile(r"^(?:vor|before|prior to|earlier than|kleiner als|unter|below)\s+"), "<"),
                 (re.compile(r"^(?:bis einschließlich|bis einschl\.?|bis|up to|through|until|to)\s+"), "<="),
                 (re.compile(r"^(?:ab|from|since|seit|starting with)\s+"), ">=")]
_SUFFIX_WORDS = [(re.compile(r"^(.+?)\s+(?:und|oder|and|or)\s+(?:älter|früher|earlier|older|below|prior|"
                             r"niedriger|lower)$"), "<="),
                 (re.compile(r"^(.+?)\s+(?:und|oder|and|or)\s+(?:neuer|höher|später|later|newer|above|higher)$"), ">="),
                 (re.compile(r"^(.+?)\s*\+$"), ">=")]
_BETWEEN = re.compile(r"^([^<>=|]+?)\s+(?:-|–|bis|to|through)\s+([^<>=|]+)$")
_OR = re.compile(r"\s*(?:\|\||\||\s+or\s+|\s+oder\s+)\s*")
_OPS = re.compile(r"(<=|>=|==|!=|=<|=>|<|>|=)")
_JOINERS = re.compile(r"^[\s,;&]*(?:(?:and|und|&&)\s+)?|[\s,;&]*(?:\s(?:and|und|&&))?[\s,;&]*$")
_OP_NAMES = {"=<": "<=", "=>": ">=", "==": "="}

Key = tuple[Any, ...]


@lru_cache(maxsize=262144)
def version_key(text: str) -> Key | None:
    """``"V4.00"`` → ``(4, 0)``; ``"2019 CU12"`` → ``(2019, "cu", 12)``; None without any digit."""
    value = " ".join(text.casefold().split())
    for pattern, short in _SYNONYMS:
        value = pattern.sub(short, value)
    if value[:1] == "v" and value[1:2].isdigit():
        value = value[1:]
    tokens = _TOKEN.findall(value)
    if not any(t.isdigit() for t in tokens):
        return None
    return tuple(int(t) if t.isdigit() else t for t in tokens)


def compare(a: Key, b: Key) -> int | None:
    """-1/0/1, or None where the two are not comparable (``1.0-beta`` against ``1.0``, ``SP1`` against ``CU2``)."""
    for x, y in zip(a, b, strict=False):
        if x.__class__ is int and y.__class__ is int:
            if x != y:
                return -1 if x < y else 1
        elif x != y:
            return None  # a word against a number, or two different words
    sign = 1 if len(a) > len(b) else -1
    for rest in (a[len(b):] if len(a) > len(b) else b[len(a):]):
        if rest.__class__ is not int:
            return None
        if rest:
            return sign
    return 0


@dataclass(frozen=True, slots=True)
class Spec:
    kind: str  # any | exact | range | vers | unreadable
    text: str
    key: Key | None = None  # exact
    alternatives: tuple[tuple[tuple[str, Key], ...], ...] = ()  # range: OR of ANDs of (op, key)
    vers: Any = None  # a univers VersionRange


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def _range(text: str) -> tuple[tuple[tuple[str, Key], ...], ...] | None:
    alternatives = []
    for alternative in _OR.split(text):
        pieces = _OPS.split(alternative)
        if len(pieces) < 3 or _JOINERS.sub("", pieces[0]):
            return None
        constraints = []
        for op, raw in zip(pieces[1::2], pieces[2::2], strict=True):
            key = version_key(_JOINERS.sub("", raw))
            if key is None:
                return None
            constraints.append((_OP_NAMES.get(op, op), key))
        alternatives.append(tuple(constraints))
    return tuple(alternatives)


def _words(value: str) -> str:
    """Free text with German or English words → operator text (``vor 4.2`` → ``<4.2``)."""
    for pattern, op in _NVD:
        value = pattern.sub(op, value)
    between = _BETWEEN.match(value)
    if between and version_key(between.group(1)) and version_key(between.group(2)):
        return f">={between.group(1)} <={between.group(2)}"
    for pattern, op in _SUFFIX_WORDS:
        match = pattern.match(value)
        if match:
            return op + match.group(1)
    for pattern, op in _PREFIX_WORDS:
        value = pattern.sub(op, value, count=1)
    return value


@lru_cache(maxsize=65536)
def parse_spec(text: str) -> Spec:
    """What a product's version field says (never raises)."""
    value = _normal(text)
    if value in ANY_WORDS:
        return Spec("any", text)
    if value.startswith("vers:"):
        try:
            from univers.version_range import VersionRange

            return Spec("vers", text, vers=VersionRange.from_string(text.strip()))
        except Exception:  # noqa: BLE001 - univers raises many kinds; any of them means "unreadable"
            return Spec("unreadable", text)
    value = _words(value)
    if _OPS.search(value):
        alternatives = _range(value)
        return Spec("range", text, alternatives=alternatives) if alternatives else Spec("unreadable", text)
    key = version_key(value)
    return Spec("exact", text, key=key) if key is not None else Spec("unreadable", text)


def _holds(op: str, cmp: int | None) -> bool | None:
    if cmp is None:
        return None
    return {"<": cmp < 0, "<=": cmp <= 0, ">": cmp > 0, ">=": cmp >= 0, "=": cmp == 0, "!=": cmp != 0}[op]


def _in_range(spec: Spec, key: Key) -> bool | None:
    unknown = False
    for alternative in spec.alternatives:
        verdicts = [_holds(op, compare(key, bound)) for op, bound in alternative]
        if False in verdicts:
            continue
        if None in verdicts:
            unknown = True
            continue
        return True
    return None if unknown else False


def _in_vers(spec: Spec, version: str) -> bool | None:
    try:
        return spec.vers.version_class(version.strip()) in spec.vers
    except Exception:  # noqa: BLE001 - a version the scheme cannot read
        return None


def undecided(what: str) -> str:
    return f"Version nicht vergleichbar: {what[:120]}"


def decide_uncached(spec_text: str, version: str) -> tuple[bool | None, str]:
    """(True: in the product's versions / False: not / None: cannot tell, why)."""
    if not version.strip():
        return None, "Version im Inventar fehlt"
    spec = parse_spec(spec_text)
    if spec.kind == "any":
        return True, f"Version {version}, alle Versionen betroffen"
    if spec.kind == "unreadable":
        return None, undecided(spec_text)
    if spec.kind == "vers":
        verdict = _in_vers(spec, version)
        if verdict is None:
            return None, undecided(version)
        return verdict, f"Version {version} in {spec_text}"
    key = version_key(version)
    if spec.kind == "exact":
        if _normal(version) == _normal(spec_text) or (key is not None and compare(key, spec.key) == 0):
            return True, f"Version {version}"
        return (False, "") if key is not None else (None, undecided(version))
    if key is None:
        return None, undecided(version)
    verdict = _in_range(spec, key)
    if verdict is None:
        return None, undecided(f"{version} / {spec_text}")
    return verdict, f"Version {version} in {spec_text}"


decide = lru_cache(maxsize=1 << 20)(decide_uncached)
