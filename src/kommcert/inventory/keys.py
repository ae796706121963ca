"""Normalised keys for vendor and product names, the same for inventory lines, catalogue entries
and the products named in advisories, so that "Microsoft Corporation" / "microsoft" and
"Exchange Server" / "exchange_server" (CPE spelling) meet. Aliases ("factory talk" → "factorytalk")
are applied on top by ``kommcert.inventory.catalog`` (table ``catalog_aliases``)."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s_\-./,;:()]+")
_VENDOR_SUFFIXES = (" corporation", " corp", " inc", " incorporated", " gmbh & co. kg", " gmbh", " ag", " se",
                    " ltd", " limited", " llc", " co", " software", " systems")


def _base(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    return folded


def vendor_key(text: str) -> str:
    """``"Microsoft Corporation"`` → ``"microsoft"``; ``"Siemens AG"`` → ``"siemens"``."""
    value = _base(text).rstrip(".")
    changed = True
    while changed:
        changed = False
        for suffix in _VENDOR_SUFFIXES:
            if value.endswith(suffix) and len(value) > len(suffix):
                value = value[: -len(suffix)].rstrip(" ,.")
                changed = True
    return _SEPARATORS.sub("_", value).strip("_")


def product_key(text: str) -> str:
    """``"Exchange Server"`` → ``"exchange_server"`` (the CPE spelling)."""
    return _SEPARATORS.sub("_", _base(text)).strip("_")


# CPE 2.3 formatted string binding (NISTIR 7695 § 6.2, the pattern the CSAF 2.0 schema uses): "cpe:2.3:"
# part, then vendor … other (10 fields); language has its own shape. Escaped characters stay in the value.
_CPE_VALUE = r"""(((\?*|\*?)([a-zA-Z0-9\-\._]|(\\[\\\*\?!"#$%&'\(\)\+,/:;<=>@\[\]\^`\{\|}~]))+(\?*|\*?))|[\*\-])"""
CPE23 = re.compile(
    r"cpe:2\.3:[aho\*\-]" + rf"(:{_CPE_VALUE}){{5}}"
    + r"(:(([a-zA-Z]{2,3}(-([a-zA-Z]{2}|[0-9]{3}))?)|[\*\-]))" + rf"(:{_CPE_VALUE}){{4}}")
_UNESCAPED_COLON = re.compile(r"(?<!\\):")


def is_cpe23(text: str) -> bool:
    """A well-formed CPE 2.3 formatted string (``cpe:2.3:a:microsoft:exchange_server:2019:*:*:*:*:*:*:*``)."""
    return len(text) <= 1000 and CPE23.fullmatch(text) is not None


def cpe_fields(text: str) -> tuple[str, str, str]:
    """Vendor, product and version of a well-formed CPE 2.3 name; ``*`` and ``-`` read as empty."""
    parts = _UNESCAPED_COLON.split(text)

    def plain(value: str) -> str:
        return "" if value in ("*", "-") else re.sub(r"\\(.)", r"\1", value)

    return plain(parts[3]), plain(parts[4]), plain(parts[5])


def cpe_for(vendor_key_: str, product_key_: str, version: str = "") -> str:
    """A CPE 2.3 name for a catalogue entry: ``cpe:2.3:a:microsoft:exchange_server:*:…``."""
    def escaped(value: str) -> str:
        return re.sub(r"([^a-zA-Z0-9\-\._])", r"\\\1", value) if value else "*"

    name = f"cpe:2.3:a:{escaped(vendor_key_)}:{escaped(product_key_)}:{escaped(version.replace(' ', '_'))}" \
           + ":*" * 7
    return name if is_cpe23(name) else ""
