from __future__ import annotations

import email
from email import policy

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from kommcert.errors import InvalidInput
from kommcert.jobs import worker as jobs_worker
from kommcert.jobs.models import Job, JobStatus
from kommcert.mail import sender
from kommcert.mail import service as mail_service
from tests.mail.conftest import PASSWORD, USER, read_settings


def _parsed(server) -> email.message.EmailMessage:  # noqa: ANN001
    return email.message_from_bytes(server.inbox.envelopes[-1].original_content, policy=policy.default)


def test_it_sends_plain_smtp_with_umlauts(settings, plain_smtp) -> None:  # noqa: ANN001
    cfg = read_settings(settings, plain_smtp, smtp_security="none")
    sender.send(cfg, mail_service.build(cfg, to=["isb@gemeinde.example"], subject="Warnung: Größte Vorsicht",
                                        text="Bitte Updates einspielen – schnellstmöglich.\n"))
    message = _parsed(plain_smtp)
    assert message["Subject"] == "Warnung: Größte Vorsicht"
    assert "schnellstmöglich" in message.get_content()
    assert message["Message-ID"] and message["Date"]


def test_it_sends_over_starttls_with_login(settings, starttls_smtp) -> None:  # noqa: ANN001
    cfg = read_settings(settings, starttls_smtp, smtp_security="starttls", smtp_username=USER,
                        smtp_password=SecretStr(PASSWORD))
    sender.send(cfg, mail_service.build(cfg, to=["a@b.example"], subject="Test", text="Hallo\n"))
    assert len(starttls_smtp.inbox.envelopes) == 1
    assert starttls_smtp.inbox.envelopes[0].rcpt_tos == ["a@b.example"]


def test_it_reports_a_refused_login_without_the_password(settings, starttls_smtp) -> None:  # noqa: ANN001
    cfg = read_settings(settings, starttls_smtp, smtp_security="starttls", smtp_username=USER,
                        smtp_password=SecretStr("wrong-password"), smtp_timeout=2.0)
    with pytest.raises(sender.MailError) as exc:
        sender.send(cfg, mail_service.build(cfg, to=["a@b.example"], subject="Test", text="x"))
    assert "login refused" in str(exc.value) and "wrong-password" not in str(exc.value)
    assert starttls_smtp.inbox.envelopes == []


def test_it_refuses_a_server_certificate_it_cannot_verify(settings, starttls_smtp) -> None:  # noqa: ANN001
    cfg = read_settings(settings, starttls_smtp, smtp_security="starttls", smtp_ca_file="")
    with pytest.raises(sender.MailError):
        sender.send(cfg, mail_service.build(cfg, to=["a@b.example"], subject="Test", text="x"))


def test_it_sends_over_implicit_tls(settings, tls_smtp) -> None:  # noqa: ANN001
    cfg = read_settings(settings, tls_smtp, smtp_security="tls", smtp_username=USER,
                        smtp_password=SecretStr(PASSWORD))
    sender.send(cfg, mail_service.build(cfg, to=["a@b.example"], subject="TLS", text="x"))
    assert len(tls_smtp.inbox.envelopes) == 1


def test_it_names_an_unreachable_server(settings) -> None:  # noqa: ANN001
    cfg = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": 1, "smtp_security": "none"})
    with pytest.raises(sender.MailError, match="cannot reach SMTP server 127.0.0.1:1"):
        sender.send(cfg, mail_service.build(cfg, to=["a@b.example"], subject="x", text="x"))


def test_it_delivers_queued_mail_through_the_worker(settings, session_factory, plain_smtp) -> None:  # noqa: ANN001
    cfg = read_settings(settings, plain_smtp, smtp_security="none")
    with session_factory() as db:
        mail_service.queue_mail(db, to=["isb@a.example", "isb@b.example"], subject="Neue Warnung", text="Text")
        db.commit()
    assert plain_smtp.inbox.envelopes == []  # nothing leaves before the worker runs
    stats = jobs_worker.run(session_factory, cfg, burst=True)
    assert stats.done == 2  # one job, and one message, per recipient
    assert sorted(e.rcpt_tos for e in plain_smtp.inbox.envelopes) == [["isb@a.example"], ["isb@b.example"]]
    to_headers = sorted(email.message_from_bytes(e.original_content, policy=policy.default)["To"]
                        for e in plain_smtp.inbox.envelopes)
    assert to_headers == ["isb@a.example", "isb@b.example"]


def test_it_refuses_to_build_one_message_for_several_people(settings) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="exactly one recipient"):
        mail_service.build(settings, to=["a@b.example", "c@d.example"], subject="x", text="x")


def test_a_retried_mail_carries_the_message_id_fixed_when_it_was_queued(settings, session_factory,
                                                                        plain_smtp) -> None:  # noqa: ANN001
    down = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": 1, "smtp_security": "none"})
    with session_factory() as db:
        (job,) = mail_service.queue_mail(db, to=["a@b.example"], subject="x", text="x")
        db.commit()
    assert jobs_worker.run(session_factory, down, burst=True).failed == 1
    with session_factory() as db:
        db.get(Job, job.id).run_after = db.get(Job, job.id).created_at
        db.commit()
    cfg = read_settings(settings, plain_smtp, smtp_security="none")
    assert jobs_worker.run(session_factory, cfg, burst=True).done == 1
    assert _parsed(plain_smtp)["Message-ID"] == mail_service.message_id(cfg, job.payload["message_id"])


def test_it_still_sends_a_job_queued_for_several_recipients_one_message_each(settings, session_factory,
                                                                             plain_smtp) -> None:  # noqa: ANN001
    """Jobs queued before one-message-per-recipient hold a list of addresses."""
    from kommcert.jobs import service as jobs_service

    cfg = read_settings(settings, plain_smtp, smtp_security="none")
    with session_factory() as db:
        jobs_service.enqueue(db, mail_service.KIND, {"to": ["x@a.example", "y@b.example"], "subject": "Alt",
                                                     "text": "x"})
        db.commit()
    assert jobs_worker.run(session_factory, cfg, burst=True).done == 1
    assert sorted(e.rcpt_tos for e in plain_smtp.inbox.envelopes) == [["x@a.example"], ["y@b.example"]]


def test_it_retries_mail_the_server_would_not_take(settings, session_factory) -> None:  # noqa: ANN001
    cfg = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": 1, "smtp_security": "none"})
    with session_factory() as db:
        (job,) = mail_service.queue_mail(db, to=["a@b.example"], subject="x", text="geheimer Inhalt")
        db.commit()
    jobs_worker.run(session_factory, cfg, burst=True)
    with session_factory() as db:
        failed = db.get(Job, job.id)
        assert failed.status == JobStatus.queued and failed.attempts == 1
        assert "cannot reach SMTP server" in failed.last_error and "geheimer" not in failed.last_error


@pytest.mark.parametrize("to", [[], ["no-at-sign"], ["a@b.example\nBcc: x@y"], ["a@b.example, c@d.example"]])
def test_it_refuses_bad_recipients(session_factory, to) -> None:  # noqa: ANN001
    with session_factory() as db:
        with pytest.raises(InvalidInput):
            mail_service.queue_mail(db, to=to, subject="x", text="x")
        assert db.scalars(select(Job)).all() == []


def test_it_refuses_header_injection_in_the_subject(session_factory) -> None:  # noqa: ANN001
    with session_factory() as db, pytest.raises(InvalidInput):
        mail_service.queue_mail(db, to=["a@b.example"], subject="x\r\nBcc: y@z", text="x")
