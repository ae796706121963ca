from __future__ import annotations

import json
from datetime import timedelta

import dns.zone
import pytest
from sqlalchemy import select, update
from stix2validator import validate_string

from kommcert.accounts.models import TokenScope
from kommcert.audit.models import AuditEntry
from kommcert.db import utcnow
from kommcert.indicators.models import Indicator, Provenance
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP

A_ONLY = ["[ipv4-addr:value = '198.51.100.7']", "[domain-name:value = 'kreis-a-only.example']"]
SHARED = ["[ipv4-addr:value = '203.0.113.9']", "[domain-name:value = 'evil.example']",
          "[url:value = 'http://evil.example/login']", "[file:hashes.'SHA-256' = '" + "ab" * 32 + "']"]


@pytest.fixture
def feeds(personas, import_stix) -> None:  # noqa: ANN001
    import_stix("kreis_a_admin", A_ONLY, audience=Audience(orgs=(personas.orgs["kreis_a"].id,)))
    import_stix("land_cert_analyst", SHARED, tlp=TLP.green)
    import_stix("land_cert_analyst", ["[ipv4-addr:value = '192.0.2.50']"], tlp=TLP.clear)


def _token(personas, who: str) -> str:  # noqa: ANN001
    return personas.token(who, TokenScope.read)


def test_it_serves_a_blocklist_with_a_token_in_the_url(client, personas, feeds) -> None:  # noqa: ANN001
    response = client.get(f"/feeds/txt?token={_token(personas, 'gemeinde_a1_member')}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    lines = {line for line in response.text.splitlines() if line and not line.startswith("#")}
    assert {"198.51.100.7", "kreis-a-only.example", "203.0.113.9", "evil.example"} <= lines


def test_it_keeps_another_kreises_amber_out_of_a_feed(client, personas, feeds) -> None:  # noqa: ANN001
    text = client.get(f"/feeds/txt?token={_token(personas, 'gemeinde_b1_member')}").text
    assert "198.51.100.7" not in text and "kreis-a-only.example" not in text
    assert "evil.example" in text


def test_it_gives_anonymous_callers_only_tlp_clear(client, feeds) -> None:  # noqa: ANN001
    text = client.get("/feeds/txt").text
    values = {line for line in text.splitlines() if line and not line.startswith("#")}
    assert values == {"192.0.2.50"}


def test_it_refuses_a_wrong_token_and_audits_it(client, db, feeds) -> None:  # noqa: ANN001
    assert client.get("/feeds/txt?token=kc_wrong").status_code == 401
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "token_rejected")) is not None


def test_it_leaves_out_expired_and_warninglisted_values(client, db, personas, import_stix) -> None:  # noqa: ANN001
    import_stix("land_cert_analyst", ["[ipv4-addr:value = '8.8.8.8']", "[ipv4-addr:value = '203.0.113.1']",
                                      "[ipv4-addr:value = '203.0.113.2']"], tlp=TLP.green)
    expired = db.scalar(select(Indicator.id).where(Indicator.value == "203.0.113.2"))
    db.execute(update(Provenance).where(Provenance.indicator_id == expired)
               .values(valid_until=utcnow() - timedelta(days=1)))
    db.flush()
    token = _token(personas, "gemeinde_a1_member")
    text = client.get(f"/feeds/txt?token={token}").text
    assert "203.0.113.1" in text and "8.8.8.8" not in text and "203.0.113.2" not in text
    # The SIEM export (CSV) keeps everything visible, expired and warninglisted included.
    csv_text = client.get(f"/feeds/csv?token={token}").text
    assert "8.8.8.8" in csv_text and "203.0.113.2" in csv_text
    # An analyst may decide to block a warninglisted value anyway.
    eight = db.scalar(select(Indicator.id).where(Indicator.value == "8.8.8.8"))
    done = client.put(f"/api/v1/indicators/{eight}/curation", json={"warninglist_override": True},
                      headers=personas.auth("land_cert_analyst"))
    assert done.status_code == 200
    assert "8.8.8.8" in client.get(f"/feeds/txt?token={token}").text


def test_it_serves_valid_stix(client, personas, feeds) -> None:  # noqa: ANN001
    body = client.get(f"/feeds/stix?token={_token(personas, 'gemeinde_a1_member')}").text
    result = validate_string(body)
    assert result.is_valid, [str(e) for e in result.errors]
    patterns = [o["pattern"] for o in json.loads(body)["objects"] if o["type"] == "indicator"]
    assert "[ipv4-addr:value = '198.51.100.7']" in patterns


def test_it_serves_an_rpz_zone_that_dns_servers_read(client, personas, feeds, settings) -> None:  # noqa: ANN001
    text = client.get(f"/feeds/rpz?token={_token(personas, 'gemeinde_a1_member')}").text
    zone = dns.zone.from_text(text, origin=settings.rpz_zone, relativize=False)
    names = {str(n) for n in zone.nodes}
    assert f"evil.example.{settings.rpz_zone}." in names
    assert f"*.evil.example.{settings.rpz_zone}." in names
    assert f"32.7.100.51.198.rpz-ip.{settings.rpz_zone}." in names
    assert not any("login" in n for n in names)  # URLs are no DNS trigger


