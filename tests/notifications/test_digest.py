"""Immediate or daily digest, per user: the digest is one mail per user a day, through the periodic
job, with visibility re-checked per item when it is sent."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy

from sqlalchemy import select

from kommcert.jobs import schedule
from kommcert.jobs import worker as jobs_worker
from kommcert.notifications import notify
from kommcert.notifications import service as notifications_service
from kommcert.notifications.models import Notification, NotificationState
from kommcert.reports import service as reports_service
from kommcert.reports.schemas import ReportCreate, ReportUpdate
from kommcert.sharing.tlp import TLP
from tests.mail.conftest import read_settings


def _report(db, personas, title: str, **kw: object):  # noqa: ANN001, ANN202
    fields = {"title": title, "summary": "Inhalt", "tlp": TLP.amber, "upward": True, **kw}
    report = reports_service.create_report(db, actor=personas.actor("gemeinde_a1_member"),
                                           report_in=ReportCreate(**fields))
    db.flush()
    return report


def _digest_tick(db, cfg, days: int = 1) -> None:  # noqa: ANN001
    """The digest's periodic tick, ``days`` ahead of the clock (a tick not taken yet)."""
    now = datetime.now(UTC) + timedelta(days=days)
    assert [j.kind for j in schedule.enqueue_due(db, cfg, now=now, names=["notification-digest"])] == [
        "notifications.digest"]
    db.commit()


def test_digest_users_get_one_mail_a_day_and_immediate_users_one_each(db, personas, session_factory, settings,
                                                                      plain_smtp) -> None:  # noqa: ANN001
    cfg = read_settings(settings, plain_smtp, smtp_security="none")
    daily, direct = personas.users["kreis_a_admin"], personas.users["land_cert_analyst"]
    notifications_service.set_mode(db, actor=personas.actor("kreis_a_admin"), mode="digest")
    first, second = _report(db, personas, "Erste Meldung"), _report(db, personas, "Zweite Meldung")
    for report in (first, second):
        notify(db, event="report.shared", subject_type="report", subject_id=report.id,
               recipients=[daily.id, direct.id])
    db.commit()
    jobs_worker.run(session_factory, cfg, burst=True)
    assert [e.rcpt_tos for e in plain_smtp.inbox.envelopes] == [[direct.email], [direct.email]]
    waiting = db.scalars(select(Notification).where(Notification.user_id == daily.id)).all()
    assert {n.state for n in waiting} == {NotificationState.digest} and all(n.job_id is None for n in waiting)

    _digest_tick(db, cfg)
    jobs_worker.run(session_factory, cfg, burst=True)
    digests = [e for e in plain_smtp.inbox.envelopes if e.rcpt_tos == [daily.email]]
    assert len(digests) == 1
    message = email.message_from_bytes(digests[0].original_content, policy=policy.default)
    assert message["Subject"] == "kommcert: Zusammenfassung (2 Neuigkeiten)"
    assert "Neue Meldung: Erste Meldung" in message.get_content()
    assert f"/reports/{second.id}" in message.get_content()
    # The next day's tick finds nothing left: no second digest.
    _digest_tick(db, cfg, days=2)
    jobs_worker.run(session_factory, cfg, burst=True)
    assert len([e for e in plain_smtp.inbox.envelopes if e.rcpt_tos == [daily.email]]) == 1


def test_the_digest_rechecks_each_item_when_it_is_sent(db, personas, session_factory, settings,
                                                       plain_smtp) -> None:  # noqa: ANN001
    cfg = read_settings(settings, plain_smtp, smtp_security="none")
    reader = personas.users["gemeinde_b1_member"]
    notifications_service.set_mode(db, actor=personas.actor("gemeinde_b1_member"), mode="digest")
    kept = _report(db, personas, "Bleibt sichtbar", upward=False, audience_users=[reader.id])
    narrowed = _report(db, personas, "Wird entzogen", upward=False, audience_users=[reader.id])
    red = _report(db, personas, "Streng vertraulich", tlp=TLP.red, upward=False, audience_users=[reader.id])
    for report in (kept, narrowed, red):
        notify(db, event="report.shared", subject_type="report", subject_id=report.id, recipients=[reader.id])
    db.commit()
    reports_service.update_report(db, actor=personas.actor("gemeinde_a1_member"), report_id=narrowed.id,
                                  report_in=ReportUpdate(audience_users=[]))
    db.commit()
    _digest_tick(db, cfg)
    jobs_worker.run(session_factory, cfg, burst=True)
    (envelope,) = plain_smtp.inbox.envelopes
    message = email.message_from_bytes(envelope.original_content, policy=policy.default)
    text = message.get_content()
    assert "Bleibt sichtbar" in text and "Wird entzogen" not in text
    assert "Streng vertraulich" not in text and "kommcert: Neuigkeit unter TLP:RED" in text
    assert f"/reports/{red.id}" in text and message["Subject"] == "kommcert: Zusammenfassung (2 Neuigkeiten)"
    states = dict(db.execute(select(Notification.subject_id, Notification.state)).all())
    assert states == {kept.id: NotificationState.sent, narrowed.id: NotificationState.skipped,
                      red.id: NotificationState.sent}


def test_a_digest_with_nothing_visible_sends_nothing(db, personas, session_factory, settings,
                                                     plain_smtp) -> None:  # noqa: ANN001
    cfg = read_settings(settings, plain_smtp, smtp_security="none")
    outsider = personas.users["kreis_b_admin"]
    notifications_service.set_mode(db, actor=personas.actor("kreis_b_admin"), mode="digest")
    report = _report(db, personas, "Nur für Kreis A")
    notify(db, event="report.shared", subject_type="report", subject_id=report.id, recipients=[outsider.id])
    db.commit()
    _digest_tick(db, cfg)
    jobs_worker.run(session_factory, cfg, burst=True)
    assert plain_smtp.inbox.envelopes == []
