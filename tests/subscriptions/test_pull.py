"""Each kind against a loopback source: what lands where, incremental pulls, replace semantics,
bad sources (nothing lost, one line, backoff)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from kommcert.db import utcnow
from kommcert.errors import InvalidInput
from kommcert.indicators.models import Indicator, Provenance
from kommcert.reports.models import Report
from kommcert.sharing.tlp import TLP
from kommcert.subscriptions import service
from kommcert.subscriptions.models import Subscription
from kommcert.subscriptions.schemas import SubscriptionIn
from tests.subscriptions.conftest import RED, ago, indicator, misp_event

E1 = "5a1c2d3e-1111-4aaa-8bbb-000000000001"
E2 = "5a1c2d3e-2222-4aaa-8bbb-000000000002"


def _add(db, personas, settings, **kw):  # noqa: ANN001, ANN003, ANN202
    data = {"name": "Liste", "kind": "text", "url": "http://127.0.0.1/x", "tlp": "amber", **kw}
    return service.add_subscription(db, actor=personas.actor("kreis_a_admin"), data=SubscriptionIn(**data),
                                    settings=settings)


def _values(db, report_id: int) -> dict[str, Provenance]:  # noqa: ANN001
    rows = db.execute(select(Indicator.value, Provenance).join(Provenance, Provenance.indicator_id == Indicator.id)
                      .where(Provenance.report_id == report_id)).all()
    return {v: p for v, p in rows}


def test_a_text_list_fills_the_subscriptions_report_and_a_changed_list_replaces_it(db, personas, settings,
                                                                                  source) -> None:  # noqa: ANN001
    source.put("/list.txt", "# a list\n203.0.113.7\nevil.example\n", etag='"v1"')
    sub = _add(db, personas, settings, url=f"{source.url}/list.txt", tags=["abo", "phishing"], confidence=40,
               lifetime_days=3)
    result = service.pull_one(db, sub=sub, settings=settings)
    assert result.ok and result.imported == 2
    report = db.get(Report, sub.report_id)
    assert report.title == "Abonnement: Liste" and report.tlp == TLP.amber
    assert report.owner_org_id == personas.orgs["kreis_a"].id
    stored = _values(db, sub.report_id)
    assert set(stored) == {"203.0.113.7", "evil.example"}
    prov = stored["evil.example"]
    assert prov.tags.split("\n") == ["abo", "phishing"] and prov.confidence == 40
    assert prov.valid_until - prov.valid_from == timedelta(days=3)
    assert sub.last_success_at is not None and sub.failures == 0 and sub.total_imported == 2

    # Unchanged: the conditional GET answers 304, nothing is imported.
    again = service.pull_one(db, sub=sub, settings=settings)
    assert again.ok and again.not_modified and again.imported == 0
    assert source.requests[-1][1].get("if-none-match") == '"v1"'

    # Changed: a value gone from the list leaves the report, a new one arrives, the kept one stays.
    source.put("/list.txt", "evil.example\nnew.example\n", etag='"v2"')
    changed = service.pull_one(db, sub=sub, settings=settings)
    assert changed.ok and changed.imported == 1 and changed.removed == 1
    assert set(_values(db, sub.report_id)) == {"evil.example", "new.example"}
    assert sub.total_imported == 3


def test_a_csv_list_uses_if_modified_since_and_keeps_marked_records_apart(db, personas, settings,
                                                                          source) -> None:  # noqa: ANN001
    source.put("/l.csv", "value,type,comment\nbad.example,domain,C2\n198.51.100.4,ipv4,scanner\n",
               content_type="text/csv", headers={"Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT"})
    sub = _add(db, personas, settings, kind="csv", url=f"{source.url}/l.csv", tlp="green")
    assert service.pull_one(db, sub=sub, settings=settings).imported == 2
    service.pull_one(db, sub=sub, settings=settings)
    assert source.requests[-1][1].get("if-modified-since") == "Wed, 01 Jan 2025 00:00:00 GMT"


def test_a_misp_feed_makes_one_report_per_event_and_reads_only_changed_events(db, personas, settings,
                                                                                source) -> None:  # noqa: ANN001
    manifest = {E1: {"info": "Phishing", "timestamp": 10}, E2: {"info": "Emotet", "timestamp": 10}}
    source.put("/feed/manifest.json", json.dumps(manifest), content_type="application/json", etag='"m1"')
    source.put(f"/feed/{E1}.json", misp_event(E1, "Phishing", ["a.example", "b.example"], timestamp=10))
    source.put(f"/feed/{E2}.json", misp_event(E2, "Emotet", ["c.example"], tlp="red", timestamp=10))
    sub = _add(db, personas, settings, kind="misp_feed", url=f"{source.url}/feed/", name="Landes-MISP")
    result = service.pull_one(db, sub=sub, settings=settings)
    assert result.ok and result.imported == 3
    events = sub.cursor["events"]
    first = db.get(Report, events[E1.lower()]["reports"]["green"])
    assert first.title == "Abonnement Landes-MISP: Phishing" and first.tlp == TLP.green
    assert db.get(Report, events[E2.lower()]["reports"]["red"]).tlp == TLP.red

    assert service.pull_one(db, sub=sub, settings=settings).not_modified
    assert source.requests[-1][1].get("if-none-match") == '"m1"'

    # E1 changed (timestamp moved, a value gone); E2 did not and is not fetched again.
    manifest[E1]["timestamp"] = 20
    source.put("/feed/manifest.json", json.dumps(manifest), content_type="application/json", etag='"m2"')
    source.put(f"/feed/{E1}.json", misp_event(E1, "Phishing", ["a.example"], timestamp=20))
    before = len(source.requests)
    changed = service.pull_one(db, sub=sub, settings=settings)
    assert changed.ok and changed.removed == 1
    fetched = [p for p in source.paths()[before:]]
    assert fetched == ["/feed/manifest.json", f"/feed/{E1}.json"]
    assert set(_values(db, first.id)) == {"a.example"}


def test_a_taxii_collection_is_pulled_in_pages_and_then_only_what_was_added_after(db, personas, settings,
                                                                                   source) -> None:  # noqa: ANN001
    source.taxii = [(ago(50), indicator("192.0.2.1")), (ago(40), indicator("192.0.2.2")),
                    (ago(30), indicator("192.0.2.3", marking=RED))]
    sub = _add(db, personas, settings, kind="taxii", url=f"{source.url}/taxii2/api/", collection="c1",
               secret="taxii-secret", tlp="amber")
    assert sub.url.endswith("/taxii2/api/collections/c1/")
    result = service.pull_one(db, sub=sub, settings=settings)
    assert result.ok and result.imported == 3, result.error_de
    pages = [p for p in source.paths() if p.endswith("/objects/")]
    assert len(pages) == 2  # two objects a page, "next" followed
    reports = sub.cursor["reports"]
    assert set(_values(db, reports["green"])) == {"192.0.2.1", "192.0.2.2"}
    assert set(_values(db, reports["red"])) == {"192.0.2.3"}  # its own marking, its own report
    assert db.get(Report, reports["red"]).title == "Abonnement: Liste (TLP:RED)"

    source.taxii.append((ago(5), indicator("192.0.2.4")))
    more = service.pull_one(db, sub=sub, settings=settings)
    assert more.ok and more.imported == 1
    assert "added_after" in sub.cursor
    # TAXII adds: nothing already stored went away.
    assert set(_values(db, reports["green"])) == {"192.0.2.1", "192.0.2.2", "192.0.2.4"}


@pytest.mark.parametrize(("path", "body", "kw", "expected"), [
    ("/page.txt", "<!doctype html><html>login</html>", {"content_type": "text/html"}, "HTML-Seite"),
    ("/empty.txt", "", {}, "leer"),
    ("/junk.txt", "not a value\nneither this\n", {}, "keine gültige Zeile"),
    ("/huge.txt", "203.0.113.9\n" * 30000, {}, "größer als"),
    ("/gone.txt", "x", {"status": 500}, "HTTP-Status 500"),
    ("/slow.txt", "203.0.113.9\n", {"delay": 3.0}, "Zeitüberschreitung"),
])
def test_a_bad_answer_keeps_what_is_stored_and_backs_off(db, personas, settings, source, path, body, kw,
                                                         expected) -> None:  # noqa: ANN001
    source.put("/list.txt", "good.example\n")
    sub = _add(db, personas, settings, url=f"{source.url}/list.txt", interval_minutes=10)
    assert service.pull_one(db, sub=sub, settings=settings).ok
    source.put("/list.txt", body, **kw)
    started = utcnow()
    failed = service.pull_one(db, sub=sub, settings=settings)
    assert not failed.ok and expected in failed.error_de and "\n" not in failed.error_de
    assert sub.last_error == failed.error_de and sub.failures == 1 and sub.failing_since is not None
    assert set(_values(db, sub.report_id)) == {"good.example"}
    assert sub.next_attempt_at >= started + timedelta(minutes=20)
    service.pull_one(db, sub=sub, settings=settings)
    assert sub.failures == 2 and sub.next_attempt_at >= started + timedelta(minutes=40)


def test_backoff_is_capped_at_a_day_and_a_success_resets_it(db, personas, settings, source) -> None:  # noqa: ANN001
    sub = _add(db, personas, settings, url=f"{source.url}/missing.txt", interval_minutes=600)
    for _ in range(4):
        service.pull_one(db, sub=sub, settings=settings)
    assert sub.failures == 4 and sub.next_attempt_at <= utcnow() + timedelta(hours=24, minutes=1)
    source.put("/missing.txt", "ok.example\n")
    assert service.pull_one(db, sub=sub, settings=settings).ok
    assert sub.failures == 0 and sub.failing_since is None and sub.last_error == ""


def test_a_redirect_to_another_host_is_refused(db, personas, settings, source) -> None:  # noqa: ANN001
    source.put("/list.txt", "", status=302, headers={"Location": "http://localhost:1/list.txt"})
    sub = _add(db, personas, settings, url=f"{source.url}/list.txt")
    failed = service.pull_one(db, sub=sub, settings=settings)
    assert not failed.ok and "nicht freigegeben" in failed.error_de


@pytest.mark.parametrize(("junk", "expected"), [
    (b"<html>oops</html>", "TAXII"),
    (b'{"objects": "junk", "more": false}', "TAXII-Umschlag"),
    (b'{"objects": [{"type": "indicator", "pattern": 5}]}', None),
])
def test_a_taxii_envelope_with_junk_stores_nothing(db, personas, settings, source, junk, expected) -> None:  # noqa: ANN001
    source.taxii = [(ago(50), indicator("192.0.2.1"))]
    sub = _add(db, personas, settings, kind="taxii", url=f"{source.url}/taxii2/api/collections/c1/",
               secret="taxii-secret")
    assert service.pull_one(db, sub=sub, settings=settings).ok
    cursor = dict(sub.cursor)
    source.taxii_junk = junk
    result = service.pull_one(db, sub=sub, settings=settings)
    if expected:
        assert not result.ok and expected in result.error_de
        assert sub.cursor.get("added_after") == cursor.get("added_after")
    else:  # a malformed object is counted and left out
        assert result.ok and result.rejected == 1 and result.imported == 0
    assert set(_values(db, sub.cursor["reports"]["green"])) == {"192.0.2.1"}


def test_a_truncated_misp_event_imports_nothing_of_the_pull(db, personas, settings, source) -> None:  # noqa: ANN001
    manifest = {E1: {"timestamp": 1}, E2: {"timestamp": 1}}
    source.put("/feed/manifest.json", json.dumps(manifest), content_type="application/json")
    source.put(f"/feed/{E1}.json", misp_event(E1, "ok", ["a.example"]))
    source.put(f"/feed/{E2}.json", misp_event(E2, "cut", ["b.example"])[:60])
    sub = _add(db, personas, settings, kind="misp_feed", url=f"{source.url}/feed")
    result = service.pull_one(db, sub=sub, settings=settings)
    assert not result.ok and "JSON" in result.error_de
    assert db.scalar(select(Indicator.id).where(Indicator.value == "a.example")) is None
    assert "events" not in sub.cursor


def test_wrong_taxii_credentials_are_one_line(db, personas, settings, source) -> None:  # noqa: ANN001
    sub = _add(db, personas, settings, kind="taxii", url=f"{source.url}/taxii2/api/collections/c1/", secret="wrong")
    result = service.pull_one(db, sub=sub, settings=settings)
    assert not result.ok and "401" in result.error_de


def test_the_secret_never_reaches_the_log(db, personas, settings, source, caplog) -> None:  # noqa: ANN001
    caplog.set_level(logging.DEBUG)
    sub = _add(db, personas, settings, kind="taxii", url=f"{source.url}/taxii2/api/collections/c1/",
               secret="taxii-secret", username="")
    source.taxii = [(ago(5), indicator("192.0.2.8"))]
    service.pull_one(db, sub=sub, settings=settings)
    sub.auth_secret = "s3cr3t-value"
    service.pull_one(db, sub=sub, settings=settings)
    assert "taxii-secret" not in caplog.text and "s3cr3t-value" not in caplog.text
    assert "subscription" in caplog.text


def test_urls_off_the_allow_list_are_refused_at_add_time(db, personas, settings) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput) as refused:
        _add(db, personas, settings, url="https://feeds.example.org/list.txt")
    assert "KOMMCERT_OUTBOUND_HOSTS" in refused.value.de and "not allowed" in refused.value.en
    assert db.scalar(select(Subscription.id)) is None


def test_pull_due_pulls_only_what_is_due(db, personas, settings, source) -> None:  # noqa: ANN001
    source.put("/a.txt", "a.example\n")
    source.put("/b.txt", "b.example\n")
    first = _add(db, personas, settings, url=f"{source.url}/a.txt", name="A")
    second = _add(db, personas, settings, url=f"{source.url}/b.txt", name="B")
    second.next_attempt_at = utcnow() + timedelta(hours=1)
    off = _add(db, personas, settings, url=f"{source.url}/a.txt", name="C", enabled=False)
    db.flush()
    results = service.pull_due(db, settings=settings)
    assert [r.subscription_id for r in results] == [first.id]
    assert off.last_attempt_at is None and second.last_attempt_at is None
