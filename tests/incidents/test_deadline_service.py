"""An incident's legal deadlines, kept: due times from the rules, recomputed on every change, done ones
keep their time, marked done by the CERT or the affected organisation, the text to send, reminders once
(to the right people, through aiosmtpd), and another Kreis gets 404 on every route."""

from __future__ import annotations

import email
from datetime import UTC, timedelta
from email import policy as email_policy

import pytest
from sqlalchemy import func, select

from kommcert.accounts.models import TokenScope
from kommcert.db import utcnow
from kommcert.errors import PermissionDenied
from kommcert.incidents import deadline_service, deadlines, service
from kommcert.incidents.deadline_models import IncidentDeadline
from kommcert.incidents.models import EventKind, Incident, IncidentEvent, Severity
from kommcert.jobs import worker as jobs_worker
from kommcert.notifications.models import Notification
from tests.incidents.conftest import report
from tests.mail.conftest import ca, plain_smtp, read_settings  # noqa: F401 - fixtures: aiosmtpd on loopback
from tests.personas import csrf_from

BERLIN = deadlines.BERLIN
SINCE = timedelta(hours=5)  # the municipality noticed the attack five hours before it reports


def _dues(db, incident: Incident) -> dict[str, IncidentDeadline]:  # noqa: ANN001
    return {d.rule_key: d for d in db.scalars(select(IncidentDeadline).where(IncidentDeadline.incident_id
                                                                             == incident.id))}


def _utc(value):  # noqa: ANN001, ANN202
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@pytest.fixture
def bsig_gdpr(personas) -> Incident:  # noqa: ANN001
    """Ransomware in Gemeinde A1, in scope of § 32 BSIG, personal data affected, known for five hours."""
    return report(personas, bsig_answer=True, personal_data_affected=True, first_known_at=utcnow() - SINCE)


def test_it_sets_the_bsig_and_gdpr_due_times_from_the_first_knowledge(personas, bsig_gdpr) -> None:  # noqa: ANN001
    known = _utc(bsig_gdpr.first_known_at)
    dues = _dues(personas.db, bsig_gdpr)
    assert set(dues) == {"bsig_early_warning", "bsig_notification", "bsig_final_report", "gdpr_art33"}
    assert _utc(dues["bsig_early_warning"].due_at) == known + timedelta(hours=24)
    assert _utc(dues["bsig_notification"].due_at) == known + timedelta(hours=72)
    assert _utc(dues["gdpr_art33"].due_at) == known + timedelta(hours=72)
    # One calendar month after the notification (open: after its due time), counted in Berlin.
    notified = (known + timedelta(hours=72)).astimezone(BERLIN)
    assert _utc(dues["bsig_final_report"].due_at) == _utc(deadlines.Offset(months=1).after(notified, BERLIN))
    assert _utc(dues["bsig_final_report"].due_at) > known + timedelta(days=28 + 3)
    assert dues["bsig_early_warning"].remind_at == [(known + timedelta(hours=h)).isoformat() for h in (12, 22)]
    assert {d.state for d in dues.values()} == {"open"}
    assert dues["bsig_early_warning"].title_de == "Frühe Erstmeldung an das BSI"


def test_an_incident_out_of_scope_and_without_personal_data_has_none(personas) -> None:  # noqa: ANN001
    assert _dues(personas.db, report(personas)) == {}


def test_the_organisations_flag_puts_it_in_scope_of_bsig(personas) -> None:  # noqa: ANN001
    personas.orgs["gemeinde_a1"].bsig_in_scope = True
    assert "bsig_early_warning" in _dues(personas.db, report(personas))


def test_the_deadlines_follow_a_change_of_the_organisations_flag(personas) -> None:  # noqa: ANN001
    incident = report(personas)
    personas.orgs["gemeinde_a1"].bsig_in_scope = True
    assert deadline_service.recompute_for_org(personas.db, personas.orgs["gemeinde_a1"].id) == 1
    assert "bsig_notification" in _dues(personas.db, incident)


def test_it_recomputes_when_an_attribute_the_rules_test_changes(personas) -> None:  # noqa: ANN001
    db, cert = personas.db, personas.actor("land_cert_analyst")
    incident = report(personas, land_rules_in_scope=True, severity=Severity.high)
    assert _dues(db, incident) == {}
    service.classify(db, actor=cert, incident_id=incident.id, severity=Severity.critical)
    land = _dues(db, incident)["land_interior_ministry"]
    assert _utc(land.due_at) == _utc(incident.first_known_at) + timedelta(hours=48)
    service.classify(db, actor=cert, incident_id=incident.id, severity=Severity.high)
    assert _dues(db, incident) == {}  # open and no longer applying: gone


