"""Reading CSAF 2.0 documents: pure functions over the parsed JSON (no database, no network).

``parse`` and ``validate`` decide whether a document may be stored; ``identity``, ``tlp``, ``risk``,
``cves`` and ``products`` read what an advisory keeps of it. The readers never raise on a document
that passed ``validate``; on others (the quarantine reads what identity it can) they return empty
values instead of failing.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kommcert.advisories.models import Risk
from kommcert.errors import InvalidInput
from kommcert.inventory import keys
from kommcert.sharing.tlp import TLP

REASON_CHARS = 300  # one quarantine reason: test id and the first error, one line
_validate_fn: Any = None
_import_lock = threading.Lock()


# ---------------------------------------------------------------- parse and validate

def parse(raw: bytes) -> dict[str, Any]:
    """The document as a JSON object; a clear one-line error for anything else."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("Kein UTF-8-Text.", "Not UTF-8 text.") from None
    try:
        doc = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        where = f" (Zeile {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        where_en = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise InvalidInput(f"Kein gültiges JSON{where}.", f"Not valid JSON{where_en}.") from None
    if not isinstance(doc, dict):
        raise InvalidInput("Kein JSON-Objekt (ein CSAF-Dokument ist ein Objekt).",
                           "Not a JSON object (a CSAF document is an object).")
    return doc


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)


def _validator() -> Any:
    """``csaf.csaf.v20.validate``, imported on first use: importing ``csaf`` calls
    ``logging.basicConfig``, so the root logger's handlers and level are put back afterwards."""
    global _validate_fn
    if _validate_fn is None:
        with _import_lock:
            if _validate_fn is None:
                root = logging.getLogger()
                handlers, level = list(root.handlers), root.level
                try:
                    from csaf.csaf.v20 import validate as csaf_validate
                finally:
                    root.handlers[:] = handlers
                    root.setLevel(level)
                _validate_fn = csaf_validate
    return _validate_fn


def validate(doc: dict[str, Any]) -> list[str]:
    """The reasons the document is not a valid CSAF 2.0 document (schema and mandatory tests, the
    ``basic`` preset); empty when it is. Profiles follow ``document.category``: BSI's ``csaf_base``
    documents are held to the base profile only. Each reason is one line: test id, title, first error."""
    try:
        report = _validator()(doc, preset="basic")
    except Exception as exc:  # a hostile document must not take the pull down
        return [_line(f"Prüfung abgebrochen: {type(exc).__name__}")]
    reasons = []
    for result in report.results:
        if result.passed or result.skipped or result.group == "informative":
            continue
        first = result.errors[0] if result.errors else None
        detail = f": {first.message} ({first.instance_path})" if first else ""
        name = "schema" if result.id == "schema" else f"{result.id} {result.title}"
        reasons.append(_line(f"{name}{detail}"))
    if not reasons and not report.overall_valid:
        reasons.append("CSAF-Prüfung nicht bestanden")
    return reasons


def _line(text: str) -> str:
    one = " ".join(str(text).split())
    return one if len(one) <= REASON_CHARS else one[: REASON_CHARS - 1] + "…"


# ---------------------------------------------------------------- small readers

def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Identity:
    publisher_namespace: str
    tracking_id: str
    version: str
    initial_release_date: datetime | None
    current_release_date: datetime | None
    publisher_name: str = ""
    title: str = ""
    category: str = ""
    lang: str = ""

    @property
    def order_key(self) -> tuple[datetime, tuple[Any, ...]]:
        """Which of two revisions is newer: the release date, then the version."""
        return (self.current_release_date or datetime.min.replace(tzinfo=UTC), version_key(self.version))


def version_key(version: str) -> tuple[Any, ...]:
    """``"2"`` < ``"10"``; ``"1.0.0"`` < ``"1.2.0"``; pre-releases before their release."""
    main, _, pre = version.partition("-")
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.+]", main))
    return (*parts, (1,) if not pre else (0, pre))


def identity(doc: dict[str, Any]) -> Identity:
    tracking = _get(doc, "document", "tracking")
    return Identity(
        publisher_namespace=_str(_get(doc, "document", "publisher", "namespace")),
        tracking_id=_str(_get(tracking, "id")),
        version=_str(_get(tracking, "version")),
        initial_release_date=parse_date(_get(tracking, "initial_release_date")),
        current_release_date=parse_date(_get(tracking, "current_release_date")),
        publisher_name=_str(_get(doc, "document", "publisher", "name")),
        title=_str(_get(doc, "document", "title")),
        category=_str(_get(doc, "document", "category")),
        lang=_str(_get(doc, "document", "lang")),
    )


