"""The indexed engine against the nested-loop reference, and the result rules on small cases."""

from __future__ import annotations

from hypothesis import given, settings

from kommcert.advisories.matching import engine, reference
from tests.advisories.matching.strategies import datasets


@settings(max_examples=300, deadline=None)
@given(datasets)
def test_it_equals_the_reference(data: tuple) -> None:
    lines, products = data
    assert engine.match(lines, products) == reference.match(lines, products)


def test_the_property_data_hits_every_result() -> None:
    from tests.advisories.matching.strategies import dataset

    lines, products = dataset(7, orgs=5, lines=300, advisories=20, products=120)
    results = {outcome[0] for outcome in engine.match(lines, products).values()}
    assert results == {"affected", "possibly", "fixed", "not_affected"}


def L(item_id, org_id, vendor="apache", product="http_server", version="", cpe="", purl=""):  # noqa: ANN001, ANN201, N802
    return (item_id, org_id, vendor, product, version, cpe, purl)


def P(status, version="", vendor="apache", product="http_server", cpe="", purl="", pid="CSAFPID-1"):  # noqa: ANN001, ANN201, N802
    return (1, 1, pid, vendor, product, version, cpe, purl, status)


def one(lines: list, products: list) -> dict:
    return {org: outcome for (_, org), outcome in engine.match(lines, {1: products}).items()}


def test_an_affected_version_in_range_is_affected_with_the_reason() -> None:
    out = one([L(5, 1, version="2.4.57")], [P("affected", "<2.4.58")])
    assert out[1][0] == "affected"
    assert out[1][1] == [{"item_id": 5, "product_id": "CSAFPID-1", "result": "affected",
                          "why": "Name; Version 2.4.57 in <2.4.58"}]


def test_a_version_outside_the_range_gives_no_row() -> None:
    assert one([L(5, 1, version="2.4.58")], [P("affected", "<2.4.58")]) == {}


def test_no_inventory_version_or_an_unreadable_range_is_possibly() -> None:
    out = one([L(5, 1), L(6, 2, version="2.4")], [P("affected", "<2.4.58"), P("affected", "siehe Hinweis", pid="X")])
    assert out[1][0] == "possibly" and out[1][1][0]["why"] == "Name; Version im Inventar fehlt"
    assert out[2][0] == "affected"
    assert {r["why"] for r in out[2][1]} == {"Name; Version 2.4 in <2.4.58",
                                              "Name; Version nicht vergleichbar: siehe Hinweis"}


def test_under_investigation_is_possibly() -> None:
    assert one([L(5, 1, version="1.0")], [P("under_investigation")])[1][0] == "possibly"


def test_only_fixed_hits_are_fixed_and_only_not_affected_hits_not_affected() -> None:
    out = one([L(5, 1, version="2.4.58"), L(6, 2, version="2.3")],
              [P("affected", "<2.4.58"), P("fixed", "2.4.58", pid="F"), P("not_affected", "<2.4", pid="N")])
    assert out[1][0] == "fixed"
    assert out[2][0] == "affected"  # 2.3 is in both: the strongest wins
    out = one([L(7, 3, version="2.3")], [P("not_affected", "<2.4")])
    assert out[3][0] == "not_affected"


def test_cpe_and_purl_identify_across_different_names() -> None:
    lines = [L(1, 1, vendor="", product="Apache Webserver",
               cpe="cpe:2.3:a:apache:http_server:2.4.50:*:*:*:*:*:*:*"),
             L(2, 2, vendor="", product="my-lodash", purl="pkg:npm/lodash@4.17.20"),
             L(3, 3, vendor="", product="other", cpe="cpe:2.3:a:apache:tomcat:9.0:*:*:*:*:*:*:*")]
    products = [P("affected", "<2.4.58", vendor="x", product="y", cpe="cpe:/a:apache:http_server"),
                P("affected", "vers:npm/<4.17.21", vendor="x", product="y", purl="pkg:npm/lodash", pid="L")]
    out = one(lines, products)
    assert set(out) == {1, 2}
    assert out[1][1][0]["why"] == "CPE; Version 2.4.50 in <2.4.58"
    assert out[2][1][0]["why"] == "purl; Version 4.17.20 in vers:npm/<4.17.21"


def test_a_malformed_cpe_falls_back_to_names() -> None:
    out = one([L(1, 1, version="2.4.1", cpe="cpe:2.3:a:broken name")], [P("affected", "<2.4.58", cpe="cpe:2.3:x")])
    assert out[1][1][0]["why"].startswith("Name; ")


def test_reasons_are_capped() -> None:
    lines = [L(n, 1, version="1.0") for n in range(1, 80)]
    out = one(lines, [P("affected", "<2")])
    assert len(out[1][1]) == engine.MAX_REASONS
    assert out[1][1][0]["item_id"] == 1


@settings(max_examples=100, deadline=None)
@given(datasets)
def test_the_json_reasons_are_what_json_dumps_writes(data: tuple) -> None:
    import json

    lines, products = data
    index = engine.LineIndex()
    index.add(lines)
    for advisory_products in products.values():
        plain = engine.match_products(index, advisory_products)
        as_json = {org: (result, text) for org, result, text in engine.match_products_json(index, advisory_products)}
        assert as_json == {org: (result, json.dumps(reasons)) for org, (result, reasons) in plain.items()}