@pytest.mark.parametrize("fmt", ["suricata", "zeek", "csv"])
def test_it_serves_the_ids_formats(client, personas, feeds, fmt: str) -> None:  # noqa: ANN001
    response = client.get(f"/feeds/{fmt}?token={_token(personas, 'gemeinde_a1_member')}")
    assert response.status_code == 200 and "evil.example" in response.text


def test_it_filters_by_type(client, personas, feeds) -> None:  # noqa: ANN001
    text = client.get(f"/feeds/txt?type=ipv4&token={_token(personas, 'gemeinde_a1_member')}").text
    values = {line for line in text.splitlines() if line and not line.startswith("#")}
    assert values == {"198.51.100.7", "203.0.113.9", "192.0.2.50"}


def test_it_audits_every_download(client, db, personas, feeds) -> None:  # noqa: ANN001
    client.get(f"/feeds/rpz?token={_token(personas, 'gemeinde_a1_member')}")
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "exported", AuditEntry.object_type == "feed"))
    assert entry.object_id == "rpz" and entry.org_id == personas.orgs["gemeinde_a1"].id


def test_feeds_answer_a_conditional_get_with_304_until_the_data_change(client, personas, feeds,  # noqa: ANN001
                                                                        import_stix) -> None:  # noqa: ANN001
    token = _token(personas, "gemeinde_a1_member")
    first = client.get(f"/feeds/txt?token={token}")
    etag = first.headers["etag"]
    again = client.get(f"/feeds/txt?token={token}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    # another reader (another visibility) never shares the tag
    other = client.get(f"/feeds/txt?token={_token(personas, 'gemeinde_b1_member')}")
    assert other.headers["etag"] != etag
    import_stix("land_cert_analyst", ["[ipv4-addr:value = '203.0.113.99']"], tlp=TLP.green)
    changed = client.get(f"/feeds/txt?token={token}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "203.0.113.99" in changed.text


def _state_clock(monkeypatch, settings) -> list[float]:  # noqa: ANN001
    """The feeds reuse their data state for 10 s of a clock the test moves."""
    from kommcert.api import feeds as feeds_api

    clock = [1000.0]
    monkeypatch.setattr(feeds_api.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(settings, "feed_state_seconds", 10.0)
    monkeypatch.setattr(settings, "feed_state_background", False)  # the poll that finds it expired computes it
    return clock


def test_feeds_reuse_the_data_state_for_a_while_and_sightings_do_not_change_it(client, db, personas, feeds,  # noqa: ANN001
                                                                               import_stix, settings,  # noqa: ANN001
                                                                               monkeypatch) -> None:  # noqa: ANN001
    from kommcert.indicators import sightings as sightings_service
    from kommcert.indicators.sightings import SightingIn

    clock = _state_clock(monkeypatch, settings)
    token = _token(personas, "gemeinde_a1_member")
    etag = client.get(f"/feeds/txt?token={token}").headers["etag"]
    # A sighting adds share targets, but no feed content: the tag stays.
    sightings_service.record_sightings(db, actor=personas.actor("gemeinde_a1_member"), items=[
        SightingIn(key="s1", type="domain", value="evil.example")])
    clock[0] += 11
    assert client.get(f"/feeds/txt?token={token}", headers={"If-None-Match": etag}).status_code == 304
    # New content: within the reuse time the old state still answers, after it the new one.
    import_stix("land_cert_analyst", ["[ipv4-addr:value = '203.0.113.98']"], tlp=TLP.green)
    clock[0] += 5
    assert client.get(f"/feeds/txt?token={token}", headers={"If-None-Match": etag}).status_code == 304
    clock[0] += 6
    changed = client.get(f"/feeds/txt?token={token}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "203.0.113.98" in changed.text


def test_only_one_request_recomputes_the_expired_data_state(client, personas, feeds, import_stix, settings,  # noqa: ANN001
                                                            monkeypatch) -> None:  # noqa: ANN001
    """While one request computes the state, the others answer with the previous one at once."""
    from kommcert.api import feeds as feeds_api

    clock = _state_clock(monkeypatch, settings)
    token = _token(personas, "gemeinde_a1_member")
    etag = client.get(f"/feeds/txt?token={token}").headers["etag"]
    import_stix("land_cert_analyst", ["[ipv4-addr:value = '203.0.113.97']"], tlp=TLP.green)
    clock[0] += 11  # expired, but another request is computing it right now
    assert feeds_api._STATE_LOCK.acquire(blocking=False)
    try:
        assert client.get(f"/feeds/txt?token={token}", headers={"If-None-Match": etag}).status_code == 304
    finally:
        feeds_api._STATE_LOCK.release()
    assert client.get(f"/feeds/txt?token={token}", headers={"If-None-Match": etag}).status_code == 200


def test_the_scan_set_names_the_organisation_and_keeps_ids(client, db, personas, feeds) -> None:  # noqa: ANN001
    text = client.get(f"/feeds/scan?token={_token(personas, 'gemeinde_b1_member')}").text
    head, columns, *rows = text.splitlines()
    assert head.startswith("#kommcert-scan 1") and f"org={personas.orgs['gemeinde_b1'].id}" in head
    values = {row.split("\t")[2] for row in rows}
    assert "evil.example" in values and "198.51.100.7" not in values  # Kreis A's AMBER stays out
    assert all(row.split("\t")[0].isdigit() for row in rows)


def test_a_second_source_makes_a_new_stix_version(client, db, personas, import_stix) -> None:  # noqa: ANN001
    # Same id and modified must mean the same content (STIX 2.1, 3.6): a TIP keeps only one of them.
    from sqlalchemy import update as sql_update

    import_stix("land_cert_analyst", ["[domain-name:value = 'evil.example']"], tlp=TLP.green)
    db.execute(sql_update(Provenance).values(created_at=utcnow() - timedelta(days=30)))
    db.execute(sql_update(Indicator).values(created_at=utcnow() - timedelta(days=30),
                                            updated_at=utcnow() - timedelta(days=30)))
    token = _token(personas, "gemeinde_a1_member")

    def version() -> str:
        bundle = json.loads(client.get(f"/feeds/stix?token={token}").text)
        return next(o for o in bundle["objects"] if o["type"] == "indicator")["modified"]

    first = version()
    import_stix("kreis_a_admin", ["[domain-name:value = 'evil.example']"], tlp=TLP.green)
    second = version()
    assert second > first


@pytest.mark.parametrize("who", ["land_cert_analyst", "kreis_a_admin", "gemeinde_a1_member", "gemeinde_b1_member"])
@pytest.mark.parametrize("blocking", [True, False])
def test_the_lean_rows_are_the_full_rows_cut_down(db, personas, feeds, import_stix, who, blocking) -> None:  # noqa: ANN001
    from kommcert.indicators import service as indicators_service

    # the same value under two TLPs from two owners, one warninglisted value, one expired provenance
    import_stix("kreis_a_admin", ["[domain-name:value = 'evil.example']", "[ipv4-addr:value = '8.8.8.8']"],
                tlp=TLP.amber, audience=Audience(orgs=(personas.orgs["kreis_a"].id,)))
    import_stix("kreis_b_admin", ["[ipv4-addr:value = '198.51.100.99']"], tlp=TLP.green)
    expired = select(Indicator.id).where(Indicator.value == "198.51.100.99")
    db.execute(update(Provenance).where(Provenance.indicator_id.in_(expired))
               .values(valid_until=utcnow() - timedelta(days=1)))
    actor = personas.actor(who)
    full = [(r.id, r.type, r.value, r.tlp)
            for r in indicators_service.export_rows(db, actor=actor, blocking=blocking, batch=3)]
    lean = list(indicators_service.export_rows(db, actor=actor, blocking=blocking, batch=3, lean=True))
    assert [tuple(r) for r in lean] == full and full
    assert ("198.51.100.99" in {r.value for r in lean}) is not blocking  # expired: not in a block list


def test_readers_who_see_the_same_reports_share_one_rendered_list(client, personas, feeds, import_stix,  # noqa: ANN001
                                                                  monkeypatch) -> None:  # noqa: ANN001
    from kommcert.indicators import service as indicators_service

    builds: list[int | None] = []
    original = indicators_service.export_rows

    def counting(db, *, actor, **kw):  # noqa: ANN001, ANN003, ANN202
        builds.append(actor.org_id)
        return original(db, actor=actor, **kw)

    monkeypatch.setattr(indicators_service, "export_rows", counting)
    b1 = client.get(f"/feeds/txt?token={_token(personas, 'gemeinde_b1_member')}")
    b_admin = client.get(f"/feeds/txt?token={_token(personas, 'kreis_b_admin')}")  # sees the same reports
    assert b1.status_code == b_admin.status_code == 200 and b1.text == b_admin.text
    assert len(builds) == 1
    # Kreis A sees its own AMBER report too: its own list, never Kreis B's from memory, and back.
    a1 = client.get(f"/feeds/txt?token={_token(personas, 'gemeinde_a1_member')}")
    assert "kreis-a-only.example" in a1.text and len(builds) == 2
    again = client.get(f"/feeds/txt?token={_token(personas, 'gemeinde_b1_member')}")
    assert "kreis-a-only.example" not in again.text and len(builds) == 2
    # New content the readers see: a new list.
    import_stix("land_cert_analyst", ["[ipv4-addr:value = '203.0.113.96']"], tlp=TLP.green)
    fresh = client.get(f"/feeds/txt?token={_token(personas, 'kreis_b_admin')}")
    assert "203.0.113.96" in fresh.text and len(builds) == 3


def test_the_cached_scan_set_still_names_each_organisation(client, personas, feeds) -> None:  # noqa: ANN001
    first = client.get(f"/feeds/scan?token={_token(personas, 'gemeinde_b1_member')}").text.splitlines()[0]
    second = client.get(f"/feeds/scan?token={_token(personas, 'kreis_b_admin')}").text.splitlines()[0]
    assert f"org={personas.orgs['gemeinde_b1'].id}" in first and f"org={personas.orgs['kreis_b'].id}" in second
