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
