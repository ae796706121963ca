"""The hot path: an advisory's products against indexed inventory lines.

A line and a product *meet* when they share an identity: the CPE's (part, vendor, product), the
purl's (type, namespace, name), or the normalised (vendor_key, product_key). Lines that share all
their identities and their version form one :class:`Group`, so a product looks up a few groups in
the index and decides each version once (cached), however many organisations run it.

Rows are plain tuples in the column orders ``LINE`` and ``PRODUCT`` (what the SQL in ``service`` and
the benchmark select), so no ORM object is built on the hot path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from json.encoder import encode_basestring_ascii as _json

from kommcert.advisories.matching import cpe as cpes
from kommcert.advisories.matching import versions
from kommcert.advisories.models import MatchResult

LINE = ("id", "org_id", "vendor_key", "product_key", "version", "cpe", "purl")
PRODUCT = ("id", "advisory_id", "product_id", "vendor_key", "product_key", "version", "cpe", "purl", "status")
RANK = {"not_affected": 1, "fixed": 2, "possibly": 3, "affected": 4}
MAX_REASONS = 50
VIA = {"c": "CPE", "p": "purl", "n": "Name"}

Identity = tuple[str, ...]
Reason = dict  # {"item_id", "product_id", "result", "why"}
Outcome = tuple[str, list[Reason]]  # (MatchResult value, reasons)


@lru_cache(maxsize=131072)
def purl_key(text: str) -> tuple[tuple[str, str, str] | None, str]:
    """((type, namespace, name) lower-cased, version) of a purl, or (None, "") when it is not one."""
    value = (text or "").strip()
    if not value.startswith("pkg:"):
        return None, ""
    # An encoded letter, digit or underscore would hide the name from the candidate search.
    if any(cpes.fragment(chr(int(code, 16))) for code in cpes._PCT.findall(value.lower())):  # noqa: SLF001
        return None, ""
    try:
        from packageurl import PackageURL

        purl = PackageURL.from_string(value)
    except Exception:  # noqa: BLE001 - packageurl raises ValueError and others on bad input
        return None, ""
    return (purl.type.lower(), (purl.namespace or "").lower(), purl.name.lower()), purl.version or ""


@lru_cache(maxsize=1 << 20)
def identities(vendor_key: str, product_key: str, cpe: str, purl: str) -> tuple[Identity, ...]:
    """In the order a reason names them: CPE, purl, name."""
    out: list[Identity] = []
    parsed = cpes.parse(cpe) if cpe else None
    if parsed is not None and parsed.key is not None:
        out.append(("c", *parsed.key))
    if purl:
        key, _ = purl_key(purl)
        if key is not None:
            out.append(("p", *key))
    if product_key:
        out.append(("n", vendor_key, product_key))
    return tuple(out)


def version_of(version: str, cpe: str, purl: str) -> str:
    """The version as written, else the CPE's (with its update), else the purl's."""
    if version.strip():
        return version
    parsed = cpes.parse(cpe) if cpe else None
    if parsed is not None and parsed.effective_version:
        return parsed.effective_version
    return purl_key(purl)[1] if purl else ""


def judge_uncached(status: str, spec: str, version: str) -> tuple[str | None, str]:
    """One line's version against one product: (MatchResult value or None for no hit, why)."""
    verdict, why = versions.decide(spec, version)
    if status == "affected":
        if verdict is None:
            return MatchResult.possibly, why
        return (MatchResult.affected, why) if verdict else (None, "")
    if status == "under_investigation":
        return (MatchResult.possibly, "wird noch untersucht") if verdict is not False else (None, "")
    if verdict is not True:
        return None, ""
    if status in ("fixed", "recommended"):
        return MatchResult.fixed, f"{why}: behoben"
    if status == "not_affected":
        return MatchResult.not_affected, f"{why}: nicht betroffen"
    return None, ""


judge = lru_cache(maxsize=1 << 18)(judge_uncached)


def reason(item_id: int, product_id: str, result: str, via: str, why: str) -> Reason:
    return {"item_id": item_id, "product_id": product_id, "result": result.value if isinstance(result, MatchResult)
            else result, "why": f"{VIA[via]}; {why}"}


def summarise(hits: Iterable[Reason]) -> Outcome:
    """An organisation's hits → its result (the strongest) and the reasons (strongest first, capped)."""
    unique = {(h["item_id"], h["product_id"], h["result"], h["why"]): h for h in hits}
    ordered = sorted(unique.values(), key=lambda h: (-RANK[h["result"]], h["item_id"], h["product_id"], h["why"]))
    return ordered[0]["result"], ordered[:MAX_REASONS]


@dataclass(slots=True)
class Group:
    identities: frozenset[Identity]
    version: str
    lines: list[tuple[int, int]] = field(default_factory=list)  # (item_id, org_id)


