"""Reading CSAF documents: parse, validate, identity, TLP, risk, CVEs and the flattened products."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kommcert.advisories import csaf_documents as csaf
from kommcert.advisories.models import Risk
from kommcert.errors import InvalidInput
from kommcert.sharing.tlp import TLP
from tests.advisories.ingest.docs import advisory, data_file


@pytest.mark.parametrize(("raw", "message"), [
    (b"\xff\xfe", "UTF-8"), (b"{nope", "JSON"), (b"[1, 2]", "Objekt"), (b'{"a": NaN}', "JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "JSON")])
def test_it_refuses_what_is_not_a_json_object_in_one_line(raw: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        csaf.parse(raw)
    assert message in caught.value.de and "\n" not in caught.value.de


def test_it_accepts_the_shipped_valid_examples_and_the_own_documents() -> None:
    for name in ("beispiel-de.json", "example-en.json", "oasis_csaf_tc-csaf_2_0-2021-6-1-01-12.json",
                 "oasis_csaf_tc-csaf_2_0-2021-6-1-04-12.json", "oasis_csaf_tc-csaf_2_0-2021-6-1-09-11.json"):
        assert csaf.validate(csaf.parse(data_file(name))) == [], name


def test_it_names_the_failed_mandatory_test_in_one_line() -> None:
    reasons = csaf.validate(csaf.parse(data_file("oasis_csaf_tc-csaf_2_0-2021-6-1-01-01.json")))
    assert reasons and reasons[0].startswith("6.1.1 ")
    assert all("\n" not in r and len(r) <= csaf.REASON_CHARS for r in reasons)


def test_it_names_the_schema_error() -> None:
    doc = advisory()
    doc["document"]["tracking"]["version"] = 7
    reasons = csaf.validate(doc)
    assert len(reasons) == 1 and reasons[0].startswith("schema:")


def test_importing_the_validator_leaves_the_root_logger_alone() -> None:
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    csaf._validate_fn = None
    csaf.validate(advisory())
    assert (list(root.handlers), root.level) == before


def test_it_reads_identity_and_texts() -> None:
    doc = advisory("EX-1", version="3")
    ident = csaf.identity(doc)
    assert (ident.publisher_namespace, ident.tracking_id, ident.version) == ("https://psirt.example.de", "EX-1", "3")
    assert ident.current_release_date and ident.initial_release_date < ident.current_release_date
    assert csaf.summary(doc) == "Ein Angreifer kann Code ausführen."
    assert csaf.references(doc)[0]["url"].endswith("/EX-1")
    assert csaf.identity({"document": {"tracking": {"id": 5}}}).tracking_id == ""


def test_versions_order_as_numbers() -> None:
    assert csaf.version_key("2") < csaf.version_key("10")
    assert csaf.version_key("1.2.0-rc.1") < csaf.version_key("1.2.0") < csaf.version_key("1.10.0")


@pytest.mark.parametrize(("label", "expected"), [("WHITE", TLP.clear), ("GREEN", TLP.green), ("AMBER", TLP.amber),
                                                 ("RED", TLP.red), (None, TLP.amber)])
def test_tlp_without_a_label_is_amber(label: str | None, expected: TLP) -> None:
    assert csaf.tlp(advisory(tlp=label)) == expected


@pytest.mark.parametrize(("severity", "cvss", "expected"), [
    ("Hoch", 9.8, Risk.hoch), ("Important", 2.0, Risk.hoch), ("moderate", 9.8, Risk.mittel),
    ("Critical", 1.0, Risk.kritisch), ("niedrig", 9.9, Risk.niedrig), ("Stufe 3", 9.8, Risk.kritisch),
    (None, 8.9, Risk.hoch), (None, 6.9, Risk.mittel), (None, 3.9, Risk.niedrig), (None, 9.0, Risk.kritisch)])
def test_risk_from_words_then_from_the_highest_score(severity: str | None, cvss: float, expected: Risk) -> None:
    assert csaf.risk(advisory(severity=severity, cvss=cvss)) == expected


def test_risk_without_words_or_scores_is_mittel() -> None:
    doc = advisory()
    del doc["vulnerabilities"][0]["scores"]
    assert csaf.risk(doc) == Risk.mittel and csaf.cvss_max(doc) is None


def test_products_flatten_branches_relationships_and_statuses() -> None:
    entries = {(e.product_id, e.status): e for e in csaf.products(advisory())}
    assert set(entries) == {("BS-VULN", "affected"), ("BS-VULN:HOST-7", "affected"), ("BS-241", "fixed")}
    vuln = entries[("BS-VULN", "affected")]
    assert (vuln.vendor, vuln.product, vuln.version) == ("Beispiel AG", "Beispiel Server", "vers:generic/<2.4.1")
    assert (vuln.vendor_key, vuln.product_key) == ("beispiel", "beispiel_server")
    assert vuln.cpe.startswith("cpe:2.3:a:beispiel") and vuln.cves == ["CVE-2026-12345"]
    installed = entries[("BS-VULN:HOST-7", "affected")]  # the component X of "X installed on Y"
    assert (installed.product, installed.version) == ("Beispiel Server", "vers:generic/<2.4.1")
    assert entries[("BS-241", "fixed")].purl == "pkg:generic/beispiel/server@2.4.1"


def test_products_map_every_status_list_and_expand_remediation_groups() -> None:
    doc = advisory()
    tree = doc["product_tree"]
    tree["full_product_names"] = [{"name": f"P{i}", "product_id": f"P{i}", "product_identification_helper": {
        "cpe": f"cpe:2.3:a:acme:tool:{i}.0:*:*:*:*:*:*:*"}} for i in range(8)]
    tree["product_groups"].append({"group_id": "GRP-R", "product_ids": ["P6", "P7"]})
    doc["vulnerabilities"].append({"cve": "CVE-2026-0002", "product_status": {
        "first_affected": ["P0"], "last_affected": ["P1"], "first_fixed": ["P2"], "known_not_affected": ["P3"],
        "under_investigation": ["P4"], "recommended": ["P5"]},
        "remediations": [{"category": "mitigation", "details": "x", "group_ids": ["GRP-R"]}]})
    statuses = {e.product_id: e.status for e in csaf.products(doc) if e.product_id.startswith("P")}
    assert statuses == {"P0": "affected", "P1": "affected", "P2": "fixed", "P3": "not_affected",
                        "P4": "under_investigation", "P5": "recommended", "P6": "affected", "P7": "affected"}
    p2 = next(e for e in csaf.products(doc) if e.product_id == "P2")
    assert (p2.vendor, p2.product, p2.version, p2.vendor_key) == ("acme", "tool", "2.0", "acme")


def test_products_survive_wrong_types() -> None:
    doc = {"product_tree": {"branches": [1, {"branches": "x"}, {"product": []}]},
           "vulnerabilities": [None, {"product_status": {"known_affected": [5, "X"]}}]}
    assert [(e.product_id, e.name, e.status) for e in csaf.products(doc)] == [("X", "X", "affected")]


CATEGORIES = ["vendor", "product_family", "product_name", "product_version", "architecture"]
trees = st.recursive(
    st.builds(lambda c: {"category": c, "name": "v1", "leaf": True}, st.sampled_from(CATEGORIES)),
    lambda children: st.builds(lambda c, kids: {"category": c, "name": "n", "branches": kids},
                               st.sampled_from(CATEGORIES), st.lists(children, min_size=1, max_size=4)),
    max_leaves=40)


def _number_leaves(node: dict, counter: list[int]) -> list[str]:
    if node.pop("leaf", False):
        pid = f"PID-{counter[0]}"
        counter[0] += 1
        node["product"] = {"name": pid, "product_id": pid}
        return [pid]
    return [pid for child in node["branches"] for pid in _number_leaves(child, counter)]


@settings(max_examples=60, deadline=None)
@given(st.lists(trees, min_size=1, max_size=3))
def test_random_nested_branch_trees_flatten_to_every_leaf(roots: list[dict]) -> None:
    counter = [0]
    leaves = [pid for root in roots for pid in _number_leaves(root, counter)]
    doc = {"product_tree": {"branches": roots}, "vulnerabilities": [{"product_status": {"known_affected": leaves}}]}
    found = sorted(e.product_id for e in csaf.products(json.loads(json.dumps(doc))))
    assert found == sorted(leaves)


def test_a_very_deep_branch_tree_does_not_exhaust_the_stack() -> None:
    node: dict = {"category": "product_version", "name": "1", "product": {"name": "deep", "product_id": "DEEP"}}
    for _ in range(5000):
        node = {"category": "vendor", "name": "v", "branches": [node]}
    doc = {"product_tree": {"branches": [node]}, "vulnerabilities": [{"product_status": {"fixed": ["DEEP"]}}]}
    assert [e.version for e in csaf.products(doc)] == ["1"]
