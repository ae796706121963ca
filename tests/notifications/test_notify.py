"""Notifications against a real SMTP server on loopback: one message per recipient, the right
recipients only, visibility re-checked when sending, TLP:RED without content, a stable Message-ID,
the user's language, and the dedup of the same event."""

from __future__ import annotations

import email
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import select

from kommcert.db import utcnow
from kommcert.jobs import worker as jobs_worker
from kommcert.jobs.models import Job, JobStatus
from kommcert.mail import service as mail_service
from kommcert.notifications import notify
from kommcert.notifications.jobs import message_key
from kommcert.notifications.models import Notification, NotificationState
from kommcert.reports import service as reports_service
from kommcert.reports.schemas import ReportCreate, ReportUpdate
from kommcert.sharing.tlp import TLP
from tests.mail.conftest import read_settings

SECRET_TITLE = "Angriff auf das Rathausnetz"
SECRET_TEXT = "Die Zugangsdaten des Bürgermeisters wurden abgegriffen."


def _messages(server) -> list[email.message.EmailMessage]:  # noqa: ANN001
    return [email.message_from_bytes(e.original_content, policy=policy.default) for e in server.inbox.envelopes]


def _report(personas, db, *, who: str = "gemeinde_a1_member", **kw: object):  # noqa: ANN001, ANN202
    fields = {"title": SECRET_TITLE, "summary": SECRET_TEXT, "tlp": TLP.amber, "upward": True, **kw}
    report = reports_service.create_report(db, actor=personas.actor(who), report_in=ReportCreate(**fields))
    db.commit()
    return report


def _ids(personas, *names: str) -> list[int]:  # noqa: ANN001
    return [personas.users[n].id for n in names]


@pytest.fixture
def cfg(settings, plain_smtp):  # noqa: ANN001, ANN201
    return read_settings(settings, plain_smtp, smtp_security="none", base_url="https://kommcert.example")


def test_it_sends_one_message_to_each_recipient_who_may_see_it(db, personas, session_factory, cfg,
                                                                plain_smtp) -> None:  # noqa: ANN001
    report = _report(personas, db)
    stored = notify(db, event="report.shared", subject_type="report", subject_id=report.id,
                    recipients=_ids(personas, "gemeinde_a1_admin", "kreis_a_admin", "land_cert_analyst",
                                    "kreis_b_admin", "kreis_a_admin"))
    db.commit()
    assert len(stored) == 4  # the repeated recipient once
    assert plain_smtp.inbox.envelopes == []  # nothing leaves before the worker runs
    stats = jobs_worker.run(session_factory, cfg, burst=True)
    assert (stats.done, stats.failed) == (4, 0)
    envelopes = plain_smtp.inbox.envelopes
    assert all(len(e.rcpt_tos) == 1 for e in envelopes)
    assert sorted(e.rcpt_tos[0] for e in envelopes) == sorted(
        personas.users[n].email for n in ("gemeinde_a1_admin", "kreis_a_admin", "land_cert_analyst"))
    for message in _messages(plain_smtp):
        assert "," not in message["To"] and message["Cc"] is None and message["Bcc"] is None
        assert message["Subject"] == f"Neue Meldung: {SECRET_TITLE}"
        assert f"https://kommcert.example/reports/{report.id}" in message.get_content()
    # Kreis B sees nothing of Kreis A's AMBER report: skipped silently, its state says so.
    skipped = db.scalar(select(Notification).where(Notification.user_id == personas.users["kreis_b_admin"].id))
    db.refresh(skipped)
    assert skipped.state == NotificationState.skipped and skipped.sent_at is None


def test_it_drops_a_recipient_who_lost_access_before_the_send(db, personas, session_factory, cfg,
                                                              plain_smtp) -> None:  # noqa: ANN001
    reader = personas.users["gemeinde_b1_member"]
    report = _report(personas, db, upward=False, audience_users=[reader.id])
    notify(db, event="report.shared", subject_type="report", subject_id=report.id,
           recipients=[reader.id, personas.users["gemeinde_a1_admin"].id])
    db.commit()
    reports_service.update_report(db, actor=personas.actor("gemeinde_a1_member"), report_id=report.id,
                                  report_in=ReportUpdate(audience_users=[]))
    db.commit()
    jobs_worker.run(session_factory, cfg, burst=True)
    assert [e.rcpt_tos for e in plain_smtp.inbox.envelopes] == [[personas.users["gemeinde_a1_admin"].email]]


def test_it_never_puts_tlp_red_content_into_a_mail(db, personas, session_factory, cfg, plain_smtp) -> None:  # noqa: ANN001
    named = personas.users["kreis_a_admin"]
    report = _report(personas, db, tlp=TLP.red, upward=False, audience_users=[named.id])
    notify(db, event="report.shared", subject_type="report", subject_id=report.id, recipients=[named.id])
    db.commit()
    jobs_worker.run(session_factory, cfg, burst=True)
    (message,) = _messages(plain_smtp)
    raw = plain_smtp.inbox.envelopes[0].original_content.decode("utf-8", "replace")
    for secret in (SECRET_TITLE, SECRET_TEXT, "Rathausnetz", "Bürgermeister"):
        assert secret not in message["Subject"] and secret not in message.get_content() and secret not in raw
    assert message["Subject"] == "kommcert: Neuigkeit unter TLP:RED"
    assert f"https://kommcert.example/reports/{report.id}" in message.get_content()


