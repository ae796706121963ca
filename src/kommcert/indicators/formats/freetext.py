"""Find IoCs in free text (an advisory e-mail, a report) for the analyst to confirm.

Advisories defang what they quote (``hxxp://``, ``evil[.]example``, ``info[@]…``), so the
patterns below accept the defanged spellings directly and refang only what they matched; running
a fanger over the whole text first would turn prose like ``(.)`` into dots and invent matches.

Per line, the more specific patterns win: a URL's host or an e-mail's domain is not reported as a
domain of its own (a later standalone mention of that domain is). Dotted words whose last part is a
common file extension (``bericht.pdf``, ``invoice.exe``) are file names, not domains, unless
defanged, which only happens to network indicators.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kommcert.indicators.normalize import REFANG_RULES, InvalidIndicator, normalize, normalize_ip
from kommcert.indicators.types import HASH_LENGTHS, IndicatorType


@dataclass(frozen=True, slots=True)
class Candidate:
    type: IndicatorType
    value: str  # normalised
    original: str  # as written in the text
    line: int  # 1-based
    defanged: bool


_DOT = r"(?:\.|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}| \[dot\] | \(dot\) )"
_AT = r"(?:@|\[@\]|\(@\)|\{@\}|\[at\]|\(at\)| \[at\] | \(at\) )"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_TLD = r"(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})"
_DOMAIN = rf"(?:{_LABEL}{_DOT})+{_TLD}"

URL_RE = re.compile(
    r"(?<![\w-])(?:h(?:tt|xx|\*\*)ps?|fxp|ftp)(?:://|\[://\]|\[:\]//|\(:\)//)[^\s<>\"'“”„«»]+",
    re.IGNORECASE,
)
EMAIL_RE = re.compile(rf"(?<![\w.+%-])[\w.+%-]+{_AT}{_DOMAIN}(?![\w-])", re.IGNORECASE)
IPV4_RE = re.compile(rf"(?<![\w.])(?:\d{{1,3}}{_DOT}){{3}}\d{{1,3}}(?:/\d{{1,2}})?(?!\w|\.\d)")
IPV6_RE = re.compile(r"(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?:/\d{1,3})?(?![\w:])", re.IGNORECASE)
HASH_RE = re.compile(r"(?<![\w])(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})(?![\w])", re.IGNORECASE)
DOMAIN_RE = re.compile(rf"(?<![\w@.-]){_DOMAIN}(?![\w-]|{_DOT}\w)", re.IGNORECASE)

_DEFANG_MARK = re.compile(
    r"h(?:xx|\*\*)p|fxp|\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|\[@\]|\(@\)|\{@\}|\[at\]|\(at\)"
    r"|\[:\]|\(:\)|\[://\]",
    re.IGNORECASE,
)
_REFANG = REFANG_RULES
_EXTENSIONS = (
    "pdf exe dll doc docx docm xls xlsx xlsm ppt pptx pptm rtf odt ods txt csv log json xml yml yaml ini cfg conf "
    "html htm php asp aspx jsp js vbs vbe ps1 psm1 bat cmd hta lnk scr msi iso img vhd vhdx zip rar gz tgz tar bz2 "
    "xz cab jar py sh md so elf bin dat tmp bak png jpg jpeg gif bmp svg ico tif tiff eml msg pst ost evtx pcap "
    "pcapng db sqlite key pem crt cer der p12 pfx sys drv ocx cpl apk dmg pkg deb rpm"
)
FILE_EXTENSIONS = frozenset(_EXTENSIONS.split())
_TRAILING = ".,;:!?'\"»”’"


def _refang(text: str) -> str:
    for pattern, replacement in _REFANG:
        text = pattern.sub(replacement, text)
    return text


def _trim_url(text: str) -> str:
    """Drop sentence punctuation and closing brackets that belong to the prose, not the URL."""
    while text:
        last = text[-1]
        unbalanced = last in ")]}" and text.count({")": "(", "]": "[", "}": "{"}[last]) < text.count(last)
        if last in _TRAILING or unbalanced:
            text = text[:-1]
        else:
            break
    return text


def _url(original: str) -> tuple[IndicatorType, str]:
    return normalize(IndicatorType.url, _refang(original))


def _email(original: str) -> tuple[IndicatorType, str]:
    return normalize(IndicatorType.email, _refang(original))


def _ip(original: str) -> tuple[IndicatorType, str]:
    return normalize_ip(_refang(original))


def _ipv6(original: str) -> tuple[IndicatorType, str]:
    address = original.split("/")[0]
    if "::" not in address and address.count(":") != 7:
        raise InvalidIndicator(original, original)  # times (12:30:45), MAC addresses
    if max(len(group) for group in address.split(":")) < 3:
        raise InvalidIndicator(original, original)  # "::", "a::b" (C++ scopes): no indicator
    return normalize_ip(original)


def _hash(original: str) -> tuple[IndicatorType, str]:
    kind = next(k for k, n in HASH_LENGTHS.items() if n == len(original))
    return normalize(kind, original)


def _domain(original: str) -> tuple[IndicatorType, str]:
    tld = re.split(_DOT, original)[-1].lower()
    if tld in FILE_EXTENSIONS and not _DEFANG_MARK.search(original):
        raise InvalidIndicator(original, original)
    return normalize(IndicatorType.domain, _refang(original))


# Most specific first: a match overlapping an earlier (kept) match is dropped.
_PATTERNS = [(URL_RE, _url), (EMAIL_RE, _email), (IPV4_RE, _ip), (IPV6_RE, _ipv6), (HASH_RE, _hash),
             (DOMAIN_RE, _domain)]


def _line_candidates(text: str, line: int) -> list[tuple[int, Candidate]]:
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, Candidate]] = []
    for pattern, convert in _PATTERNS:
        for match in pattern.finditer(text):
            original = match.group(0)
            if pattern is URL_RE:
                original = _trim_url(original)
            start, end = match.start(), match.start() + len(original)
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            try:
                kind, value = convert(original)
            except InvalidIndicator:
                continue
            taken.append((start, end))
            defanged = bool(_DEFANG_MARK.search(original))
            found.append((start, Candidate(kind, value, original.strip(), line, defanged)))
    found.sort(key=lambda item: item[0])
    return found


def extract(text: str) -> list[Candidate]:
    """Candidates in text order; a value found twice is reported once, at its first occurrence."""
    seen: set[tuple[IndicatorType, str]] = set()
    result: list[Candidate] = []
    for number, line in enumerate(text.splitlines(), start=1):
        for _, candidate in _line_candidates(line, number):
            key = (candidate.type, candidate.value)
            if key not in seen:
                seen.add(key)
                result.append(candidate)
    return result
