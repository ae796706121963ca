"""CSAF 2.0 documents for the ingest tests, built with dates relative to now (a fixed date would
expire), plus the static files in ``tests/advisories/data``."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from kommcert.db import utcnow

DATA = Path(__file__).parent.parent / "data"
NAMESPACE = "https://psirt.example.de"


def stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def advisory(tracking_id: str = "EX-2026-0001", *, version: str = "1", days_ago: int = 3, tlp: str | None = "WHITE",
             lang: str = "de", title: str = "Schwachstelle in Beispiel Server", cvss: float = 9.8,
             severity: str | None = None, namespace: str = NAMESPACE) -> dict[str, Any]:
    """A German (or English) security advisory: vendor → product → version branches, a fixed version,
    a relationship, a product group used by a remediation, and one CVE with a CVSS 3.1 score."""
    released = utcnow() - timedelta(days=days_ago)
    history = [{"date": stamp(released - timedelta(hours=int(version) - i)), "number": str(i),
                "summary": "Erstveröffentlichung" if i == 1 else "Aktualisierung"}
               for i in range(1, int(version) + 1)]
    document: dict[str, Any] = {
        "category": "csaf_security_advisory", "csaf_version": "2.0", "lang": lang, "title": title,
        "publisher": {"category": "vendor", "name": "Beispiel AG", "namespace": namespace},
        "notes": [{"category": "summary", "text": "Ein Angreifer kann Code ausführen.", "title": "Zusammenfassung"}],
        "references": [{"category": "self", "summary": "Hinweis", "url": f"{namespace}/{tracking_id}"}],
        "tracking": {"id": tracking_id, "version": version, "status": "final",
                     "initial_release_date": history[0]["date"], "current_release_date": stamp(released),
                     "revision_history": history},
    }
    if tlp:
        document["distribution"] = {"tlp": {"label": tlp}}
    if severity:
        document["aggregate_severity"] = {"text": severity}
    vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    return {
        "document": document,
        "product_tree": {
            "branches": [{"category": "vendor", "name": "Beispiel AG", "branches": [
                {"category": "product_name", "name": "Beispiel Server", "branches": [
                    {"category": "product_version_range", "name": "vers:generic/<2.4.1", "product": {
                        "name": "Beispiel Server <2.4.1", "product_id": "BS-VULN",
                        "product_identification_helper": {"cpe": "cpe:2.3:a:beispiel:server:*:*:*:*:*:*:*:*"}}},
                    {"category": "product_version", "name": "2.4.1", "product": {
                        "name": "Beispiel Server 2.4.1", "product_id": "BS-241",
                        "product_identification_helper": {"purl": "pkg:generic/beispiel/server@2.4.1"}}},
                ]}]}, {"category": "vendor", "name": "Other Corp", "branches": [
                {"category": "product_name", "name": "Host OS", "branches": [
                    {"category": "product_version", "name": "7", "product": {
                        "name": "Host OS 7", "product_id": "HOST-7"}}]}]}],
            "relationships": [{"category": "installed_on", "product_reference": "BS-VULN",
                               "relates_to_product_reference": "HOST-7", "full_product_name": {
                                   "name": "Beispiel Server <2.4.1 auf Host OS 7", "product_id": "BS-VULN:HOST-7"}}],
            "product_groups": [{"group_id": "GRP-VULN", "product_ids": ["BS-VULN", "BS-VULN:HOST-7"]}],
        },
        "vulnerabilities": [{
            "cve": "CVE-2026-12345", "title": "Codeausführung",
            "notes": [{"category": "description", "text": "Fehler in der Anmeldung."}],
            "product_status": {"known_affected": ["BS-VULN", "BS-VULN:HOST-7"], "fixed": ["BS-241"]},
            "remediations": [{"category": "vendor_fix", "details": "Auf 2.4.1 aktualisieren.",
                              "group_ids": ["GRP-VULN"]}],
            "scores": [{"products": ["BS-VULN"], "cvss_v3": {
                "version": "3.1", "vectorString": vector, "baseScore": cvss, "baseSeverity": "CRITICAL"}}],
        }],
    }


def raw(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=2).encode()


def revised(doc: dict[str, Any], version: str, *, hours_later: int = 1) -> dict[str, Any]:
    """The next revision of ``doc``: version and current release date later, one history entry more."""
    new = copy.deepcopy(doc)
    tracking = new["document"]["tracking"]
    released = datetime.fromisoformat(tracking["current_release_date"].replace("Z", "+00:00"))
    later = stamp(released + timedelta(hours=hours_later))
    tracking["version"] = version
    tracking["current_release_date"] = later
    tracking["revision_history"].append({"date": later, "number": version, "summary": "Aktualisierung"})
    return new


def data_file(name: str) -> bytes:
    return (DATA / name).read_bytes()