def test_a_done_deadline_keeps_its_time_and_anchors_the_one_after_it(personas) -> None:  # noqa: ANN001
    db, owner = personas.db, personas.actor("gemeinde_a1_member")
    org = personas.orgs["gemeinde_a1"]
    org.bsig_in_scope = True
    incident = report(personas, first_known_at=utcnow() - SINCE)
    sent = _utc(incident.first_known_at) + timedelta(hours=30)
    sent = min(sent, utcnow())
    deadline_service.set_done(db, actor=owner, incident_id=incident.id, key="bsig_notification", done_at=sent)
    dues = _dues(db, incident)
    assert _utc(dues["bsig_notification"].done_at) == sent and dues["bsig_notification"].state == "done"
    assert _utc(dues["bsig_final_report"].due_at) == _utc(deadlines.Offset(months=1).after(sent, BERLIN))
    assert dues["bsig_notification"].next_remind_at is None
    # Out of scope after all: the open § 32 deadlines go, the one done stays with its time.
    org.bsig_in_scope = False
    service.add_note(db, actor=owner, incident_id=incident.id, body="Doch nicht KRITIS-relevant.")
    dues = _dues(db, incident)
    assert set(dues) == {"bsig_notification"} and _utc(dues["bsig_notification"].done_at) == sent


def test_only_the_cert_and_the_affected_organisation_mark_deadlines_done(personas, bsig_gdpr) -> None:  # noqa: ANN001
    db = personas.db
    for outsider in ("kreis_a_admin",):  # the Kreis sees the incident and writes nothing
        with pytest.raises(PermissionDenied):
            deadline_service.set_done(db, actor=personas.actor(outsider), incident_id=bsig_gdpr.id,
                                      key="gdpr_art33")
    for who in ("gemeinde_a1_member", "land_cert_analyst"):
        done = deadline_service.set_done(db, actor=personas.actor(who), incident_id=bsig_gdpr.id, key="gdpr_art33")
        assert done.done_by_id == personas.users[who].id and done.state == "done"
        reopened = deadline_service.set_done(db, actor=personas.actor(who), incident_id=bsig_gdpr.id,
                                             key="gdpr_art33", done=False)
        assert reopened.done_at is None and reopened.state == "open"
    kinds = db.scalars(select(IncidentEvent.kind).where(IncidentEvent.incident_id == bsig_gdpr.id)
                       .order_by(IncidentEvent.id)).all()
    assert kinds[-4:] == [EventKind.deadline_done, EventKind.deadline_reopened] * 2


def test_the_report_text_is_prefilled_in_german_and_english(personas, bsig_gdpr) -> None:  # noqa: ANN001
    db, reader = personas.db, personas.actor("kreis_a_admin")
    german = deadline_service.report_text(db, actor=reader, incident_id=bsig_gdpr.id, key="bsig_early_warning").text
    assert "Einrichtung: Gemeinde A1" in german and "Dateien verschlüsselt, Erpresserschreiben" in german
    assert "Ransomware, Schweregrad mittel" in german and "Frau Beispiel, Hauptamt" in german
    english = deadline_service.report_text(db, actor=reader, incident_id=bsig_gdpr.id, key="bsig_early_warning",
                                           lang="en").text
    assert english.startswith("Early warning") and "severity medium" in english
    final = deadline_service.report_text(db, actor=reader, incident_id=bsig_gdpr.id, key="bsig_final_report").text
    assert "{cause}" in final  # nobody knows the cause yet: left for the writer


def test_the_summary_gives_the_worst_state_per_incident(personas, bsig_gdpr) -> None:  # noqa: ANN001
    db = personas.db
    quiet = report(personas)
    later = utcnow() + timedelta(hours=30)  # the early warning (24 h) is overdue then
    assert deadline_service.summary(db, [bsig_gdpr.id, quiet.id]) == {bsig_gdpr.id: "open"}
    assert deadline_service.summary(db, [bsig_gdpr.id], now=later) == {bsig_gdpr.id: "overdue"}
    deadline_service.set_done(db, actor=personas.actor("land_cert_analyst"), incident_id=bsig_gdpr.id,
                              key="bsig_early_warning")
    assert deadline_service.summary(db, [bsig_gdpr.id], now=later) == {bsig_gdpr.id: "open"}


