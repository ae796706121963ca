"""Publishing an own warning: a valid CSAF 2.0 document, tracking ids, revisions, refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kommcert.advisories import authoring, csaf_builder
from kommcert.advisories.models import AdvisoryProduct, AdvisoryRevision, AdvisoryState
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.sharing.tlp import TLP
from tests.advisories.own.conftest import CVSS3, EXCHANGE


def test_it_publishes_a_valid_csaf_document(db, write, publish) -> None:  # noqa: ANN001
    advisory = publish(write())
    doc = advisory.document
    assert advisory.state == AdvisoryState.published
    assert csaf_builder.failed_tests(doc) == []
    assert doc["document"]["category"] == "csaf_security_advisory"
    assert doc["document"]["lang"] == "de"
    assert doc["document"]["publisher"] == {"category": "coordinator", "name": "Landes-CERT",
                                            "namespace": "http://testserver"}
    tracking = doc["document"]["tracking"]
    assert tracking["id"] == advisory.tracking_id
    assert tracking["id"].startswith(f"KOMMCERT-{advisory.initial_release_date.year}-")
    assert tracking["status"] == "final" and tracking["version"] == "1"
    assert doc["document"]["distribution"]["tlp"]["label"] == "WHITE"
    vuln = doc["vulnerabilities"][0]
    assert vuln["cve"] == "CVE-2026-12345"
    assert vuln["scores"][0]["cvss_v3"]["baseScore"] == 9.8
    assert any(n["title"] == "CVSS 4.0" and "9.3" in n["text"] for n in vuln["notes"])
    assert {r["category"] for r in vuln["remediations"]} == {"vendor_fix", "mitigation"}
    assert doc["document"]["references"][0]["category"] == "self"
    assert doc["document"]["references"][0]["url"].endswith(
        f"/.well-known/csaf/white/{advisory.initial_release_date.year}/{csaf_builder.filename(advisory.tracking_id)}")
    statuses = set(db.scalars(select(AdvisoryProduct.status).where(AdvisoryProduct.advisory_id == advisory.id)))
    assert statuses == {"affected", "fixed"}
    assert advisory.tlp == TLP.clear


def test_it_numbers_tracking_ids_per_year(write, publish) -> None:  # noqa: ANN001
    first, second = publish(write()), publish(write(title="Zweite Warnung"))
    n1, n2 = int(first.tracking_id.rsplit("-", 1)[1]), int(second.tracking_id.rsplit("-", 1)[1])
    assert n2 == n1 + 1


@pytest.mark.parametrize("values", [
    {"title": "Umlaute: Größe, Übel, Ärger – ß", "description": "Ä Ö Ü ä ö ü ß € „Anführung“"},
    {"cves": []},
    {"products": [{"vendor": f"Hersteller {i}", "product": f"Produkt {i % 7}", "version": f"<{i}.0",
                   "fixed": f"{i}.0"} for i in range(1, 120)]},
    {"products": [EXCHANGE, {"vendor": "Siemens AG", "product": "SIMATIC S7-1500", "version": ""},
                  {"product": "openssl", "version": "3.0.0 bis 3.0.13", "purl": "pkg:generic/openssl@3.0.0"}]},
    {"tlp": "amber+strict"},
    {"cves": [{"id": "CVE-2026-0001"}, {"id": "cve-2026-0002", "cvss3": CVSS3}, {"id": "CVE-2026-0001"}]},
])
def test_its_documents_pass_the_validator(write, publish, values) -> None:  # noqa: ANN001
    advisory = publish(write(**values))
    assert csaf_builder.failed_tests(advisory.document) == []


def test_an_update_makes_the_next_revision(db, personas, write, publish) -> None:  # noqa: ANN001
    advisory = publish(write())
    first_release = advisory.current_release_date
    authoring.update_warning(db, actor=personas.actor("land_cert_analyst"), advisory_id=advisory.id,
                             changes={"measures": "Jetzt auch Notfallpatch einspielen."})
    assert authoring.has_pending_changes(advisory)
    advisory = publish(advisory, change_summary="Maßnahmen ergänzt")
    tracking = advisory.document["document"]["tracking"]
    assert tracking["version"] == "2"
    assert [h["number"] for h in tracking["revision_history"]] == ["1", "2"]
    assert tracking["revision_history"][1]["summary"] == "Maßnahmen ergänzt"
    assert advisory.current_release_date >= first_release
    assert advisory.measures == "Jetzt auch Notfallpatch einspielen."
    assert db.scalar(select(AdvisoryRevision.id).where(AdvisoryRevision.advisory_id == advisory.id,
                                                       AdvisoryRevision.version == "2")) is not None
    assert not authoring.has_pending_changes(advisory)


def test_it_refuses_an_invalid_cvss_vector_naming_it(write) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput, match="CVE-2026-12345.*CVSS:3.1/AV:X"):
        write(cves=[{"id": "CVE-2026-12345", "cvss3": "CVSS:3.1/AV:X/AC:L"}])
    with pytest.raises(InvalidInput, match="CVSS 4.0"):
        write(cves=[{"id": "CVE-2026-12345", "cvss4": CVSS3}])


def test_it_refuses_bad_values(write) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput, match="Not a CVE id"):
        write(cves=[{"id": "CVE-26-1"}])
    with pytest.raises(InvalidInput, match="valid address"):
        write(references=[{"url": "javascript:alert(1)"}])
    with pytest.raises(InvalidInput, match="purl"):
        write(products=[{"product": "x", "purl": "not a purl"}])
    with pytest.raises(InvalidInput, match="the same"):
        write(products=[{"product": "x", "version": "1.0", "fixed": "1.0"}])
    with pytest.raises(InvalidInput, match="catalogue"):
        write(products=[{"catalog_id": 999999}])


def test_it_refuses_to_publish_without_products_or_description(write, publish) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput, match="affected product"):
        publish(write(products=[]))
    with pytest.raises(InvalidInput, match="description"):
        publish(write(description=""))


def test_it_refuses_a_document_that_fails_the_validator(write, publish, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(csaf_builder, "iso", lambda moment: "gestern")
    with pytest.raises(InvalidInput, match="schema"):
        publish(write())


def test_drafts_are_seen_by_the_authors_organisation_only(db, personas, write) -> None:  # noqa: ANN001
    draft = write(tlp="clear")
    assert draft.tlp == TLP.amber_strict and draft.state == AdvisoryState.draft
    from kommcert.sharing import policy

    assert policy.can(db, personas.actor("land_cert_admin"), policy.VIEW, draft)
    for outsider in ("anonymous", "kreis_a_admin", "gemeinde_a1_member"):
        assert not policy.can(db, personas.actor(outsider), policy.VIEW, draft), outsider
    with pytest.raises(NotFound):
        authoring.get_own_warning(db, actor=personas.actor("kreis_a_admin"), advisory_id=draft.id)


def test_only_cert_writers_author(db, personas, write) -> None:  # noqa: ANN001
    for who in ("kreis_a_admin", "gemeinde_a1_member", "provider_x"):
        with pytest.raises(PermissionDenied):
            write(who=who)
