"""The plain matcher: every inventory line against every product of every advisory, nothing indexed,
nothing cached. Same semantics as ``engine``; the oracle of its property test and its peer in
bench/advisory_match_bench.py."""

from __future__ import annotations

from collections.abc import Sequence

from kommcert.advisories.matching import cpe as cpes
from kommcert.advisories.matching import engine, versions
from kommcert.advisories.models import MatchResult


def _cpe_key(text: str) -> tuple[str, str, str] | None:
    parsed = cpes.parse.__wrapped__(text) if text else None
    return parsed.key if parsed is not None else None


def _purl_key(text: str) -> tuple[str, str, str] | None:
    return engine.purl_key.__wrapped__(text)[0] if text else None


def _meets(line: Sequence, product: Sequence) -> str | None:
    """How a line and a product meet ("c", "p", "n"), the strongest way first; None if they do not."""
    _, _, l_vendor, l_product, _, l_cpe, l_purl = line
    _, _, _, p_vendor, p_product, _, p_cpe, p_purl, _ = product
    a, b = _cpe_key(l_cpe), _cpe_key(p_cpe)
    if a is not None and a == b:
        return "c"
    a, b = _purl_key(l_purl), _purl_key(p_purl)
    if a is not None and a == b:
        return "p"
    if l_product and l_product == p_product and (l_vendor or "") == (p_vendor or ""):
        return "n"
    return None


def _version(version: str, cpe: str, purl: str) -> str:
    if version.strip():
        return version
    parsed = cpes.parse.__wrapped__(cpe) if cpe else None
    if parsed is not None and parsed.effective_version:
        return parsed.effective_version
    return engine.purl_key.__wrapped__(purl)[1] if purl else ""


def _judge(status: str, spec: str, version: str) -> tuple[str | None, str]:
    verdict, why = versions.decide_uncached(spec, version)
    if status == "affected":
        return (MatchResult.possibly, why) if verdict is None else ((MatchResult.affected, why) if verdict else
                                                                     (None, ""))
    if status == "under_investigation":
        return (None, "") if verdict is False else (MatchResult.possibly, "wird noch untersucht")
    if verdict is True and status in ("fixed", "recommended"):
        return MatchResult.fixed, f"{why}: behoben"
    if verdict is True and status == "not_affected":
        return MatchResult.not_affected, f"{why}: nicht betroffen"
    return None, ""


def match(lines: Sequence[Sequence], products_by_advisory: dict[int, list[Sequence]]
          ) -> dict[tuple[int, int], engine.Outcome]:
    """{(advisory_id, org_id): (result, reasons)} for every pair with at least one hit."""
    out: dict[tuple[int, int], engine.Outcome] = {}
    for advisory_id, products in products_by_advisory.items():
        hits: dict[int, list[dict]] = {}
        for product in products:
            spec = _version(product[5] or "", product[6] or "", product[7] or "")
            for line in lines:
                via = _meets(line, product)
                if via is None:
                    continue
                result, why = _judge(product[8], spec, _version(line[4] or "", line[5] or "", line[6] or ""))
                if result is not None:
                    hits.setdefault(line[1], []).append(engine.reason(line[0], product[2], result, via, why))
        for org_id, found in hits.items():
            out[(advisory_id, org_id)] = engine.summarise(found)
    return out
