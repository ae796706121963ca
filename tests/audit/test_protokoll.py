"""The Protokoll page: names, German texts, links, readable details, filters, paging, the CERT analyst."""

from __future__ import annotations

import re

import pytest

from kommcert import i18n
from kommcert.audit import events, presentation
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.reports import service as reports_service
from kommcert.reports.schemas import ReportCreate


@pytest.fixture
def report(db, personas):  # noqa: ANN001, ANN201
    return reports_service.create_report(db, actor=personas.actor("kreis_a_admin"), report_in=ReportCreate(
        title="Phishing-Welle Rathaus", tlp="amber", audience_orgs=[personas.orgs["vg_a"].id]))


def test_it_names_people_objects_and_details_in_german(client, db, personas, login, report) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    page = client.get("/audit").text
    assert "Geteilt" in page and "kreis_a_admin" in page  # the user's name, not an id
    assert f'<a href="/reports/{report.id}">Meldung „Phishing-Welle Rathaus“</a>' in page
    assert '<a href="/orgs/{}">VG A</a>'.format(personas.orgs["vg_a"].id) in page  # the audience by name
    assert "TLP:AMBER" in page
    assert '{"tlp"' not in page and "&#34;tlp&#34;" not in page and "report " + str(report.id) not in page


def test_it_does_not_name_a_report_the_reader_may_not_see(db, personas, report) -> None:  # noqa: ANN001
    red = reports_service.create_report(db, actor=personas.actor("kreis_a_admin"),
                                        report_in=ReportCreate(title="Geheimer Vorfall", tlp="red"))
    from kommcert.audit import reading

    cert = personas.actor("land_cert_admin")
    entries = reading.readable(db, actor=cert, entries=audit_service.list_entries(db, actor=cert, action="shared"))
    rows = presentation.present(db, actor=cert, entries=entries)
    texts = [r.object.text for r in rows if r.object]
    assert f"Meldung „{report.title}“" in texts
    assert "Geheimer Vorfall" not in " ".join(texts) and f"Meldung {red.id} (für Sie nicht sichtbar)" in texts


def test_it_never_shows_secret_keys(db, personas) -> None:  # noqa: ANN001
    actor = personas.actor("kreis_a_admin")
    audit_service.record(db, AuditEvent(events.USER_UPDATED, actor_user_id=actor.user_id, org_id=actor.org_id,
                                         detail={"password": "hunter2", "totp_secret": "JBSWY3DP", "role": "admin"}))
    from kommcert.audit import reading

    rows = presentation.present(db, actor=actor, entries=reading.readable(
        db, actor=actor, entries=audit_service.list_entries(db, actor=actor, action=events.USER_UPDATED)))
    shown = repr(rows[0].details)
    assert "hunter2" not in shown and "JBSWY3DP" not in shown and "Administrator/in" in shown


def test_it_filters_by_event_person_object_and_time(client, db, personas, login, report) -> None:  # noqa: ANN001
    a1 = personas.actor("gemeinde_a1_admin")
    audit_service.record(db, AuditEvent(events.LOGIN, actor_user_id=personas.users["kreis_a_admin"].id,
                                         org_id=personas.orgs["kreis_a"].id))
    audit_service.record(db, AuditEvent(events.LOGOUT, actor_user_id=a1.user_id, org_id=personas.orgs["kreis_a"].id))
    login("kreis_a_admin")
    # As the form sends it: empty fields filter nothing.
    only_logout = client.get("/audit?action=logout&user_id=&object_type=&object_id=&since=&until=").text
    assert "Abmeldung" in only_logout and "Phishing-Welle" not in only_logout
    by_person = client.get(f"/audit?user_id={a1.user_id}").text
    assert "gemeinde_a1_admin" in by_person and "Phishing-Welle" not in by_person
    by_object = client.get(f"/audit?object_type=report&object_id={report.id}").text
    assert "Phishing-Welle" in by_object and "Abmeldung</td>" not in by_object
    from kommcert.db import utcnow

    tomorrow = (utcnow().date().toordinal() + 1)
    from datetime import date

    later = client.get(f"/audit?since={date.fromordinal(tomorrow).isoformat()}").text
    assert "Keine Einträge." in later
    today = client.get(f"/audit?since={utcnow().date().isoformat()}&until={utcnow().date().isoformat()}").text
    assert "Phishing-Welle" in today
    # Every filter has a visible label.
    for field in ("f-action", "f-user", "f-object-type", "f-object-id", "f-since", "f-until"):
        assert f'<label for="{field}">' in only_logout


