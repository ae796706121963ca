"""The CERT's own warning as a CSAF 2.0 document (``csaf_security_advisory``, German): pure functions
from the authoring form's values (``authoring.WarningForm`` as a dict) to the document.

Shape: vendor → product_name → product_version (an exact version) or product_version_range (a range;
a single comparison such as ``<2.4`` becomes ``vers:generic/<2.4``, no version at all ``vers:all/*``);
one vulnerability per CVE (or one without a CVE) with every affected product ``known_affected`` and
every fixed version ``fixed``; CVSS 3.x as ``cvss_v3`` score. CSAF 2.0 has no field for CVSS 4.0, so a
4.0 vector and its score go into a note of the vulnerability (and stay in the warning's own form).
TLP:CLEAR is WHITE in CSAF 2.0, AMBER+STRICT is AMBER (2.0 knows no STRICT; the distribution text says
it and our provider serves it only to the warning's audience).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

TLP_URL = "https://www.first.org/tlp/"
CSAF_TLP = {"clear": "WHITE", "green": "GREEN", "amber": "AMBER", "amber+strict": "AMBER", "red": "RED"}
TLP_DIRECTORY = {"WHITE": "white", "GREEN": "green", "AMBER": "amber", "RED": "red"}
LEGAL_DISCLAIMER = ("Diese Warnung wurde nach bestem Wissen erstellt. Der Herausgeber übernimmt keine Gewähr für "
                    "Vollständigkeit und Richtigkeit; die Hinweise der Hersteller gehen vor.")
_RANGE = re.compile(r"[<>=*]|^vers:|\b(bis|alle|ab|vor|before|prior|through|all)\b", re.IGNORECASE)
_SIMPLE_RANGE = re.compile(r"^\s*(<=|<|>=|>)\s*([^\s|<>=]+)\s*$")
_FILENAME_CHARS = re.compile(r"[^+\-a-z0-9]+")


def filename(tracking_id: str) -> str:
    """CSAF §5.1: lower case, every run of other characters than ``+ - a-z 0-9`` is one ``_``."""
    return _FILENAME_CHARS.sub("_", tracking_id.lower()) + ".json"


def csaf_tlp(tlp: str) -> str:
    return CSAF_TLP[str(tlp)]


def directory(tlp: str) -> str:
    """The provider directory a warning of this (kommcert) TLP is served from."""
    return TLP_DIRECTORY[csaf_tlp(tlp)]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_range(version: str) -> bool:
    return bool(_RANGE.search(version))


def version_range(version: str) -> str:
    """The text of a product_version_range: ``vers:`` where we can say it exactly, else as written."""
    text = version.strip()
    if not text:
        return "vers:all/*"
    simple = _SIMPLE_RANGE.match(text)
    if simple:
        return f"vers:generic/{simple.group(1)}{simple.group(2)}"
    return text


@dataclass(frozen=True)
class Context:
    """What the document needs besides the form."""

    tracking_id: str
    version: int
    now: datetime
    initial_release_date: datetime
    publisher_name: str
    namespace: str
    self_url: str
    engine_version: str
    # Earlier revisions' entries ({date, number, summary}), oldest first; the new one is appended.
    revision_history: tuple[dict[str, str], ...] = ()
    change_summary: str = ""


class _Tree:
    """vendor → product → leaves, in the order first named, with stable product ids."""

    def __init__(self) -> None:
        self.vendors: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.ids: dict[tuple[str, str, str, str], str] = {}

    def add(self, vendor: str, product: str, version: str, *, cpe: str = "", purl: str = "") -> str:
        ranged = is_range(version) or not version.strip()
        category = "product_version_range" if ranged else "product_version"
        name = version_range(version) if ranged else version.strip()
        key = (vendor.casefold(), product.casefold(), category, name)
        if key in self.ids:
            return self.ids[key]
        product_id = f"CSAFPID-{len(self.ids) + 1:04d}"
        self.ids[key] = product_id
        shown = version.strip() or "alle Versionen"
        full: dict[str, Any] = {"product_id": product_id, "name": f"{vendor} {product} {shown}".strip()}
        helper = {k: v for k, v in (("cpe", cpe.strip()), ("purl", purl.strip())) if v}
        if helper:
            full["product_identification_helper"] = helper
        leaves = self.vendors.setdefault(vendor, {}).setdefault(product, [])
        leaves.append({"category": category, "name": name, "product": full})
        return product_id

    def branches(self) -> list[dict[str, Any]]:
        return [{"category": "vendor", "name": vendor, "branches": [
            {"category": "product_name", "name": product, "branches": leaves}
            for product, leaves in products.items()]} for vendor, products in self.vendors.items()]


def _score_note(cve: dict[str, Any]) -> list[dict[str, str]]:
    if not cve.get("cvss4"):
        return []
    severity = str(cve.get("cvss4_severity") or "")
    return [{"category": "other", "title": "CVSS 4.0",
             "text": f"{cve['cvss4']} (Basiswert {cve.get('cvss4_score')}, {severity})".replace(", )", ")")}]


def build(form: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """The CSAF 2.0 document of a warning. The form was checked by ``authoring`` (CVE ids, vectors and
    their scores, URLs); what CSAF itself demands is checked by the validator afterwards."""
    tree = _Tree()
    affected: list[str] = []
    fixed: list[str] = []
    fixed_names: list[str] = []
    for entry in form.get("products", []):
        vendor, product = str(entry.get("vendor") or "").strip(), str(entry["product"]).strip()
        vendor = vendor or "Unbekannter Hersteller"
        pid = tree.add(vendor, product, str(entry.get("version") or ""), cpe=str(entry.get("cpe") or ""),
                       purl=str(entry.get("purl") or ""))
        if pid not in affected:
            affected.append(pid)
        fixed_version = str(entry.get("fixed") or "").strip()
        if fixed_version:
            fid = tree.add(vendor, product, fixed_version, cpe="", purl="")
            if fid not in fixed:
                fixed.append(fid)
                fixed_names.append(f"{vendor} {product} {fixed_version}")
    # An affected product that is also a fixed one contradicts itself (mandatory test 6.1.6).
    affected = [p for p in affected if p not in fixed]

    remediations: list[dict[str, Any]] = []
    if fixed_names and affected:
        remediations.append({"category": "vendor_fix", "product_ids": affected,
                             "details": "Aktualisieren Sie auf eine behobene Version: " + ", ".join(fixed_names)
                                        + "."})
    measures = str(form.get("measures") or "").strip()
    if measures and affected:
        remediations.append({"category": "mitigation", "details": measures, "product_ids": affected})

    def vulnerability(cve: dict[str, Any] | None) -> dict[str, Any]:
        status: dict[str, list[str]] = {}
        if affected:
            status["known_affected"] = affected
        if fixed:
            status["fixed"] = fixed
        item: dict[str, Any] = {}
        if cve is not None:
            item["cve"] = cve["id"]
        else:
            item["title"] = str(form["title"])
        if status:
            item["product_status"] = status
        if cve is not None and cve.get("cvss3") and affected:
            item["scores"] = [{"products": affected, "cvss_v3": {
                "version": str(cve["cvss3"]).split("/", 1)[0].removeprefix("CVSS:"),
                "vectorString": cve["cvss3"], "baseScore": cve["cvss3_score"],
                "baseSeverity": str(cve["cvss3_severity"]).upper()}}]
        # The profile wants a note on every vulnerability: the warning's description (or its title).
        text = str(form.get("description") or "").strip() or str(form["title"]).strip()
        item["notes"] = [{"category": "description", "title": "Beschreibung", "text": text}]
        item["notes"] += _score_note(cve) if cve is not None else []
        if remediations:
            item["remediations"] = remediations
        return item

    cves = form.get("cves") or []
    vulnerabilities = [vulnerability(c) for c in cves] if cves else [vulnerability(None)]

    tlp = str(form.get("tlp") or "amber")
    label = csaf_tlp(tlp)
    notes = []
    if str(form.get("description") or "").strip():
        notes.append({"category": "summary", "title": "Beschreibung", "text": str(form["description"]).strip()})
    if measures:
        notes.append({"category": "general", "title": "Maßnahmen", "text": measures})
    notes.append({"category": "legal_disclaimer", "title": "Haftungsausschluss", "text": LEGAL_DISCLAIMER})

    references = [{"category": "self", "summary": "Diese Warnung (CSAF)", "url": ctx.self_url}]
    references += [{"category": "external", "summary": str(r.get("summary") or r["url"]), "url": r["url"]}
                   for r in form.get("references", [])]

    history = list(ctx.revision_history)
    summary = ctx.change_summary or ("Erstveröffentlichung" if ctx.version == 1 else "Aktualisierung")
    history.append({"date": iso(ctx.now), "number": str(ctx.version), "summary": summary})
    distribution_text = "TLP:AMBER+STRICT – nur für die adressierten Organisationen." if tlp == "amber+strict" \
        else f"TLP:{tlp.upper()}"
    document: dict[str, Any] = {
        "category": "csaf_security_advisory",
        "csaf_version": "2.0",
        "lang": "de",
        "title": str(form["title"]).strip(),
        "publisher": {"category": "coordinator", "name": ctx.publisher_name, "namespace": ctx.namespace},
        "distribution": {"text": distribution_text, "tlp": {"label": label, "url": TLP_URL}},
        "aggregate_severity": {"text": str(form.get("risk") or "mittel")},
        "notes": notes,
        "references": references,
        "tracking": {
            "id": ctx.tracking_id,
            "status": "final",
            "version": str(ctx.version),
            "initial_release_date": iso(ctx.initial_release_date),
            "current_release_date": iso(ctx.now),
            "revision_history": history,
            "generator": {"date": iso(ctx.now), "engine": {"name": "kommcert", "version": ctx.engine_version}},
        },
    }
    out: dict[str, Any] = {"document": document}
    branches = tree.branches()
    if branches:
        out["product_tree"] = {"branches": branches}
    out["vulnerabilities"] = vulnerabilities
    return out


def failed_tests(document: dict[str, Any]) -> list[str]:
    """The CSAF validator's verdict (schema and mandatory tests, preset ``basic``): one line per failed
    test, empty when the document passes."""
    from kommcert.advisories import csaf_documents

    return csaf_documents.validate(document)
