"""CSV and CycloneDX readers and the import: German/English headers, BOM, both separators, a wrong or
missing column named, a bad line with its number, nothing half-imported; SBOMs shaped like real ones
(nested components, missing versions, circular dependencies, duplicate bom-refs) and 100,001 components
refused quickly."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from kommcert.errors import InvalidInput
from kommcert.inventory import csv_import, cyclonedx
from kommcert.inventory import service as inventory
from kommcert.inventory.models import InventoryItem
from tests.personas import Personas

CSV_DE = ("\ufeffHersteller;Produkt;Version;CPE;Anzahl;Einsatzort\n"
          "Microsoft;Exchange Server;2019 CU12;;2;Rathaus\n"
          "\n"
          "Rockwell;FactoryTalk;13.0;;1;Klärwerk\n").encode()
CSV_EN = (b'vendor,product,version,purl,count,where_used\n'
          b'Apache,"Log4j, core",2.14.1,pkg:maven/org.apache/log4j@2.14.1,3,\n')


def _items(p: Personas) -> int:
    return p.db.scalar(select(func.count()).select_from(InventoryItem))


def _import(p: Personas, fmt: str, data: bytes, replace: bool = False):  # noqa: ANN202
    return inventory.import_file(p.db, actor=p.actor("gemeinde_a1_admin"), org_id=p.orgs["gemeinde_a1"].id,
                                 fmt=fmt, data=data, name="test", replace=replace)


def test_csv_german_with_bom_and_semicolons() -> None:
    lines = csv_import.read(CSV_DE)
    assert [(r.line, r.data["product"], r.data["count"]) for r in lines] == [(2, "Exchange Server", "2"),
                                                                            (4, "FactoryTalk", "1")]


def test_csv_english_with_commas() -> None:
    (line,) = csv_import.read(CSV_EN)
    assert (line.data["product"], line.data["purl"]) == ("Log4j, core", "pkg:maven/org.apache/log4j@2.14.1")


@pytest.mark.parametrize(("data", "fragment"), [
    (b"hersteller;produkt;farbe\nx;y;z\n", "Unbekannte Spalte „farbe“"),
    (b"hersteller;version\nx;1\n", "Spalte „produkt“"),
    (b"produkt;produkt\nx;y\n", "doppelt"),
    ("produkt\nK\u00e4se\n".encode("latin-1"), "UTF-8"),
    (b"", "leer"),
    (b"produkt\nx;y;z\n", "Zeile 2"),
])
def test_csv_file_errors_are_one_clear_line(data: bytes, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        csv_import.read(data)
    assert fragment in caught.value.de and "\n" not in caught.value.de


def test_a_bad_line_refuses_the_whole_file_with_its_number(p: Personas) -> None:
    data = b"produkt;anzahl;cpe\nExchange;1;\nOutlook;null;\nWord;1;cpe:/bad\n"
    preview = inventory.preview_import("csv", data)
    assert [(line.line, bool(line.errors)) for line in preview.lines] == [(2, False), (3, True), (4, True)]
    with pytest.raises(InvalidInput) as caught:
        _import(p, "csv", data)
    assert caught.value.de.startswith("Zeile 3: Anzahl") and "1 weitere" in caught.value.de
    assert _items(p) == 0


def test_import_adds_or_replaces_lines_of_the_same_origin(p: Personas) -> None:
    inventory.add_item(p.db, actor=p.actor("gemeinde_a1_admin"), org_id=p.orgs["gemeinde_a1"].id,
                       item_in=inventory.ItemIn(product="Handarbeit"))
    assert _import(p, "csv", CSV_DE).added == 2
    assert _import(p, "csv", CSV_EN).added == 1
    result = _import(p, "csv", CSV_EN, replace=True)
    assert (result.added, result.removed) == (1, 3)
    products = set(p.db.scalars(select(InventoryItem.product)))
    assert products == {"Handarbeit", "Log4j, core"}


def _sbom(components: list, **extra: object) -> bytes:
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": components,
                       **extra}).encode()


def test_cyclonedx_nested_missing_versions_and_circular_dependencies() -> None:
    components = [
        {"type": "application", "bom-ref": "a", "name": "Fachverfahren", "publisher": "Kommunal-Software GmbH",
         "version": "4.2", "components": [
             {"type": "library", "bom-ref": "b", "group": "org.apache.logging.log4j", "name": "log4j-core",
              "version": "2.14.1", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
              "components": [{"type": "library", "bom-ref": "c", "name": "jndi-thing"}]}]},
        {"type": "library", "bom-ref": "b", "group": "org.apache.logging.log4j", "name": "log4j-core",
         "version": "2.14.1", "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
        {"type": "library", "bom-ref": "d", "name": "openssl", "supplier": {"name": "OpenSSL Project"},
         "cpe": "cpe:2.3:a:openssl:openssl:3.0.1:*:*:*:*:*:*:*", "version": "3.0.1"},
    ]
    deps = [{"ref": "a", "dependsOn": ["b"]}, {"ref": "b", "dependsOn": ["c"]}, {"ref": "c", "dependsOn": ["a"]}]
    lines = cyclonedx.read(_sbom(components, dependencies=deps,
                                 metadata={"component": {"name": "Bürgerportal", "version": "1"}}))
    assert [(r.data["vendor"], r.data["product"], r.data["version"]) for r in lines] == [
        ("", "Bürgerportal", "1"), ("Kommunal-Software GmbH", "Fachverfahren", "4.2"),
        ("org.apache.logging.log4j", "log4j-core", "2.14.1"), ("", "jndi-thing", ""),
        ("OpenSSL Project", "openssl", "3.0.1")]
    assert {r.data["where_used"] for r in lines} == {"SBOM Bürgerportal"}


def test_cyclonedx_deep_nesting_is_walked_without_recursion() -> None:
    node: dict = {"name": "leaf"}
    for i in range(300):
        node = {"name": f"n{i}", "components": [node]}
    assert len(cyclonedx.read(_sbom([node]))) == 301


def test_cyclonedx_refuses_100001_components_quickly() -> None:
    data = _sbom([{"type": "library", "name": f"lib{i}", "version": "1"} for i in range(100_001)])
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as caught:
        cyclonedx.read(data)
    assert "100.000 Komponenten" in caught.value.de
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(("data", "fragment"), [
    (b"{", "kein gültiges JSON"),
    (b'{"bomFormat": "SPDX"}', "bomFormat"),
    (b'{"bomFormat": "CycloneDX", "specVersion": "1.1"}', "1.2 bis 1.6"),
    (b'{"bomFormat": "CycloneDX", "specVersion": "1.4", "components": {}}', "keine Liste"),
    (b'{"bomFormat": "CycloneDX", "specVersion": "1.4", "components": []}', "keine Komponenten"),
    (b'{"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [1]}', "kein Objekt"),
    (b"[" * 100_000, "zu tief verschachtelt"),
])
def test_cyclonedx_bad_files(data: bytes, fragment: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        cyclonedx.read(data)
    assert fragment in caught.value.de


def test_a_bad_component_names_its_position_and_imports_nothing(p: Personas) -> None:
    data = _sbom([{"name": "ok"}, {"name": "bad", "purl": "pkg:"}])
    with pytest.raises(InvalidInput) as caught:
        _import(p, "cyclonedx", data)
    assert caught.value.de.startswith("Komponente 2: purl")
    assert _items(p) == 0
    assert _import(p, "cyclonedx", _sbom([{"name": "ok"}, {"name": "gut", "version": "2"}])).added == 2