_TLP = {"WHITE": TLP.clear, "CLEAR": TLP.clear, "GREEN": TLP.green, "AMBER": TLP.amber, "RED": TLP.red}


def tlp(doc: dict[str, Any]) -> TLP:
    """``distribution.tlp.label``; a document without one is treated as AMBER (the restrictive reading:
    CSAF leaves it to the publisher, and we must not publish what was meant for a closed circle)."""
    label = _get(doc, "document", "distribution", "tlp", "label")
    return _TLP.get(label.upper(), TLP.amber) if isinstance(label, str) else TLP.amber


_RISK_WORDS = [(Risk.kritisch, ("kritisch", "critical")), (Risk.hoch, ("hoch", "high", "important")),
               (Risk.mittel, ("mittel", "medium", "moderate")), (Risk.niedrig, ("niedrig", "low"))]


def cvss_max(doc: dict[str, Any]) -> float | None:
    """The highest CVSS base score (v3, else v2) of any vulnerability."""
    best: float | None = None
    for vuln in _list(doc.get("vulnerabilities")):
        for score in _list(_get(vuln, "scores")):
            for kind in ("cvss_v3", "cvss_v2"):
                value = _get(score, kind, "baseScore")
                if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 10:
                    best = float(value) if best is None else max(best, float(value))
    return best


def risk(doc: dict[str, Any]) -> Risk:
    """The publisher's words (``aggregate_severity.text``) when they name a step, else the highest CVSS
    base score (<4 niedrig, <7 mittel, <9 hoch, else kritisch), else mittel."""
    text = _get(doc, "document", "aggregate_severity", "text")
    if isinstance(text, str):
        words = set(re.findall(r"\w+", text.casefold()))
        for step, names in _RISK_WORDS:
            if words.intersection(names):
                return step
    score = cvss_max(doc)
    if score is None:
        return Risk.mittel
    return Risk.niedrig if score < 4 else Risk.mittel if score < 7 else Risk.hoch if score < 9 else Risk.kritisch


def cves(doc: dict[str, Any]) -> list[str]:
    found: dict[str, None] = {}
    for vuln in _list(doc.get("vulnerabilities")):
        cve = _str(_get(vuln, "cve"))
        if cve:
            found[cve.upper()] = None
    return list(found)


def summary(doc: dict[str, Any]) -> str:
    """The document's ``summary`` notes (else its ``description`` notes), joined."""
    notes = [n for n in _list(_get(doc, "document", "notes")) if isinstance(n, dict)]
    for category in ("summary", "description"):
        texts = [_str(n.get("text")) for n in notes if n.get("category") == category and _str(n.get("text"))]
        if texts:
            return "\n\n".join(texts)
    return ""


def references(doc: dict[str, Any]) -> list[dict[str, str]]:
    refs = []
    for ref in _list(_get(doc, "document", "references")):
        url = _str(_get(ref, "url"))
        if url:
            refs.append({"url": url[:2000], "summary": _str(_get(ref, "summary"))[:500]})
    return refs


# ---------------------------------------------------------------- products

STATUS_LISTS = {"known_affected": "affected", "first_affected": "affected", "last_affected": "affected",
                "fixed": "fixed", "first_fixed": "fixed", "known_not_affected": "not_affected",
                "under_investigation": "under_investigation", "recommended": "recommended"}
FIELD_CHARS = 300


@dataclass(frozen=True)
class ProductEntry:
    """One product with one status, as ``advisories.models.AdvisoryProduct`` stores it."""

    product_id: str
    name: str
    vendor: str
    product: str
    version: str
    vendor_key: str
    product_key: str
    cpe: str
    purl: str
    status: str
    cves: list[str] = field(default_factory=list)


@dataclass
class _Named:
    name: str = ""
    vendor: str = ""
    product: str = ""
    version: str = ""
    cpe: str = ""
    purl: str = ""


def _helper(named: _Named, full: Any) -> None:
    helper = _get(full, "product_identification_helper")
    named.cpe = _str(_get(helper, "cpe"))
    named.purl = _str(_get(helper, "purl"))
    if named.cpe.startswith("cpe:2.3:"):
        parts = named.cpe.split(":")
        if len(parts) > 5:
            named.vendor = named.vendor or _cpe_text(parts[3])
            named.product = named.product or _cpe_text(parts[4])
            named.version = named.version or _cpe_text(parts[5])


def _cpe_text(part: str) -> str:
    return "" if part in ("*", "-") else part.replace("\\", "")