def test_it_pages_with_the_filters_kept(client, db, personas, login) -> None:  # noqa: ANN001
    for n in range(105):
        audit_service.record(db, AuditEvent(events.LOGIN, org_id=personas.orgs["kreis_a"].id, subject=f"u{n}@x"))
    login("kreis_a_admin")
    first = client.get("/audit?action=login").text
    link = re.search(r'href="(/audit\?before_id=\d+&amp;action=login)"', first)
    assert link, "no link to older entries"
    second = client.get(link.group(1).replace("&amp;", "&")).text
    assert "u0@x" in second and "u0@x" not in first and "Neueste Einträge" in second


def test_it_shows_a_cert_analyst_the_own_certs_entries_without_addresses(client, db, personas, login) -> None:  # noqa: ANN001
    analyst = personas.actor("land_cert_analyst")
    audit_service.record(db, AuditEvent(events.EXPORTED, actor_user_id=analyst.user_id, org_id=analyst.org_id,
                                         object_type="feed", object_id="csv", ip="192.0.2.77"))
    audit_service.record(db, AuditEvent(events.LOGIN, org_id=personas.orgs["kreis_a"].id, subject="kreis@x"))
    login("land_cert_analyst")
    page = client.get("/audit")
    assert page.status_code == 200
    assert "Exportiert" in page.text and "Feed/Export csv" in page.text
    assert "192.0.2.77" not in page.text and "kreis@x" not in page.text


@pytest.mark.parametrize("persona", ["gemeinde_a1_member", "provider_x"])
def test_it_refuses_members_outside_the_certs(client, personas, login, persona) -> None:  # noqa: ANN001
    login(persona)
    assert client.get("/audit", headers={"accept": "text/html"}).status_code == 403
    assert client.get("/audit.csv").status_code == 403


def test_it_keeps_other_kreise_out_of_a_kreis_admins_log(client, db, personas, login) -> None:  # noqa: ANN001
    audit_service.record(db, AuditEvent(events.LOGIN, org_id=personas.orgs["kreis_b"].id, subject="b-only@x"))
    login("kreis_a_admin")
    assert "b-only@x" not in client.get("/audit").text
    assert "b-only@x" not in client.get(f"/audit?object_id=x&user_id={personas.users['kreis_b_admin'].id}").text


def test_it_has_german_and_english_for_every_event_object_and_detail() -> None:
    english = i18n._english()
    names = {v for k, v in vars(events).items() if k.isupper() and isinstance(v, str) and k != "LABELS_DE"}
    assert names <= set(events.LABELS_DE)
    words = [*presentation.OBJECT_LABELS_DE.values(), *presentation.DETAIL_LABELS_DE.values(),
             *(v for v in presentation.VALUE_WORDS_DE.values())]
    assert [w for w in words if w not in english] == []


def test_the_cert_start_page_keeps_its_promise_of_the_protokoll(client, db, personas) -> None:  # noqa: ANN001
    from kommcert.accounts.models import Role, User
    from tests.personas import web_login

    analyst = User(org=personas.orgs["kommunal_cert"], email="kc@example.test", name="KC Analyst", role=Role.analyst,
                   password_hash=personas.users["land_cert_analyst"].password_hash)
    db.add(analyst)
    db.flush()
    web_login(client, analyst.email)
    home = client.get("/").text
    assert '<a href="/audit">' in home
    assert client.get("/audit").status_code == 200