# ---------------------------------------------------------------- reminders

def test_it_sends_each_reminder_once_to_the_right_people(db, personas, session_factory, settings,
                                                         plain_smtp) -> None:  # noqa: ANN001, F811
    # Known for 13 hours: the early warning's first reminder (12 h before) has passed, its second has not.
    incident = report(personas, bsig_answer=True, first_known_at=utcnow() - timedelta(hours=13))
    db.commit()
    assert deadline_service.send_reminders(db) == {"reminded": 1, "skipped": 0}
    assert deadline_service.send_reminders(db) == {"reminded": 0, "skipped": 0}
    db.commit()
    cfg = read_settings(settings, plain_smtp, smtp_security="none", base_url="https://kommcert.example")
    jobs_worker.run(session_factory, cfg, burst=True)  # also runs the periodic reminder tick: nothing new
    subject = f"Frist läuft ab: Frühe Erstmeldung an das BSI (Vorfall {incident.id})"
    reminders = [(e.rcpt_tos, m) for e in plain_smtp.inbox.envelopes  # the new incident's alerts apart
                 if (m := email.message_from_bytes(e.original_content, policy=email_policy.default))["Subject"]
                 == subject]
    assert sorted(to for rcpt_tos, _ in reminders for to in rcpt_tos) == sorted(
        personas.users[n].email for n in ("land_cert_analyst", "land_cert_admin", "gemeinde_a1_admin"))
    assert f"https://kommcert.example/incidents/{incident.id}#fristen" in reminders[0][1].get_content()
    # The next moment (2 h before) comes later, once.
    early = _dues(db, incident)["bsig_early_warning"]
    at = _utc(early.due_at) - timedelta(hours=1)
    assert deadline_service.send_reminders(db, now=at)["reminded"] == 1
    assert deadline_service.send_reminders(db, now=at)["reminded"] == 0
    told = db.scalars(select(Notification.user_id).where(Notification.subject_id == early.id,
                                                         Notification.subject_type == "incident_deadline")).all()
    assert sorted(told) == sorted([personas.users[n].id for n in ("land_cert_analyst", "land_cert_admin",
                                                                   "gemeinde_a1_admin")] * 2)


def test_no_reminder_for_a_deadline_done_or_past(personas) -> None:  # noqa: ANN001
    db = personas.db
    incident = report(personas, bsig_answer=True, first_known_at=utcnow() - timedelta(hours=13))
    deadline_service.set_done(db, actor=personas.actor("gemeinde_a1_member"), incident_id=incident.id,
                              key="bsig_early_warning")
    assert deadline_service.send_reminders(db)["reminded"] == 0
    late = report(personas, bsig_answer=True, first_known_at=utcnow() - timedelta(hours=30))
    assert _dues(db, late)["bsig_early_warning"].state == "overdue"
    assert deadline_service.send_reminders(db)["reminded"] == 0
    assert db.scalar(select(func.count(Notification.id)).where(Notification.subject_type == "incident_deadline")) == 0


# ---------------------------------------------------------------- API

def test_the_api_lists_marks_and_exports_the_text(client, personas, bsig_gdpr) -> None:  # noqa: ANN001
    base = f"/api/v1/incidents/{bsig_gdpr.id}/deadlines"
    listed = client.get(base, headers=personas.auth("kreis_a_admin")).json()
    assert [d["key"] for d in listed][:1] == ["bsig_early_warning"]
    assert {d["state"] for d in listed} == {"open"}
    refused = client.post(f"{base}/gdpr_art33/done", json={}, headers=personas.auth("kreis_a_admin"))
    assert refused.status_code == 403 and refused.json()["de"].startswith("Fristen hakt")
    done = client.post(f"{base}/gdpr_art33/done", json={}, headers=personas.auth("gemeinde_a1_member"))
    assert done.status_code == 200 and done.json()["state"] == "done"
    future = (utcnow() + timedelta(days=1)).isoformat()
    bad = client.post(f"{base}/bsig_notification/done", json={"done_at": future},
                      headers=personas.auth("gemeinde_a1_member"))
    assert bad.status_code == 422 and bad.json()["en"] == "The time done is in the future."
    text = client.get(f"{base}/gdpr_art33/text?lang=en&download=true", headers=personas.auth("kreis_a_admin"))
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert text.text.startswith("Notification of a personal data breach")
    assert "attachment" in text.headers["content-disposition"]
    assert client.get(f"{base}/no_such_rule/text", headers=personas.auth("kreis_a_admin")).status_code == 404
    assert client.get(f"{base}/Not-A-Key/text", headers=personas.auth("kreis_a_admin")).status_code == 422


