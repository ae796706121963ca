"""Media types and content negotiation (TAXII 2.1 § 1.6.8, § 3.1.2).

Responses are ``application/taxii+json;version=2.1``; objects inside are STIX 2.1
(``application/stix+json;version=2.1`` in manifests and collections' ``media_types``). ``Accept`` is
read as RFC 9110 says: the most specific range that matches decides, its ``q`` counts (``q=0``
refuses), ``version`` must be 2.1 where given; no header at all is ``*/*``. Servers that insist on the
exact string break OpenCTI (it sent ``application/taxii+json`` without version) and curl users.
"""

from __future__ import annotations

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
VERSION = "2.1"
_TYPE = ("application", "taxii+json")


def _params(parts: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in parts:
        name, _, value = part.partition("=")
        out[name.strip().lower()] = value.strip().strip('"')
    return out


def _quality(params: dict[str, str]) -> float | None:
    raw = params.get("q")
    if raw is None:
        return 1.0
    try:
        q = float(raw)
    except ValueError:
        return None  # a broken range counts as absent
    return q if 0 <= q <= 1 else None


def accepts_taxii(header: str | None) -> bool:
    """Whether an ``Accept`` header allows a TAXII 2.1 answer."""
    if header is None or not header.strip():
        return True
    best: tuple[int, float] | None = None  # (specificity, q)
    for media_range in header.split(","):
        parts = media_range.split(";")
        kind, _, subtype = parts[0].strip().lower().partition("/")
        params = _params(parts[1:])
        q = _quality(params)
        if q is None or not kind:
            continue
        version = params.get("version")
        if (kind, subtype) == _TYPE:
            if version is not None and version != VERSION:
                continue  # a range for another version does not match ours at all
            specificity = 3 if version is not None else 2
        elif kind == "application" and subtype == "*":
            specificity = 1
        elif kind == "*" and subtype == "*":
            specificity = 0
        else:
            continue
        if best is None or specificity > best[0]:
            best = (specificity, q)
    return best is not None and best[1] > 0


def require_acceptable(header: str | None) -> None:
    from kommcert.taxii.errors import TaxiiError

    if not accepts_taxii(header):
        raise TaxiiError(406, f"Dieser Server antwortet nur mit {TAXII}.",
                         f"This server answers with {TAXII} only.")


def require_taxii_body(content_type: str | None) -> None:
    """A POST's ``Content-Type``: TAXII 2.1 with or without its version parameter (and a charset)."""
    from kommcert.taxii.errors import TaxiiError

    parts = (content_type or "").split(";")
    params = _params(parts[1:])
    kind = tuple(parts[0].strip().lower().partition("/")[::2])
    if kind != _TYPE or params.get("version", VERSION) != VERSION or \
            params.get("charset", "utf-8").lower() not in ("utf-8", "utf8"):
        raise TaxiiError(415, f"Objekte werden als {TAXII} geschickt.", f"Objects are sent as {TAXII}.")
