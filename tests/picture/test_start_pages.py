"""Start pages say what is new for me: since the last visit, in my area, through the policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import TokenScope
from kommcert.audit.models import AuditEntry
from kommcert.db import utcnow
from kommcert.home import service as home_service
from kommcert.indicators import sightings as sightings_service
from kommcert.indicators.models import Indicator, Sighting
from kommcert.indicators.sightings import SightingIn
from kommcert.reports import service as reports_service
from kommcert.reports.schemas import ReportCreate
from kommcert.sharing.tlp import TLP
from tests.personas import csrf_from


@pytest.fixture
def value(db, import_stix):  # noqa: ANN001, ANN201
    import_stix("land_cert_analyst", ["[domain-name:value = 'start.example']"], tlp=TLP.green)
    return db.scalar(select(Indicator).where(Indicator.value == "start.example"))


def _visited_before(db, personas, who: str, hours: int = 3) -> None:  # noqa: ANN001
    """``who`` opened the start page ``hours`` ago."""
    home_service.visit(db, user_id=personas.users[who].id, now=utcnow() - timedelta(hours=hours))


def _sight(db, personas, who: str, indicator: Indicator, key: str = "k", count: int = 1) -> None:  # noqa: ANN001
    sightings_service.record_sightings(db, actor=personas.actor(who), items=[
        SightingIn(key=key, indicator_id=indicator.id, count=count)])


def test_it_keeps_the_mark_of_the_previous_visit_for_an_hour(db, personas) -> None:  # noqa: ANN001
    user_id = personas.users["kreis_a_admin"].id
    now = utcnow()
    first = home_service.visit(db, user_id=user_id, now=now - timedelta(hours=5))
    assert first == now - timedelta(hours=5) - home_service.FIRST_VISIT_LOOKBACK
    assert home_service.visit(db, user_id=user_id, now=now - timedelta(minutes=30)) == now - timedelta(hours=5)
    assert home_service.visit(db, user_id=user_id, now=now - timedelta(minutes=20)) == now - timedelta(hours=5)
    assert home_service.visit(db, user_id=user_id, now=now + timedelta(hours=2)) == now - timedelta(minutes=20)


def test_a_kreis_admin_sees_new_sightings_in_her_kreis_since_her_last_visit(client, db, personas, login,  # noqa: ANN001
                                                                            value) -> None:
    _sight(db, personas, "gemeinde_a1_member", value, key="old", count=2)
    db.execute(update(Sighting).where(Sighting.idempotency_key == "old")
               .values(created_at=utcnow() - timedelta(hours=4)))
    _visited_before(db, personas, "kreis_a_admin", hours=3)  # she saw the old one already
    _sight(db, personas, "gemeinde_a1_member", value, key="new", count=4)
    _sight(db, personas, "gemeinde_b1_member", value, key="elsewhere", count=9)
    login("kreis_a_admin")
    page = client.get("/").text
    assert "Neu seit Ihrem letzten Besuch" in page
    assert '<span class="new-count">4</span> neue Sichtungen in Ihrem Bereich' in page
    assert "Gemeinde A1" in page and "start.example" in page and "Gemeinde B1" not in page
    # A reload keeps the news (the same visit).
    assert '<span class="new-count">4</span>' in client.get("/").text


def test_it_tells_a_gemeinde_member_what_is_new_her_devices_and_her_next_step(client, db, personas, login,  # noqa: ANN001
                                                                             value) -> None:
    _visited_before(db, personas, "gemeinde_a1_member")
    reports_service.create_report(db, actor=personas.actor("kreis_a_admin"), report_in=ReportCreate(
        title="Warnung: Phishing an Rathäuser", tlp="amber", audience_orgs=[personas.orgs["vg_a"].id]))
    reports_service.create_report(db, actor=personas.actor("kreis_b_admin"), report_in=ReportCreate(
        title="Nur für Kreis B", tlp="amber"))
    login("gemeinde_a1_member")
    page = client.get("/").text
    assert "Warnung: Phishing an Rathäuser" in page and "Nur für Kreis B" not in page
    assert "neue Indikatoren in Ihren Feeds" in page
    assert "Ihre Administration um ein Organisations-Token für die Firewall bitten" in page  # no device yet
    _text, token = accounts_service.create_service_token(db, actor=personas.actor("gemeinde_a1_admin"),
                                                          name="Firewall Rathaus", expires_at=None,
                                                          scope=TokenScope.feed)
    token.last_used_at = utcnow() - timedelta(days=5)
    db.flush()
    page = client.get("/").text
    assert "Firewall Rathaus" in page and "Ihre Geräte holen die Feeds nicht ab" in page
    token.last_used_at = utcnow() - timedelta(minutes=5)
    db.flush()
    assert "Neue Meldungen lesen" in client.get("/").text


def test_a_provider_sees_only_the_clients_that_opted_in(client, db, personas, login, kitm, value) -> None:  # noqa: ANN001
    _sight(db, personas, "gemeinde_a1_member", value, key="a", count=3)
    _sight(db, personas, "gemeinde_b1_member", value, key="b", count=8)
    accounts_service.create_service_token(db, actor=personas.actor("gemeinde_a1_admin"), name="Firewall A1",
                                          expires_at=None, scope=TokenScope.feed)
    accounts_service.create_service_token(db, actor=personas.actor("kreis_b_admin"),
                                          name="Firewall B1", expires_at=None, scope=TokenScope.feed,
                                          org_id=personas.orgs["gemeinde_b1"].id)
    login("gemeinde_a1_admin")
    fragment = client.get(f"/orgs/{personas.orgs['gemeinde_a1'].id}/provider-access").text
    assert "KommIT Süd" in fragment and "Einblick erlauben" in fragment
    response = client.post(f"/orgs/{personas.orgs['gemeinde_a1'].id}/provider-access",
                           data={"granted": "ja", "csrf_token": csrf_from(fragment)}, follow_redirects=False)
    assert response.status_code == 303
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "org_updated").order_by(AuditEntry.id.desc())
                     ).detail == {"provider_access": True}
    client.post("/logout", data={"csrf_token": csrf_from(fragment)})
    login("kitm_member")
    page = client.get("/").text
    assert "Ihre Kommunen" in page and "Gemeinde A1" in page and "Firewall A1" in page
    assert "Gemeinde B1" in page and "nicht freigegeben" in page and "Firewall B1" not in page
    assert "<td>3 <span" in page and "<td>8" not in page  # A1's three sightings; B1's eight stay hidden


def test_the_provider_access_part_is_the_municipalitys_own(client, db, personas, login, kitm) -> None:  # noqa: ANN001
    a1 = personas.orgs["gemeinde_a1"].id
    login("kreis_a_admin")  # not even the Kreis decides this for its Gemeinde
    assert client.get(f"/orgs/{a1}/provider-access").status_code == 404
    page = client.get("/orgs/" + str(personas.orgs["kreis_a"].id)).text
    assert client.post(f"/orgs/{a1}/provider-access", data={"granted": "ja", "csrf_token": csrf_from(page)}
                       ).status_code == 404


def test_a_member_sees_the_consent_but_cannot_change_it(client, db, personas, login, kitm) -> None:  # noqa: ANN001
    a1 = personas.orgs["gemeinde_a1"].id
    login("gemeinde_a1_member")
    fragment = client.get(f"/orgs/{a1}/provider-access").text
    assert "Nicht erlaubt" in fragment and "<form" not in fragment
    assert client.post(f"/orgs/{a1}/provider-access", data={"granted": "ja", "csrf_token": csrf_from(
        client.get("/").text)}).status_code == 403


def test_anonymous_callers_are_sent_to_the_login(client, personas) -> None:  # noqa: ANN001
    response = client.get(f"/orgs/{personas.orgs['gemeinde_a1'].id}/provider-access", follow_redirects=False)
    assert response.status_code == 303 and "/login" in response.headers["location"]


def test_a_cert_analyst_sees_the_lands_news(client, db, personas, login, value) -> None:  # noqa: ANN001
    _visited_before(db, personas, "land_cert_analyst")
    _sight(db, personas, "gemeinde_b1_member", value, key="b", count=2)
    login("land_cert_analyst")
    page = client.get("/").text
    assert '<span class="new-count">2</span> neue Sichtungen in der ganzen Lage' in page
