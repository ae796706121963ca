"""CSAF 2.0 documents of the demo Land's warning source, written into the project.

They are shaped like the WID documents of German CERTs (profile ``csaf_base``, German text, product trees of
vendor → product → version range with CPE) and name real products and their public CVEs, so that matching,
the catalogue and the pages show what an admin will meet; the publisher is fictional
(``https://wid.musterland.example``). Dates are relative to the moment the demo is loaded, so the Land
always looks alive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

PUBLISHER = {"category": "coordinator", "name": "Warndienst Musterland (Beispieldaten)",
             "namespace": "https://wid.musterland.example"}


@dataclass(frozen=True)
class Product:
    vendor: str
    name: str
    version_range: str  # as CSAF writes product_version_range (vers or free text)
    cpe: str
    fixed: str = ""  # the fixed version's name, if the vendor named one


@dataclass(frozen=True)
class Vulnerability:
    cve: str
    title: str
    vector: str  # CVSS 3.1
    score: float
    severity: str  # CRITICAL, HIGH, MEDIUM, LOW


@dataclass(frozen=True)
class DemoAdvisory:
    tracking_id: str
    title: str
    risk: str  # niedrig / mittel / hoch / kritisch (aggregate_severity)
    days_ago: int
    summary: str
    measures: str
    products: list[Product]
    vulnerabilities: list[Vulnerability]
    tlp: str = "WHITE"
    revisions: list[str] = field(default_factory=lambda: ["Initiale Fassung"])


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def build(advisory: DemoAdvisory, now: datetime) -> dict[str, Any]:
    """One CSAF 2.0 document; ``now`` is the demo's clock (UTC)."""
    initial = now - timedelta(days=advisory.days_ago, hours=3)
    steps = len(advisory.revisions)
    history = [{"date": _iso(initial + timedelta(days=i)), "number": str(i + 1), "summary": text}
               for i, text in enumerate(advisory.revisions)]
    current = initial + timedelta(days=steps - 1)
    vendors: dict[str, list[dict[str, Any]]] = {}
    affected: list[str] = []
    fixed: list[str] = []
    for n, product in enumerate(advisory.products, start=1):
        pid = f"CSAFPID-{n:04d}"
        affected.append(pid)
        versions = [{"category": "product_version_range", "name": product.version_range,
                     "product": {"product_id": pid, "name": f"{product.vendor} {product.name} {product.version_range}",
                                 "product_identification_helper": {"cpe": product.cpe}}}]
        if product.fixed:
            fid = f"CSAFPID-{n:04d}F"
            fixed.append(fid)
            name = f"{product.vendor} {product.name} {product.fixed}"
            versions.append({"category": "product_version", "name": product.fixed,
                             "product": {"product_id": fid, "name": name}})
        vendors.setdefault(product.vendor, []).append(
            {"category": "product_name", "name": product.name, "branches": versions})
    status: dict[str, list[str]] = {"known_affected": affected}
    if fixed:
        status["fixed"] = fixed
    vulnerabilities = []
    for v in advisory.vulnerabilities:
        entry: dict[str, Any] = {
            "cve": v.cve, "title": v.title, "product_status": status,
            "scores": [{"products": affected, "cvss_v3": {
                "version": "3.1", "vectorString": v.vector, "baseScore": v.score, "baseSeverity": v.severity}}],
            "notes": [{"category": "description", "text": v.title, "title": "Beschreibung"}],
        }
        if fixed:
            entry["remediations"] = [{"category": "vendor_fix", "details": advisory.measures, "product_ids": affected}]
        vulnerabilities.append(entry)
    return {
        "document": {
            "aggregate_severity": {"text": advisory.risk},
            "category": "csaf_base",
            "csaf_version": "2.0",
            "distribution": {"tlp": {"label": advisory.tlp, "url": "https://www.first.org/tlp/"}},
            "lang": "de-DE",
            "notes": [{"category": "summary", "text": advisory.summary, "title": "Zusammenfassung"},
                      {"category": "general", "text": advisory.measures, "title": "Empfohlene Maßnahmen"}],
            "publisher": PUBLISHER,
            "title": advisory.title,
            "tracking": {"current_release_date": _iso(current), "id": advisory.tracking_id,
                         "initial_release_date": _iso(initial), "revision_history": history,
                         "status": "final", "version": str(steps)},
        },
        "product_tree": {"branches": [{"category": "vendor", "name": vendor, "branches": products}
                                      for vendor, products in vendors.items()]},
        "vulnerabilities": vulnerabilities,
    }