def test_read_only_tokens_and_anonymous_callers_change_nothing(client, personas, bsig_gdpr) -> None:  # noqa: ANN001
    url = f"/api/v1/incidents/{bsig_gdpr.id}/deadlines/gdpr_art33/done"
    assert client.post(url, json={}, headers=personas.auth("land_cert_admin", TokenScope.read)).status_code == 403
    assert client.post(url, json={}).status_code in (401, 403)
    assert client.get(f"/api/v1/incidents/{bsig_gdpr.id}/deadlines").status_code == 401
    assert _dues(personas.db, bsig_gdpr)["gdpr_art33"].done_at is None


def _routes(i: int) -> list[tuple[str, str]]:
    return [("GET", f"/incidents/{i}/deadlines"), ("POST", f"/incidents/{i}/deadlines/gdpr_art33/done"),
            ("GET", f"/incidents/{i}/deadlines/gdpr_art33/text"), ("GET", f"/incidents/{i}/report.pdf")]


def test_another_kreis_gets_404_on_every_deadline_route(client, personas, bsig_gdpr) -> None:  # noqa: ANN001
    events = personas.db.scalar(select(func.count(IncidentEvent.id)))
    headers = personas.auth("gemeinde_b1_member")
    answers = {(m, u): client.request(m, "/api/v1" + u, headers=headers, json={}).status_code
               for m, u in _routes(bsig_gdpr.id)}
    assert set(answers.values()) == {404}, answers
    assert personas.db.scalar(select(func.count(IncidentEvent.id))) == events
    assert _dues(personas.db, bsig_gdpr)["gdpr_art33"].done_at is None


def test_another_kreis_gets_404_on_every_deadline_page(client, login, personas, bsig_gdpr) -> None:  # noqa: ANN001
    login("gemeinde_b1_member")
    token = csrf_from(client.get("/").text)
    answers = {}
    for method, url in _routes(bsig_gdpr.id):
        response = (client.post(url, data={"csrf_token": token, "done": "1"}) if method == "POST"
                    else client.get(url, headers={"HX-Request": "true"}))
        answers[url] = response.status_code
    assert set(answers.values()) == {404}, answers
    assert _dues(personas.db, bsig_gdpr)["gdpr_art33"].done_at is None


