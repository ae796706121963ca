"""Storing documents: new, updated, unchanged, older, quarantined; TLP, audience, owner, products."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kommcert.advisories import events, ingest
from kommcert.advisories.models import (
    Advisory,
    AdvisoryOrigin,
    AdvisoryProduct,
    AdvisoryRevision,
    CsafSource,
    QuarantinedDocument,
)
from kommcert.errors import InvalidInput
from kommcert.sharing import policy
from kommcert.sharing.service import Audience, get_audience
from tests.advisories.ingest.conftest import advisory_named
from tests.advisories.ingest.docs import advisory, data_file, raw, revised
from tests.personas import Personas


@pytest.fixture
def changed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    monkeypatch.setattr(events, "advisory_changed", lambda db, adv: seen.append(adv.id))
    return seen


def test_it_stores_a_new_advisory_with_its_products(db: Session, source: CsafSource, changed: list[int]) -> None:
    result = ingest.ingest(db, raw=data_file("beispiel-de.json"), name="beispiel-de.json", source=source)
    assert result.status == "new" and result.advisory_id == changed[0]
    adv = db.get(Advisory, result.advisory_id)
    assert (adv.tracking_id, adv.tlp, adv.risk, adv.owner_org_id, adv.source_id) == (
        "BEISPIEL-DE-2026-0007", "clear", "kritisch", source.owner_org_id, source.id)
    assert adv.origin == AdvisoryOrigin.csaf and adv.cves == ["CVE-2026-12345"] and adv.cvss_max == 9.8
    assert adv.summary.startswith("Ein Angreifer")
    statuses = sorted(db.scalars(select(AdvisoryProduct.status).where(AdvisoryProduct.advisory_id == adv.id)))
    assert statuses == ["affected", "affected", "fixed"]
    assert db.scalar(select(func.count()).select_from(AdvisoryRevision)) == 1


def test_a_newer_revision_wins_and_the_older_stays_in_the_history(db: Session, source: CsafSource,
                                                                  changed: list[int]) -> None:
    first = advisory("EX-7", severity="niedrig")
    second = revised(first, "2")
    second["document"]["aggregate_severity"] = {"text": "hoch"}
    del second["vulnerabilities"][0]["product_status"]["fixed"]
    assert ingest.ingest(db, raw=raw(first), name="a", source=source).status == "new"
    assert ingest.ingest(db, raw=raw(second), name="b", source=source).status == "updated"
    assert ingest.ingest(db, raw=raw(second), name="b", source=source).status == "unchanged"
    adv = advisory_named(db, "EX-7")
    assert (adv.version, adv.risk) == ("2", "hoch")
    assert len(changed) == 2
    assert db.scalar(select(func.count()).select_from(AdvisoryProduct).where(
        AdvisoryProduct.advisory_id == adv.id, AdvisoryProduct.status == "fixed")) == 0
    # an older revision arriving late joins the history, changes nothing
    older = revised(first, "1")
    older["document"]["title"] = "alte Fassung, anders geschrieben"
    older["document"]["tracking"]["revision_history"] = older["document"]["tracking"]["revision_history"][:1]
    older["document"]["tracking"]["current_release_date"] = first["document"]["tracking"]["current_release_date"]
    assert ingest.ingest(db, raw=raw(older), name="c", source=source).status == "older"
    db.refresh(adv)
    assert adv.version == "2" and len(changed) == 2
    assert sorted(db.scalars(select(AdvisoryRevision.version).where(AdvisoryRevision.advisory_id == adv.id))) == [
        "1", "1", "2"]


def test_amber_gets_the_sources_audience_and_clear_none(db: Session, source: CsafSource, personas: Personas,
                                                        changed: list[int]) -> None:
    amber = ingest.ingest(db, raw=raw(advisory("EX-A", tlp="AMBER")), name="a", source=source)
    unlabelled = ingest.ingest(db, raw=raw(advisory("EX-N", tlp=None)), name="n", source=source)
    clear = ingest.ingest(db, raw=raw(advisory("EX-C")), name="c", source=source)
    kreis_a = personas.orgs["kreis_a"].id
    for result in (amber, unlabelled):
        adv = db.get(Advisory, result.advisory_id)
        assert adv.tlp == "amber" and get_audience(db, adv).orgs == (kreis_a,)
        assert policy.can(db, personas.actor("gemeinde_a1_member"), policy.VIEW, adv)
        assert not policy.can(db, personas.actor("gemeinde_b1_member"), policy.VIEW, adv)
    assert get_audience(db, db.get(Advisory, clear.advisory_id)) == Audience()


def test_an_upload_belongs_to_the_uploaders_org_with_the_given_audience(db: Session, personas: Personas,
                                                                         changed: list[int]) -> None:
    actor = personas.actor("land_cert_analyst")
    b1 = personas.orgs["gemeinde_b1"].id
    result = ingest.ingest(db, raw=raw(advisory("EX-U", tlp="RED")), name="u.json", actor=actor,
                           audience=Audience(users=(personas.users["kreis_b_admin"].id,), orgs=(b1,)))
    adv = db.get(Advisory, result.advisory_id)
    assert (adv.owner_org_id, adv.created_by_id, adv.source_id, adv.tlp) == (
        personas.orgs["land_cert"].id, actor.user_id, None, "red")
    assert policy.can(db, personas.actor("kreis_b_admin"), policy.VIEW, adv)
    assert not policy.can(db, personas.actor("gemeinde_b1_member"), policy.VIEW, adv)


@pytest.mark.parametrize(("content", "reason"), [
    (b"<html>nope</html>", "Kein gültiges JSON"), (b"[]", "Kein JSON-Objekt"),
    (b'{"document": {"tracking": {"id": 5}}}', "schema:")])
def test_invalid_documents_go_to_the_quarantine(db: Session, source: CsafSource, changed: list[int],
                                                content: bytes, reason: str) -> None:
    result = ingest.ingest(db, raw=content, name="http://x/doc.json", source=source)
    assert result.status == "quarantined" and result.reasons[0].startswith(reason)
    row = db.get(QuarantinedDocument, result.quarantine_id)
    assert (row.source_id, row.url, row.size, row.content) == (source.id, "http://x/doc.json", len(content), content)
    assert db.scalar(select(func.count()).select_from(Advisory)) == 0 and changed == []


def test_the_quarantine_keeps_what_identity_it_can_read_and_not_huge_bytes(db: Session, source: CsafSource,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    doc = advisory("EX-BAD")
    doc["document"]["tracking"]["version"] = "x"  # not a version the schema allows
    monkeypatch.setattr(ingest, "KEEP_BYTES", 100)
    row = db.get(QuarantinedDocument, ingest.ingest(db, raw=raw(doc), name="n", source=source).quarantine_id)
    assert (row.tracking_id, row.publisher_namespace, row.content) == ("EX-BAD", "https://psirt.example.de", None)
    assert row.sha256 == ingest.sha256(raw(doc))


def test_an_identity_too_long_for_the_store_is_quarantined(db: Session, source: CsafSource, changed: list[int]) -> None:
    result = ingest.ingest(db, raw=raw(advisory("X" * 301)), name="long", source=source)
    assert result.status == "quarantined" and "Kennung zu lang" in result.reasons[0]


def test_a_pulled_document_cannot_replace_an_own_warning(db: Session, source: CsafSource, personas: Personas,
                                                          changed: list[int]) -> None:
    doc = advisory("OWN-1")
    ingest.store_valid(db, doc=doc, raw=raw(doc), owner_org_id=personas.orgs["land_cert"].id, origin="own")
    result = ingest.ingest(db, raw=raw(revised(doc, "2")), name="x", source=source)
    assert result.status == "quarantined" and "eigenen Warnung" in result.reasons[0]
    assert advisory_named(db, "OWN-1").version == "1"


def test_a_failing_document_leaves_the_others_of_the_transaction(db: Session, source: CsafSource,
                                                                 changed: list[int]) -> None:
    results = [ingest.ingest(db, raw=content, name=str(i), source=source) for i, content in enumerate(
        [raw(advisory("EX-1")), b"{", raw(advisory("EX-2")), raw(advisory("X" * 400))])]
    assert [r.status for r in results] == ["new", "quarantined", "new", "quarantined"]
    db.commit()
    assert db.scalar(select(func.count()).select_from(Advisory)) == 2
    assert db.scalar(select(func.count()).select_from(QuarantinedDocument)) == 2


def test_without_source_or_organisation_nothing_is_stored(db: Session) -> None:
    with pytest.raises(InvalidInput):
        ingest.ingest(db, raw=raw(advisory()), name="x")


def test_the_real_matching_runs_on_a_new_advisory(db: Session, source: CsafSource) -> None:
    result = ingest.ingest(db, raw=data_file("example-en.json"), name="en", source=source)
    assert result.status == "new" and db.get(Advisory, result.advisory_id).lang == "en"
