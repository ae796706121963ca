"""Done when: a provider laid out like a real CSAF trusted provider (loopback, signed with a test key)
is pulled, checked and validated; a tampered document lands in the quarantine; a second pull fetches
nothing new; a new revision updates the advisory and keeps the history; a provider that answers HTML
or times out leaves a clear error and the other documents are still stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kommcert.advisories import pull
from kommcert.advisories.models import Advisory, AdvisoryRevision, CsafSource, QuarantinedDocument
from kommcert.config import Settings
from tests.advisories.ingest.conftest import advisory_named
from tests.advisories.ingest.docs import advisory, revised
from tests.advisories.ingest.provider import Provider, serve
from tests.personas import Personas


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[Provider]:
    with serve(tmp_path / "www") as found:
        found.write_metadata()
        yield found


@pytest.fixture
def loopback(settings: Settings) -> Settings:
    return settings.model_copy(update={"outbound_hosts": "127.0.0.1", "outbound_timeout": 0.5})


def _source(db: Session, personas: Personas, url: str, kind: str = "provider", **kw: object) -> CsafSource:
    found = CsafSource(name="Beispiel PSIRT", url=url, kind=kind, owner_org_id=personas.orgs["land_cert"].id, **kw)
    db.add(found)
    db.flush()
    return found


def _count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_a_trusted_provider_is_pulled_checked_and_validated(db: Session, personas: Personas, provider: Provider,
                                                            loopback: Settings) -> None:
    first = advisory("BSP-2026-0001", days_ago=5)
    provider.publish(first)
    provider.publish(advisory("BSP-2026-0002", days_ago=4, tlp="GREEN"))
    tampered = provider.publish(advisory("BSP-2026-0003", days_ago=3))
    provider.tamper(tampered)
    broken = advisory("BSP-2026-0004", days_ago=2)
    broken["document"]["tracking"]["version"] = "eins"
    provider.publish(broken)
    source = _source(db, personas, provider.metadata_url)

    report = pull.pull_source(db, source, settings=loopback)
    assert dict(report.counts) == {"new": 2, "quarantined": 2}, report.errors
    assert source.last_error == "" and source.last_success_at == source.last_pull_at
    assert source.key_fingerprints == [provider.fingerprint()] and "PUBLIC KEY" in source.public_keys
    assert all(r.signature_checked for r in db.scalars(select(AdvisoryRevision)))
    assert advisory_named(db, "BSP-2026-0002").tlp == "green"
    reasons = {q.tracking_id: q.reasons for q in db.scalars(select(QuarantinedDocument))}
    assert reasons["BSP-2026-0003"][:2] == ["Prüfsumme stimmt nicht (SHA256)", "Prüfsumme stimmt nicht (SHA512)"]
    assert reasons["BSP-2026-0003"][2].startswith("Signatur ungültig")
    assert reasons["BSP-2026-0004"][0].startswith("schema:")

    # nothing new: nothing fetched, nothing stored (the directory's and the feed's cursors moved)
    again = pull.pull_source(db, source, settings=loopback)
    assert dict(again.counts) == {} and again.errors == []
    assert (_count(db, Advisory), _count(db, AdvisoryRevision), _count(db, QuarantinedDocument)) == (2, 2, 2)

    # a new revision updates the advisory and keeps the history
    second = revised(first, "2", hours_later=24)
    second["document"]["title"] = "Schwachstelle in Beispiel Server (aktualisiert)"
    provider.publish(second)
    third = pull.pull_source(db, source, settings=loopback)
    assert dict(third.counts) == {"updated": 1}, third.errors
    adv = advisory_named(db, "BSP-2026-0001")
    assert (adv.version, adv.title) == ("2", "Schwachstelle in Beispiel Server (aktualisiert)")
    assert sorted(db.scalars(select(AdvisoryRevision.version).where(AdvisoryRevision.advisory_id == adv.id))) == [
        "1", "2"]


def test_a_missing_signature_is_quarantined_when_required(db: Session, personas: Personas, provider: Provider,
                                                          loopback: Settings) -> None:
    provider.publish(advisory("BSP-U-1"), sign_it=False)
    source = _source(db, personas, provider.metadata_url)
    assert dict(pull.pull_source(db, source, settings=loopback).counts) == {"quarantined": 1}
    assert db.scalar(select(QuarantinedDocument.reasons)) == ["Signatur fehlt (.asc)"]
    lax = _source(db, personas, provider.base + "/.well-known/csaf/white/", kind="directory", require_signature=False)
    assert dict(pull.pull_source(db, lax, settings=loopback).counts) == {"new": 1}


def test_a_key_that_does_not_match_its_pin_stops_the_pull(db: Session, personas: Personas, provider: Provider,
                                                          loopback: Settings) -> None:
    provider.publish(advisory("BSP-P-1"))
    source = _source(db, personas, provider.metadata_url, key_fingerprints=["AAAA" * 10])
    report = pull.pull_source(db, source, settings=loopback)
    assert "Fingerabdruck" in source.last_error and source.public_keys == ""
    assert dict(report.counts) == {} and _count(db, Advisory) == 0


def test_html_and_timeouts_leave_an_error_and_the_rest_is_stored(db: Session, personas: Personas, provider: Provider,
                                                                  loopback: Settings) -> None:
    provider.write_metadata(with_feed=False)
    slow = provider.publish(advisory("BSP-T-1", days_ago=3))
    provider.publish(advisory("BSP-T-2", days_ago=2))
    provider.slow.add(slow)
    source = _source(db, personas, provider.metadata_url)
    html_source = _source(db, personas, provider.base + "/html/provider-metadata.json")
    provider.html.add("/html/provider-metadata.json")

    report = pull.pull_source(db, source, settings=loopback)
    assert dict(report.counts) == {"new": 1, "errors": 1}
    assert "Zeitüberschreitung" in source.last_error and source.last_success_at is None
    pull.pull_source(db, html_source, settings=loopback)
    assert "Antwort ist HTML" in html_source.last_error and html_source.last_counts == {}

    provider.slow.clear()  # the cursor stopped before the failed document: it is fetched again next time
    assert dict(pull.pull_source(db, source, settings=loopback).counts) == {"new": 1, "unchanged": 1}
    assert source.last_error == ""


def test_hostile_answers(db: Session, personas: Personas, provider: Provider, loopback: Settings) -> None:
    provider.write_metadata(with_feed=False)
    big = advisory("BSP-H-1")
    big["document"]["notes"][0]["text"] = "x" * 5000
    provider.publish(big)
    provider.publish(advisory("BSP-H-2"), content=b'{"document": ["wrong", "types"]}')
    provider.publish(advisory("BSP-H-3"), content=b"\x00\xff not json")
    source = _source(db, personas, provider.metadata_url)
    small = loopback.model_copy(update={"max_attachment_bytes": 4096})
    report = pull.pull_source(db, source, settings=small)
    assert dict(report.counts) == {"quarantined": 3}
    reasons = sorted(r for q in db.scalars(select(QuarantinedDocument)) for r in q.reasons[:1])
    assert reasons[0].startswith("Kein UTF-8") or reasons[0].startswith("Kein gültiges JSON")
    assert any("größer als" in r for r in reasons) and any(r.startswith("schema:") for r in reasons)


def test_a_malformed_index_is_a_clear_error(db: Session, personas: Personas, provider: Provider,
                                            loopback: Settings) -> None:
    provider.write_metadata(with_feed=False)
    provider.publish(advisory("BSP-M-1"))
    (provider.directory / "changes.csv").write_text("<html>kaputt</html>\n")
    source = _source(db, personas, provider.metadata_url)
    pull.pull_source(db, source, settings=loopback)
    assert "changes.csv: fehlerhafte Zeile 1" in source.last_error


def test_discovery_by_domain_and_aggregator(db: Session, personas: Personas, provider: Provider,
                                            loopback: Settings) -> None:
    provider.publish(advisory("BSP-D-1"))
    by_domain = _source(db, personas, provider.base, kind="domain")
    assert dict(pull.pull_source(db, by_domain, settings=loopback).counts) == {"new": 1}
    agg = provider.root / "aggregator.json"
    agg.write_text(json.dumps({"csaf_providers": [{"metadata": {"url": f"{provider.base}/nowhere.json"},
                                                   "mirrors": [provider.metadata_url]}]}))
    aggregated = _source(db, personas, provider.base + "/aggregator.json", kind="aggregator")
    report = pull.pull_source(db, aggregated, settings=loopback)
    assert dict(report.counts) == {"unchanged": 1} and aggregated.last_error == ""


def test_only_due_sources_are_pulled(db: Session, personas: Personas, provider: Provider) -> None:
    from kommcert.db import utcnow

    fresh = _source(db, personas, provider.metadata_url, last_pull_at=utcnow(), interval_minutes=60)
    never = _source(db, personas, provider.metadata_url)
    _source(db, personas, provider.metadata_url, enabled=False)
    assert pull.due_sources(db) == [never]
    assert fresh in pull.due_sources(db, now=utcnow() + __import__("datetime").timedelta(minutes=61))