def test_the_page_part_shows_due_times_state_text_and_the_form(client, login, personas, bsig_gdpr) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    part = client.get(f"/incidents/{bsig_gdpr.id}/deadlines", headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert "Frühe Erstmeldung an das BSI" in part.text and "offen" in part.text
    assert f'action="/incidents/{bsig_gdpr.id}/deadlines/bsig_early_warning/done"' in part.text
    assert 'data-copy="#frist-text-bsig_early_warning"' in part.text and "Einrichtung: Gemeinde A1" in part.text
    due = deadline_service.list_deadlines(personas.db, actor=personas.actor("gemeinde_a1_member"),
                                          incident_id=bsig_gdpr.id).deadlines[0].due_at
    assert _utc(due).astimezone(BERLIN).strftime("%d.%m.%Y %H:%M") in part.text  # local time on the page
    token = csrf_from(client.get("/").text)
    done = client.post(f"/incidents/{bsig_gdpr.id}/deadlines/bsig_early_warning/done",
                       data={"csrf_token": token, "done": "1"}, follow_redirects=False)
    assert done.status_code == 303
    assert _dues(personas.db, bsig_gdpr)["bsig_early_warning"].done_at is not None
    text = client.get(f"/incidents/{bsig_gdpr.id}/deadlines/bsig_early_warning/text")
    assert text.headers["content-disposition"].startswith("attachment") and "Gemeinde A1" in text.text


def test_the_kreis_sees_the_part_without_the_form(client, login, personas, bsig_gdpr) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    part = client.get(f"/incidents/{bsig_gdpr.id}/deadlines", headers={"HX-Request": "true"})
    assert part.status_code == 200 and "Frühe Erstmeldung" in part.text and "/done" not in part.text
    token = csrf_from(client.get("/").text)
    refused = client.post(f"/incidents/{bsig_gdpr.id}/deadlines/gdpr_art33/done", data={"csrf_token": token})
    assert refused.status_code == 403


def test_an_overdue_deadline_is_red(client, login, personas) -> None:  # noqa: ANN001
    late = report(personas, bsig_answer=True, first_known_at=utcnow() - timedelta(hours=30))
    login("land_cert_analyst")
    part = client.get(f"/incidents/{late.id}/deadlines", headers={"HX-Request": "true"})
    assert '<strong class="overdue">überfällig</strong>' in part.text


# ---------------------------------------------------------------- CLI

RULE = """
[[rule]]
key = "land_extra"
title_de = "Zusatzmeldung"
title_en = "Extra report"
basis = "Landesgesetz"
recipient_de = "Ministerium"
recipient_en = "Ministry"
when = {{ all = [{{ attr = "{attr}", equals = true }}] }}
anchor = "first_known_at"
offset = {{ hours = 12 }}
text_de = "Meldung von {{org_name}}"
text_en = "Report of {{org_name}}"
"""


def test_check_rules_names_an_unknown_attribute_and_exits_2(tmp_path) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from kommcert.cli.main import app

    bad = tmp_path / "bad.toml"
    bad.write_text(RULE.format(attr="mayor_informed"), encoding="utf-8")
    result = CliRunner().invoke(app, ["incidents", "check-rules", str(bad)])
    assert result.exit_code == 2
    assert "Regel „land_extra“: unbekanntes Merkmal „mayor_informed“" in " ".join(result.output.split())
    good = tmp_path / "good.toml"
    good.write_text(RULE.format(attr="ransom_note"), encoding="utf-8")
    result = CliRunner().invoke(app, ["incidents", "check-rules", str(good)])
    assert result.exit_code == 0 and "land_extra: Zusatzmeldung" in result.output and "6 Regeln gültig" in result.output


def test_the_deadlines_command_lists_them_for_whoever_may_see_the_incident(cli_db) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from kommcert.cli.main import app

    runner, wide = CliRunner(), {"COLUMNS": "200", "KOMMCERT_LANG": "de"}
    assert runner.invoke(app, ["demo"]).exit_code == 0
    reported = runner.invoke(app, ["incidents", "report", "--as", "buero@kleinmusterdorf.example", "--category",
                                   "ransomware", "--systems", "Fileserver", "--observed", "Dateien verschlüsselt",
                                   "--bsig", "--personal-data"], env=wide)
    assert reported.exit_code == 0, reported.output
    number = reported.output.split("Vorfall ", 1)[1].split(" ", 1)[0]
    listed = runner.invoke(app, ["incidents", "deadlines", number, "--as", "it@beispielkreis.example"], env=wide)
    assert listed.exit_code == 0, listed.output
    assert "bsig_early_warning" in listed.output and "gdpr_art33" in listed.output and "4 Fristen" in listed.output
    text = runner.invoke(app, ["incidents", "deadlines", number, "--as", "it@beispielkreis.example", "--text",
                               "gdpr_art33"], env=wide)
    assert text.exit_code == 0 and text.output.startswith("Meldung einer Verletzung des Schutzes")
    seedorf = runner.invoke(app, ["incidents", "deadlines", number, "--as", "buero@seedorf.example"], env=wide)
    assert seedorf.exit_code == 2 and "Nicht gefunden" in seedorf.output


def test_the_case_page_includes_the_deadlines(client, login, personas, bsig_gdpr) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    page = client.get(f"/incidents/{bsig_gdpr.id}")
    assert page.status_code == 200
    assert 'id="fristen"' in page.text and "Meldung an die Datenschutz-Aufsichtsbehörde" in page.text
    assert f"/incidents/{bsig_gdpr.id}/deadlines/gdpr_art33/done" in page.text
    assert f'href="/incidents/{bsig_gdpr.id}/report.pdf"' in page.text
    english = client.get(f"/incidents/{bsig_gdpr.id}?lang=en")
    assert "Reporting deadlines" in english.text and "Early warning to the BSI" in english.text
    assert ">open<" in english.text or "open</td>" in english.text
