"""Closing the loop: the CERT publishes an incident's observables to every municipality, and the time
to protection is recorded (first feed download by another organisation) and shown.

Gemeinde A1 (Kreis A) is the victim; Gemeinde B1 (Kreis B) plays Seedorf, a municipality of another
Kreis that pulls the blocklist.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from kommcert.accounts.models import TokenScope
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.incidents import publish, service, workflow
from kommcert.incidents.models import EventKind, Incident, IncidentEvent
from kommcert.incidents.publication_models import IncidentPublication, PublishedObservable
from kommcert.incidents.schemas import ObservableCreate
from kommcert.incidents.workflow import Right
from kommcert.indicators.models import Provenance
from kommcert.reports.models import Report
from kommcert.sharing.tlp import TLP
from tests.incidents.conftest import report
from tests.personas import csrf_from

IP, DOMAIN = "203.0.113.77", "c2.publish-test.example"
PERSONAS = ("land_cert_analyst", "land_cert_admin", "kreis_a_admin", "kreis_b_admin", "gemeinde_a1_member",
            "gemeinde_a1_admin", "gemeinde_b1_member", "provider_x")


def observe(personas, incident: Incident, kind: str, value: str, *, share: bool = True, description: str = ""):  # noqa: ANN001, ANN201
    return service.add_observable(personas.db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id,
                                  observable_in=ObservableCreate(type=kind, value=value, share=share,
                                                                 description=description))


@pytest.fixture
def marked(personas, incident: Incident) -> list[int]:  # noqa: ANN001
    """Two observables marked "teilen", one described with words that name the victim."""
    return [observe(personas, incident, "ip", IP, description="Auf dem Fileserver der Gemeinde A1 gesehen").id,
            observe(personas, incident, "domain", DOMAIN).id]


def values(text: str) -> set[str]:
    return {line for line in text.splitlines() if line and not line.startswith("#")}


def feed(client, token: str, etag: str | None = None, query: str = ""):  # noqa: ANN001, ANN201
    return client.get(f"/feeds/txt?token={token}{query}", headers={"If-None-Match": etag} if etag else {})


def publication(db, incident: Incident) -> IncidentPublication | None:  # noqa: ANN001
    db.expire_all()
    return db.scalar(select(IncidentPublication).where(IncidentPublication.incident_id == incident.id))


# ---------------------------------------------------------------- publish → every feed

def test_it_puts_two_published_observables_into_seedorfs_feed(client, personas, incident, marked) -> None:  # noqa: ANN001
    seedorf = personas.token("gemeinde_b1_member", TokenScope.read)
    before = feed(client, seedorf)
    assert before.status_code == 200 and not values(before.text) & {IP, DOMAIN}

    response = client.post(f"/api/v1/incidents/{incident.id}/publish", json={},
                           headers=personas.auth("land_cert_analyst"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert {o["value"] for o in body["published"]} == {IP, DOMAIN} and body["tlp"] == "green" and body["new_report"]

    after = feed(client, seedorf, etag=before.headers["ETag"])
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert {IP, DOMAIN} <= values(after.text)
    shown = publication(personas.db, incident)
    assert shown is not None and shown.first_download_org_id == personas.orgs["gemeinde_b1"].id


def test_the_community_report_names_no_municipality(personas, incident, marked) -> None:  # noqa: ANN001
    db = personas.db
    result = publish.publish_observables(db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id)
    made = db.get(Report, result.report.id)
    assert made.owner_org_id == personas.orgs["land_cert"].id and made.tlp == TLP.green
    assert "Ransomware" in made.title
    comments = db.scalars(select(Provenance.comment).where(Provenance.report_id == made.id)).all()
    said = " ".join([made.title, made.summary, *[c or "" for c in comments]])
    for name in ("Gemeinde A1", "VG A", "Kreis A", "Fileserver", incident.title, incident.reporter_name):
        assert name not in said
    assert len(comments) == 2


def test_a_title_naming_the_victim_is_refused(personas, incident, marked) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput):
        publish.publish_observables(personas.db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id,
                                    title="Angriff auf die gemeinde a1")
    assert publication(personas.db, incident) is None


def test_it_records_the_publication_on_each_observable_and_in_the_timeline(personas, incident, marked) -> None:  # noqa: ANN001
    db = personas.db
    result = publish.publish_observables(db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id)
    rows = db.scalars(select(PublishedObservable).order_by(PublishedObservable.observable_id)).all()
    assert [r.observable_id for r in rows] == marked and {r.report_id for r in rows} == {result.report.id}
    entry = db.scalar(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id,
                                                  IncidentEvent.kind == EventKind.observables_published))
    assert entry is not None and entry.data["report_id"] == result.report.id


# ---------------------------------------------------------------- who may, what is refused

def test_only_a_cert_holds_the_publish_right(personas, incident) -> None:  # noqa: ANN001
    holders = {p for p in PERSONAS if workflow.has_right(personas.db, personas.actor(p), incident, Right.publish)}
    assert holders == {"land_cert_analyst", "land_cert_admin"}


@pytest.mark.parametrize(("who", "status"), [("gemeinde_a1_member", 403), ("gemeinde_a1_admin", 403),
                                             ("kreis_a_admin", 403), ("gemeinde_b1_member", 404),
                                             ("kreis_b_admin", 404), ("provider_x", 404)])
def test_others_may_not_publish(client, personas, incident, marked, who, status) -> None:  # noqa: ANN001
    response = client.post(f"/api/v1/incidents/{incident.id}/publish", json={}, headers=personas.auth(who))
    assert response.status_code == status and set(response.json()) >= {"detail", "de", "en"}
    assert personas.db.scalar(select(func.count(IncidentPublication.id))) == 0


def test_red_is_refused_and_nothing_is_written(client, personas, incident, marked) -> None:  # noqa: ANN001
    reports = personas.db.scalar(select(func.count(Report.id)))
    response = client.post(f"/api/v1/incidents/{incident.id}/publish", json={"tlp": "red"},
                           headers=personas.auth("land_cert_analyst"))
    assert response.status_code == 422 and "TLP:RED" in response.json()["de"] and "TLP:RED" in response.json()["en"]
    assert personas.db.scalar(select(func.count(Report.id))) == reports
    assert publication(personas.db, incident) is None


def test_amber_strict_is_refused(personas, incident, marked) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput):
        publish.publish_observables(personas.db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id,
                                    tlp=TLP.amber_strict)


def test_amber_goes_to_the_whole_land(client, personas, incident, marked) -> None:  # noqa: ANN001
    publish.publish_observables(personas.db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id,
                                tlp=TLP.amber)
    assert {IP, DOMAIN} <= values(feed(client, personas.token("gemeinde_b1_member", TokenScope.read)).text)


def test_values_that_cannot_be_blocked_are_named_and_skipped(personas, incident, marked) -> None:  # noqa: ANN001
    account = observe(personas, incident, "account", "admin.backup")
    result = publish.publish_observables(personas.db, actor=personas.actor("land_cert_analyst"),
                                         incident_id=incident.id)
    assert {o.id for o in result.published} == set(marked)
    assert [s.observable_id for s in result.skipped] == [account.id] and "admin.backup" in result.skipped[0].de


def test_nothing_blockable_is_a_clear_error(personas, incident) -> None:  # noqa: ANN001
    observe(personas, incident, "account", "admin.backup")
    with pytest.raises(InvalidInput) as refused:
        publish.publish_observables(personas.db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id)
    assert refused.value.de.startswith("Keine der Beobachtungen") and "admin.backup" in refused.value.de
    with pytest.raises(NotFound):
        publish.publish_observables(personas.db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id,
                                    observable_ids=[2_000_000_000])


def test_nothing_marked_is_a_clear_error(personas, incident) -> None:  # noqa: ANN001
    observe(personas, incident, "ip", IP, share=False)
    with pytest.raises(InvalidInput) as refused:
        publish.publish_observables(personas.db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id)
    assert "teilen" in refused.value.de


def test_publishing_again_adds_only_new_values_to_the_same_report(personas, incident, marked) -> None:  # noqa: ANN001
    db, cert = personas.db, personas.actor("land_cert_analyst")
    first = publish.publish_observables(db, actor=cert, incident_id=incident.id)
    with pytest.raises(InvalidInput):  # nothing new
        publish.publish_observables(db, actor=cert, incident_id=incident.id)
    third = observe(personas, incident, "hash", "ab" * 32)
    again = publish.publish_observables(db, actor=cert, incident_id=incident.id)
    assert again.report.id == first.report.id and not again.new_report
    assert [o.id for o in again.published] == [third.id]
    assert db.scalar(select(func.count(Provenance.id)).where(Provenance.report_id == first.report.id)) == 3
    with pytest.raises(InvalidInput):  # the report keeps its TLP
        observe(personas, incident, "ip", "198.51.100.99")
        publish.publish_observables(db, actor=cert, incident_id=incident.id, tlp=TLP.clear)


def test_a_non_cert_is_refused_in_the_service(personas, incident, marked) -> None:  # noqa: ANN001
    with pytest.raises(PermissionDenied):
        publish.publish_observables(personas.db, actor=personas.actor("gemeinde_a1_admin"), incident_id=incident.id)


# ---------------------------------------------------------------- the first download elsewhere

def test_the_first_download_is_recorded_once_and_only_for_another_organisation(client, personas, incident,  # noqa: ANN001
                                                                               marked) -> None:
    db = personas.db
    publish.publish_observables(db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id)
    for own in ("land_cert_analyst", "gemeinde_a1_member"):  # the publishing CERT and the victim do not count
        assert {IP, DOMAIN} <= values(feed(client, personas.token(own, TokenScope.read)).text)
    assert publication(db, incident).first_download_at is None

    assert feed(client, personas.token("gemeinde_b1_member", TokenScope.read)).status_code == 200
    first = publication(db, incident)
    assert first.first_download_at is not None and first.first_download_org_id == personas.orgs["gemeinde_b1"].id

    feed(client, personas.token("kreis_b_admin", TokenScope.read))
    later = publication(db, incident)
    assert (later.first_download_at, later.first_download_org_id) == (first.first_download_at,
                                                                       first.first_download_org_id)


def test_304_polls_do_not_count(client, personas, incident, marked) -> None:  # noqa: ANN001
    db = personas.db
    publish.publish_observables(db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id)
    seedorf = personas.token("gemeinde_b1_member", TokenScope.read)
    etag = feed(client, seedorf).headers["ETag"]
    db.execute(update(IncidentPublication).values(first_download_at=None, first_download_org_id=None))
    assert feed(client, seedorf, etag=etag).status_code == 304
    assert publication(db, incident).first_download_at is None


def test_a_feed_without_the_published_types_does_not_count(client, personas, incident, marked) -> None:  # noqa: ANN001
    publish.publish_observables(personas.db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id)
    seedorf = personas.token("gemeinde_b1_member", TokenScope.read)
    assert feed(client, seedorf, query="&type=sha256").status_code == 200
    assert publication(personas.db, incident).first_download_at is None
    feed(client, seedorf, query="&type=ipv4")
    assert publication(personas.db, incident).first_download_at is not None


def test_a_misp_event_download_of_the_report_counts(client, personas, incident, marked) -> None:  # noqa: ANN001
    result = publish.publish_observables(personas.db, actor=personas.actor("land_cert_analyst"),
                                         incident_id=incident.id)
    seedorf = personas.token("gemeinde_b1_member", TokenScope.read)
    assert client.get(f"/feeds/misp/manifest.json?token={seedorf}").status_code == 200  # a list, not the values
    assert publication(personas.db, incident).first_download_at is None
    assert client.get(f"/feeds/misp/{result.report.uuid}.json?token={seedorf}").status_code == 200
    assert publication(personas.db, incident).first_download_org_id == personas.orgs["gemeinde_b1"].id


def test_a_publication_nobody_fetched_for_a_month_is_no_longer_looked_for(client, personas, incident,  # noqa: ANN001
                                                                          marked) -> None:
    publish.publish_observables(personas.db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id)
    personas.db.execute(update(IncidentPublication).values(published_at=utcnow() - timedelta(days=31)))
    feed(client, personas.token("gemeinde_b1_member", TokenScope.read))
    assert publication(personas.db, incident).first_download_at is None


def test_a_withdrawn_report_does_not_count(client, personas, incident, marked) -> None:  # noqa: ANN001
    from kommcert.reports import service as reports_service

    result = publish.publish_observables(personas.db, actor=personas.actor("land_cert_analyst"),
                                         incident_id=incident.id)
    reports_service.withdraw_report(personas.db, actor=personas.actor("land_cert_analyst"),
                                    report_id=result.report.id)
    feed(client, personas.token("gemeinde_b1_member", TokenScope.read))
    assert publication(personas.db, incident).first_download_at is None


# ---------------------------------------------------------------- shown on the incident and the Lagebild

def test_protection_shows_the_spans_from_the_report(client, personas, incident, marked) -> None:  # noqa: ANN001
    db = personas.db
    db.execute(update(Incident).where(Incident.id == incident.id).values(reported_at=utcnow() - timedelta(minutes=4)))
    db.expire_all()
    publish.publish_observables(db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id)
    feed(client, personas.token("gemeinde_b1_member", TokenScope.read))
    response = client.get(f"/api/v1/incidents/{incident.id}/protection", headers=personas.auth("kreis_a_admin"))
    assert response.status_code == 200
    shown = response.json()
    assert 4 * 60 - 5 < shown["seconds_to_publication"] < 4 * 60 + 60
    assert shown["seconds_to_first_download"] >= shown["seconds_to_publication"]
    assert client.get(f"/api/v1/incidents/{incident.id}/protection",
                      headers=personas.auth("gemeinde_b1_member")).status_code == 404


def _published_with(personas, minutes: float, days_ago: float = 0, downloaded: float | None = None) -> Incident:  # noqa: ANN001
    """A published incident whose publication came ``minutes`` after its report, ``days_ago`` days ago."""
    db = personas.db
    incident = report(personas)
    observe(personas, incident, "ip", f"198.51.100.{int(minutes) % 250 + 1}")
    publish.publish_observables(db, actor=personas.actor("land_cert_analyst"), incident_id=incident.id)
    published = utcnow() - timedelta(days=days_ago)
    db.execute(update(IncidentPublication).where(IncidentPublication.incident_id == incident.id).values(
        published_at=published,
        first_download_at=None if downloaded is None else published + timedelta(minutes=downloaded - minutes)))
    db.execute(update(Incident).where(Incident.id == incident.id).values(
        reported_at=published - timedelta(minutes=minutes)))
    db.expire_all()
    return incident


def test_the_lagebild_shows_the_median_over_ninety_days(login, personas) -> None:  # noqa: ANN001
    _published_with(personas, 3, downloaded=5)
    _published_with(personas, 7, downloaded=9)
    _published_with(personas, 20)
    _published_with(personas, 600, days_ago=120)  # older than 90 days: not counted
    figures = publish.protection_figures(personas.db, actor=personas.actor("land_cert_analyst"))
    assert (figures.published, figures.downloaded) == (3, 2)
    assert figures.median_to_publication == timedelta(minutes=7)
    assert figures.median_to_first_download == timedelta(minutes=7)
    # Kreis B sees none of Kreis A's incidents, so none of their figures.
    assert publish.protection_figures(personas.db, actor=personas.actor("kreis_b_admin")).published == 0
    page = login("land_cert_analyst").get("/lagebild").text
    assert "Zeit bis zum Schutz" in page and "7 Min. 0 Sek." in page


# ---------------------------------------------------------------- pages

def test_the_case_page_part_publishes_and_shows_the_times(client, login, personas, incident, marked) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    page = client.get(f"/incidents/{incident.id}/publish")
    assert page.status_code == 200 and IP in page.text and "Veröffentlichen" in page.text
    assert 'value="green" selected' in page.text
    response = client.post(f"/incidents/{incident.id}/publish",
                           data={"tlp": "green", "csrf_token": csrf_from(page.text)}, follow_redirects=False)
    assert response.status_code == 303
    made = publication(personas.db, incident)
    shown = client.get(f"/incidents/{incident.id}/publish").text
    assert f'href="/reports/{made.report_id}"' in shown and "nach der Meldung" in shown


def test_the_part_answers_htmx_alone(client, login, personas, incident, marked) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    token = csrf_from(client.get(f"/incidents/{incident.id}/publish").text)
    part = client.post(f"/incidents/{incident.id}/publish", data={"tlp": "red"},
                       headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert part.status_code == 422 and "<html" not in part.text and "TLP:RED" in part.text
    assert publication(personas.db, incident) is None
    part = client.post(f"/incidents/{incident.id}/publish", data={"observable": [str(marked[0])]},
                       headers={"HX-Request": "true", "X-CSRF-Token": token})
    assert part.status_code == 200 and "1 Indikator veröffentlicht." in part.text


def test_the_victim_sees_the_times_but_no_form(client, login, personas, incident, marked) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get(f"/incidents/{incident.id}/publish")
    assert page.status_code == 200 and "Zeit bis zum Schutz" in page.text
    assert f'action="/incidents/{incident.id}/publish"' not in page.text
    response = client.post(f"/incidents/{incident.id}/publish", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 403


def test_another_kreis_gets_404_on_every_route(client, login, personas, incident, marked) -> None:  # noqa: ANN001
    headers = personas.auth("gemeinde_b1_member")
    assert client.post(f"/api/v1/incidents/{incident.id}/publish", json={}, headers=headers).status_code == 404
    assert client.get(f"/api/v1/incidents/{incident.id}/protection", headers=headers).status_code == 404
    login("gemeinde_b1_member")
    page = client.get(f"/incidents/{incident.id}/publish")
    assert page.status_code == 404
    token = csrf_from(client.get("/").text)
    assert client.post(f"/incidents/{incident.id}/publish", data={"csrf_token": token}).status_code == 404
    assert publication(personas.db, incident) is None


def test_the_case_page_include_loads_the_part(app) -> None:  # noqa: ANN001
    from kommcert.web.templating import environment

    html = environment().get_template("incidents/_publish.html").render({"incident": type("I", (), {"id": 7})(),
                                                                          "_": lambda s, **kw: s})
    assert 'hx-get="/incidents/7/publish"' in html and 'href="/incidents/7/publish"' in html