def _walk_branches(branches: Any) -> Iterator[tuple[dict[str, str], Any]]:
    """Every ``product`` in a branch tree of any depth, with the vendor / product name / version its
    branches name (the nearest wins). An explicit stack: a deep tree cannot exhaust the recursion."""
    stack: list[tuple[Any, dict[str, str]]] = [(b, {}) for b in reversed(_list(branches))]
    while stack:
        branch, context = stack.pop()
        if not isinstance(branch, dict):
            continue
        here = dict(context)
        category, name = _str(branch.get("category")), _str(branch.get("name"))
        if category == "vendor":
            here["vendor"] = name
        elif category == "product_name":
            here["product"] = name
        elif category in ("product_version", "product_version_range"):
            here["version"] = name
        if isinstance(branch.get("product"), dict):
            yield here, branch["product"]
        stack.extend((child, here) for child in reversed(_list(branch.get("branches"))))


def named_products(doc: dict[str, Any]) -> dict[str, _Named]:
    """Every product id the product tree defines (branches, full product names, relationships)."""
    tree = doc.get("product_tree")
    found: dict[str, _Named] = {}
    for context, full in _walk_branches(_get(tree, "branches")):
        pid = _str(full.get("product_id"))
        if pid:
            named = _Named(name=_str(full.get("name")), **context)
            _helper(named, full)
            found.setdefault(pid, named)
    for full in _list(_get(tree, "full_product_names")):
        pid = _str(_get(full, "product_id"))
        if pid:
            named = _Named(name=_str(_get(full, "name")))
            _helper(named, full)
            found.setdefault(pid, named)
    for rel in _list(_get(tree, "relationships")):
        full = _get(rel, "full_product_name")
        pid = _str(_get(full, "product_id"))
        if not pid or pid in found:
            continue
        # "X installed on Y": the vulnerable thing is the component X.
        component = found.get(_str(_get(rel, "product_reference")), _Named())
        named = _Named(name=_str(_get(full, "name")), vendor=component.vendor, product=component.product,
                       version=component.version, cpe=component.cpe, purl=component.purl)
        helper = _Named()
        _helper(helper, full)
        named.cpe, named.purl = helper.cpe or named.cpe, helper.purl or named.purl
        found[pid] = named
    return found


def _groups(doc: dict[str, Any]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for group in _list(_get(doc, "product_tree", "product_groups")):
        gid = _str(_get(group, "group_id"))
        if gid:
            groups[gid] = [_str(p) for p in _list(_get(group, "product_ids")) if _str(p)]
    return groups


def products(doc: dict[str, Any]) -> list[ProductEntry]:
    """The products the document gives a status for, one entry per (product id, status), with the CVEs.

    Statuses come from every vulnerability's ``product_status``; a product a remediation names (also
    through a product group) without a status there counts as affected by that vulnerability.
    Products the tree defines but no vulnerability mentions are left out: they say nothing to match.
    """
    tree = named_products(doc)
    groups = _groups(doc)
    statuses: dict[tuple[str, str], dict[str, None]] = {}
    for vuln in _list(doc.get("vulnerabilities")):
        cve = _str(_get(vuln, "cve")).upper()
        seen: set[str] = set()
        product_status = _get(vuln, "product_status")
        for list_name, status in STATUS_LISTS.items():
            for pid in _list(_get(product_status, list_name)):
                if _str(pid):
                    statuses.setdefault((_str(pid), status), {})
                    seen.add(_str(pid))
                    if cve:
                        statuses[(_str(pid), status)][cve] = None
        for remediation in _list(_get(vuln, "remediations")):
            named = [_str(p) for p in _list(_get(remediation, "product_ids"))]
            for gid in _list(_get(remediation, "group_ids")):
                named.extend(groups.get(_str(gid), []))
            for pid in named:
                if pid and pid not in seen:
                    statuses.setdefault((pid, "affected"), {})
                    if cve:
                        statuses[(pid, "affected")][cve] = None
    entries = []
    for (pid, status), cve_set in statuses.items():
        named = tree.get(pid, _Named())
        vendor, product = named.vendor[:FIELD_CHARS], named.product[:FIELD_CHARS]
        entries.append(ProductEntry(
            product_id=pid[:FIELD_CHARS], name=(named.name or pid)[:1000], vendor=vendor, product=product,
            version=named.version[:FIELD_CHARS], vendor_key=keys.vendor_key(vendor)[:FIELD_CHARS],
            product_key=keys.product_key(product)[:FIELD_CHARS], cpe=named.cpe[:1000], purl=named.purl[:1000],
            status=status, cves=list(cve_set)))
    return entries