def test_a_retried_send_carries_the_same_message_id(db, personas, session_factory, settings,
                                                    flaky_smtp) -> None:  # noqa: ANN001
    cfg = read_settings(settings, flaky_smtp, smtp_security="none")
    report = _report(personas, db)
    (stored,) = notify(db, event="report.shared", subject_type="report", subject_id=report.id,
                       recipients=_ids(personas, "kreis_a_admin"))
    db.commit()
    assert jobs_worker.run(session_factory, cfg, burst=True).failed == 1  # 451: the job waits for its retry
    with session_factory() as s:
        job = s.get(Job, stored.job_id)
        assert job.status == JobStatus.queued and "SMTP" in job.last_error and SECRET_TITLE not in job.last_error
        job.run_after = utcnow() - timedelta(seconds=1)
        s.commit()
    assert jobs_worker.run(session_factory, cfg, burst=True).done == 1
    first, second = (email.message_from_bytes(e.original_content, policy=policy.default)
                     for e in flaky_smtp.inbox.attempts)
    assert first["Message-ID"] == second["Message-ID"] == mail_service.message_id(cfg, message_key(stored))
    assert len(flaky_smtp.inbox.envelopes) == 1


def test_it_writes_in_the_users_language(db, personas, session_factory, cfg, plain_smtp) -> None:  # noqa: ANN001
    personas.users["kreis_a_admin"].locale = "en"
    report = _report(personas, db)
    notify(db, event="report.shared", subject_type="report", subject_id=report.id,
           recipients=_ids(personas, "kreis_a_admin", "gemeinde_a1_admin"))
    db.commit()
    jobs_worker.run(session_factory, cfg, burst=True)
    subjects = {m["To"]: m["Subject"] for m in _messages(plain_smtp)}
    assert subjects == {personas.users["kreis_a_admin"].email: f"New report: {SECRET_TITLE}",
                        personas.users["gemeinde_a1_admin"].email: f"Neue Meldung: {SECRET_TITLE}"}


def test_it_queues_the_same_event_once_per_user(db, personas) -> None:  # noqa: ANN001
    report = _report(personas, db)
    users = _ids(personas, "kreis_a_admin", "land_cert_analyst")
    first = notify(db, event="report.updated", subject_type="report", subject_id=report.id, recipients=users,
                   data={"change": 1})
    again = notify(db, event="report.updated", subject_type="report", subject_id=report.id, recipients=users,
                   data={"change": 1})
    other = notify(db, event="report.updated", subject_type="report", subject_id=report.id, recipients=users,
                   data={"change": 2})
    keyed = notify(db, event="report.updated", subject_type="report", subject_id=report.id, recipients=users,
                   data={"change": 2}, key="timeline-7")
    assert (len(first), len(again), len(other), len(keyed)) == (2, 0, 2, 2)
    assert db.scalar(select(Job.id).where(Job.kind == "notifications.send").order_by(Job.id.desc())) is not None
    assert len(db.scalars(select(Job).where(Job.kind == "notifications.send")).all()) == 6


def test_nothing_is_queued_when_the_caller_rolls_back(db, personas, session_factory) -> None:  # noqa: ANN001
    report = _report(personas, db)
    with session_factory() as s:
        notify(s, event="report.shared", subject_type="report", subject_id=report.id,
               recipients=_ids(personas, "kreis_a_admin"))
        s.rollback()
    assert db.scalars(select(Notification)).all() == []
    assert db.scalars(select(Job).where(Job.kind == "notifications.send")).all() == []


def test_it_leaves_out_inactive_users_and_refuses_unknown_subject_types(db, personas) -> None:  # noqa: ANN001
    report = _report(personas, db)
    personas.users["kreis_a_admin"].is_active = False
    db.flush()
    assert notify(db, event="report.shared", subject_type="report", subject_id=report.id,
                  recipients=_ids(personas, "kreis_a_admin")) == []
    with pytest.raises(Exception, match="no notification subject type"):
        notify(db, event="x", subject_type="no-such-thing", subject_id=1, recipients=[1])


def test_it_finds_the_active_users_of_organisations_as_recipients(db, personas) -> None:  # noqa: ANN001
    from kommcert.notifications.service import users_in_orgs

    personas.users["gemeinde_a1_admin"].is_active = False
    db.flush()
    gemeinde, cert = personas.orgs["gemeinde_a1"], personas.orgs["land_cert"]
    assert users_in_orgs(db, [gemeinde.id]) == _ids(personas, "gemeinde_a1_member")
    assert users_in_orgs(db, [cert.id], roles=["admin"]) == _ids(personas, "land_cert_admin")
