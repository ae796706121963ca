"""CPE names: the 2.3 formatted string (``cpe:2.3:a:microsoft:exchange_server:2019:cumulative_update_12:*:…``,
with ``\\``-escapes) and the 2.2 URI binding (``cpe:/a:microsoft:exchange_server:2019``, %-encoded).

A name that is not well formed parses to ``None``: the caller falls back to vendor and product names.
Values are unescaped and lower-cased (CPE matching is case-insensitive). A formatted string with fewer
than 13 components (hand-written inventories often stop after the version) is padded with ``*``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

ANY = "*"
NA = "-"
_PARTS = {"a", "o", "h", ANY}
# One component of a formatted string: *, -, or characters / escaped punctuation with optional wildcards.
_FS_VALUE = re.compile(r"^(?:\*|-|(?:\*|\?+)?(?:[a-z0-9._\-]|\\[^a-z0-9_])+(?:\*|\?+)?)$")
_SPLIT = re.compile(r"(?<!\\):")
_URI_VALUE = re.compile(r"^[a-z0-9._\-~%]*$")
_PCT = re.compile(r"%([0-9a-f]{2})")
_FRAGMENT = re.compile(r"[a-z0-9_]+")


@dataclass(frozen=True, slots=True)
class Cpe:
    part: str
    vendor: str
    product: str
    version: str = ANY
    update: str = ANY

    @property
    def key(self) -> tuple[str, str, str] | None:
        """What identifies the product (None when vendor or product is a wildcard)."""
        if self.vendor in (ANY, NA, "") or self.product in (ANY, NA, ""):
            return None
        return (self.part, self.vendor, self.product)

    @property
    def effective_version(self) -> str:
        """The version with the update taken in (``2019`` + ``cumulative_update_12``); empty for any/NA."""
        if self.version in (ANY, NA, ""):
            return ""
        if self.update in (ANY, NA, ""):
            return self.version
        return f"{self.version} {self.update}"


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


_FS_PLAIN = re.compile(r"cpe:2\.3:[aho*](?::(?:\*|-|(?:\*|\?+)?[a-z0-9._\-]+(?:\*|\?+)?)){2,10}")


def _parse_formatted(text: str) -> Cpe | None:
    if "\\" not in text:  # the common case: one regular expression checks it all
        if _FS_PLAIN.fullmatch(text) is None:
            return None
        values = text.split(":", 7)[2:7]
        values += [ANY] * (5 - len(values))
        return Cpe(*values)
    parts = _SPLIT.split(text)
    if len(parts) < 5 or len(parts) > 13 or parts[1] != "2.3":
        return None
    values = parts[2:] + [ANY] * (13 - len(parts))
    if values[0] not in _PARTS or not all(_FS_VALUE.match(v) for v in values):
        return None
    part, vendor, product, version, update = (_unescape(v) if "\\" in v else v for v in values[:5])
    return Cpe(part, vendor, product, version, update)


def _parse_uri(text: str) -> Cpe | None:
    parts = text[5:].split(":")
    if not parts or len(parts) > 7 or parts[0] not in ("a", "o", "h"):
        return None
    values = parts[1:] + [""] * (6 - len(parts[1:]))
    for value in values:
        if not _URI_VALUE.match(value):
            return None
        # An encoded letter, digit or underscore is not a well-formed binding (and would hide the
        # name from the candidate search, which looks for these characters literally).
        if any(_FRAGMENT.fullmatch(chr(int(code, 16)).lower()) for code in _PCT.findall(value)):
            return None
    vendor, product, version, update = (unquote(v) or ANY for v in values[:4])
    if update.startswith("~"):
        update = ANY
    return Cpe(parts[0], vendor, product, version, update)


@lru_cache(maxsize=1 << 20)
def parse(text: str) -> Cpe | None:
    """A CPE 2.3 formatted string or 2.2 URI, or None when ``text`` is neither (never raises)."""
    value = (text or "").strip().lower()
    if value.startswith("cpe:2.3:"):
        return _parse_formatted(value)
    if value.startswith("cpe:/"):
        return _parse_uri(value)
    return None


def is_well_formed(text: str) -> bool:
    return parse(text) is not None


def fragment(value: str) -> str:
    """The longest run of letters, digits and ``_`` in an unescaped value: it stands literally in every
    well-formed binding of the value, so a SQL ``LIKE '%fragment%'`` finds all candidates."""
    runs = _FRAGMENT.findall(value.lower())
    return max(runs, key=len) if runs else ""