class LineIndex:
    """Inventory lines indexed by each identity, grouped by (identities, version)."""

    def __init__(self) -> None:
        self._groups: dict[tuple[tuple[Identity, ...], str], Group] = {}
        self.by_identity: dict[Identity, list[Group]] = {}
        self.size = 0

    def add(self, rows: Iterable[Sequence]) -> None:
        groups, by_identity = self._groups, self.by_identity
        for item_id, org_id, vendor_key, product_key, version, cpe, purl in rows:
            ids = identities(vendor_key or "", product_key or "", cpe or "", purl or "")
            if not ids:
                continue
            version = version_of(version or "", cpe or "", purl or "")
            group = groups.get((ids, version))
            if group is None:
                group = groups[(ids, version)] = Group(frozenset(ids), version)
                for identity in ids:
                    by_identity.setdefault(identity, []).append(group)
            group.lines.append((item_id, org_id))
            self.size += 1


def _hits(index: LineIndex, products: Iterable[Sequence]) -> dict[int, list[tuple]]:
    """{org_id: [(-rank, item_id, product_id, why, result, json_tail)]}: tuples sort into reason order."""
    hits: dict[int, list[tuple]] = {}
    by_identity = index.by_identity
    for _, _, product_id, vendor_key, product_key, version, cpe, purl, status in products:
        ids = identities(vendor_key or "", product_key or "", cpe or "", purl or "")
        spec = version_of(version or "", cpe or "", purl or "")
        seen: set[int] = set()
        for identity in ids:
            for group in by_identity.get(identity, ()):
                if id(group) in seen:
                    continue
                seen.add(id(group))
                result, why = judge(status, spec, group.version)
                if result is None:
                    continue
                via = next(i[0] for i in ids if i in group.identities)
                why = f"{VIA[via]}; {why}"
                value = result.value
                tail = f', "product_id": {_json(product_id)}, "result": "{value}", "why": {_json(why)}}}'
                hit = (-RANK[value], product_id, why, value, tail)
                for item_id, org_id in group.lines:
                    found = hits.get(org_id)
                    if found is None:
                        hits[org_id] = [(hit[0], item_id, *hit[1:])]
                    else:
                        found.append((hit[0], item_id, *hit[1:]))
    return hits


def _ordered(found: list[tuple]) -> list[tuple]:
    return found if len(found) == 1 else sorted(set(found))[:MAX_REASONS]


def match_products(index: LineIndex, products: Iterable[Sequence]) -> dict[int, Outcome]:
    """One advisory's products against the index → {org_id: (result, reasons)}; orgs without a hit absent."""
    out = {}
    for org_id, found in _hits(index, products).items():
        ordered = _ordered(found)
        out[org_id] = (ordered[0][4], [{"item_id": h[1], "product_id": h[2], "result": h[4], "why": h[3]}
                                       for h in ordered])
    return out


def match_products_json(index: LineIndex, products: Iterable[Sequence]) -> Iterable[tuple[int, str, str]]:
    """Like :func:`match_products`, the reasons as the JSON text ``json.dumps`` writes: (org_id, result, json)."""
    for org_id, found in _hits(index, products).items():
        ordered = _ordered(found)
        yield org_id, ordered[0][4], "[" + ", ".join(f'{{"item_id": {h[1]}{h[5]}' for h in ordered) + "]"


def match(lines: Iterable[Sequence], products_by_advisory: dict[int, list[Sequence]]) -> dict[tuple[int, int], Outcome]:
    """Convenience for tests and small sets: {(advisory_id, org_id): outcome}."""
    index = LineIndex()
    index.add(lines)
    out: dict[tuple[int, int], Outcome] = {}
    for advisory_id, products in products_by_advisory.items():
        for org_id, outcome in match_products(index, products).items():
            out[(advisory_id, org_id)] = outcome
    return out


def candidate_filters(products: Iterable[Sequence]) -> tuple[set[tuple[str, str]], set[str], set[str]]:
    """What to look for in inventory lines (or, from lines, in products): name keys, and fragments of
    CPE products and purl names that stand literally in every well-formed spelling of them."""
    names: set[tuple[str, str]] = set()
    cpe_fragments: set[str] = set()
    purl_fragments: set[str] = set()
    for row in products:
        vendor_key, product_key, cpe, purl = row
        if product_key:
            names.add((vendor_key or "", product_key))
        parsed = cpes.parse(cpe) if cpe else None
        if parsed is not None and parsed.key is not None:
            cpe_fragments.add(cpes.fragment(parsed.product))
        key, _ = purl_key(purl) if purl else (None, "")
        if key is not None:
            purl_fragments.add(cpes.fragment(key[2]))
    cpe_fragments.discard("")
    purl_fragments.discard("")
    return names, cpe_fragments, purl_fragments