ADVISORIES = [
    DemoAdvisory(
        "WID-MUSTER-2026-0101", "Microsoft Exchange Server: Schwachstelle ermöglicht Rechteausweitung", "kritisch", 12,
        "Ein entfernter, anonymer Angreifer kann eine Schwachstelle in Microsoft Exchange Server ausnutzen, um "
        "NTLM-Anmeldedaten weiterzuleiten und sich als ein anderer Benutzer anzumelden.",
        "Installieren Sie das kumulative Update CU14 (Exchange Server 2019) bzw. das Sicherheitsupdate für "
        "Exchange Server 2016 und aktivieren Sie Extended Protection.",
        [Product("Microsoft", "Exchange Server 2019", "<15.2.1544.4",
                 "cpe:2.3:a:microsoft:exchange_server:2019:*:*:*:*:*:*:*", "15.2.1544.4"),
         Product("Microsoft", "Exchange Server 2016", "<15.1.2507.37",
                 "cpe:2.3:a:microsoft:exchange_server:2016:*:*:*:*:*:*:*", "15.1.2507.37")],
        [Vulnerability("CVE-2024-21410", "Rechteausweitung durch NTLM-Weiterleitung",
                       "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL")],
        revisions=["Initiale Fassung", "Hinweis auf Extended Protection ergänzt"]),
    DemoAdvisory(
        "WID-MUSTER-2026-0102", "Citrix NetScaler ADC und Gateway: Preisgabe von Sitzungsdaten", "kritisch", 20,
        "Eine Schwachstelle in NetScaler ADC und NetScaler Gateway erlaubt es einem entfernten Angreifer, "
        "Sitzungs-Token auszulesen und bestehende Sitzungen zu übernehmen.",
        "Aktualisieren Sie auf Version 14.1-8.50 oder neuer und beenden Sie danach alle bestehenden Sitzungen.",
        [Product("Citrix", "NetScaler ADC", "<14.1-8.50", "cpe:2.3:a:citrix:netscaler_adc:*:*:*:*:*:*:*:*",
                 "14.1-8.50"),
         Product("Citrix", "NetScaler Gateway", "<14.1-8.50",
                 "cpe:2.3:a:citrix:netscaler_gateway:*:*:*:*:*:*:*:*", "14.1-8.50")],
        [Vulnerability("CVE-2023-4966", "Preisgabe von Informationen (Pufferüberlauf)",
                       "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL")]),
    DemoAdvisory(
        "WID-MUSTER-2026-0103", "Fortinet FortiOS: Codeausführung über das SSL-VPN", "kritisch", 6,
        "Ein Schreibzugriff außerhalb der Grenzen im SSL-VPN von FortiOS ermöglicht einem nicht angemeldeten "
        "Angreifer, beliebigen Code auszuführen.",
        "Aktualisieren Sie FortiOS auf 7.4.3 oder neuer; bis dahin das SSL-VPN abschalten.",
        [Product("Fortinet", "FortiOS", "<7.4.3", "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", "7.4.3")],
        [Vulnerability("CVE-2024-21762", "Schreibzugriff außerhalb der Grenzen im SSL-VPN",
                       "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL")]),
    DemoAdvisory(
        "WID-MUSTER-2026-0104", "Apache HTTP Server: mehrere Schwachstellen", "hoch", 3,
        "Mehrere Schwachstellen im Apache HTTP Server erlauben es einem entfernten Angreifer, Quelltext "
        "offenzulegen oder Anfragen umzuleiten.",
        "Aktualisieren Sie auf Apache HTTP Server 2.4.60 oder neuer.",
        [Product("Apache Software Foundation", "HTTP Server", "vers:generic/>=2.4.0|<2.4.60",
                 "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*", "2.4.60")],
        [Vulnerability("CVE-2024-38476", "Preisgabe von Informationen und Umleitung von Anfragen",
                       "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL"),
         Vulnerability("CVE-2024-38474", "Umgehung von Einschränkungen beim Umschreiben von Adressen",
                       "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", 9.1, "CRITICAL")]),
    DemoAdvisory(
        "WID-MUSTER-2026-0105", "Rockwell Automation FactoryTalk View: Schwachstelle in der Webschnittstelle",
        "mittel", 9,
        "Eine Schwachstelle in FactoryTalk View Site Edition erlaubt einem Angreifer im selben Netz, "
        "Projektdateien zu lesen.",
        "Installieren Sie die Patches des Herstellers und trennen Sie Leitsysteme (etwa der Kläranlage) vom "
        "Verwaltungsnetz.",
        [Product("Rockwell Automation", "FactoryTalk View SE", "<=V14.00",
                 "cpe:2.3:a:rockwellautomation:factorytalk_view:*:*:*:*:se:*:*:*")],
        [Vulnerability("CVE-2024-6079", "Unzureichende Zugriffskontrolle",
                       "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 6.5, "MEDIUM")]),
    DemoAdvisory(
        "WID-MUSTER-2026-0106", "Ivanti Connect Secure: Befehlsausführung und Umgehung der Anmeldung", "kritisch", 30,
        "Zwei Schwachstellen in Ivanti Connect Secure lassen sich verketten, um ohne Anmeldung Befehle auf dem "
        "Gerät auszuführen.",
        "Spielen Sie die Updates des Herstellers ein und prüfen Sie das Gerät mit dem Integrity Checker.",
        [Product("Ivanti", "Connect Secure", "<22.7R2", "cpe:2.3:a:ivanti:connect_secure:*:*:*:*:*:*:*:*", "22.7R2")],
        [Vulnerability("CVE-2024-21887", "Befehlsinjektion in Webkomponenten",
                       "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 9.1, "CRITICAL"),
         Vulnerability("CVE-2023-46805", "Umgehung der Authentifizierung",
                       "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N", 8.2, "HIGH")]),
]


def documents(now: datetime) -> list[dict[str, Any]]:
    return [build(advisory, now) for advisory in ADVISORIES]
