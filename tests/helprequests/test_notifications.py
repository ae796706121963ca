"""Who hears about a help request: the CERTs on a request, the provider's on-call on assignment (with
its on-call number, by real mail over SMTP on loopback), the municipality on acceptance and arrival;
the check at sending applies the list's rule (a provider only what is assigned to it)."""

from __future__ import annotations

import email
from email import policy

import pytest
from sqlalchemy import select

from kommcert.helprequests import notifications, service
from kommcert.jobs import worker as jobs_worker
from kommcert.notifications import registry
from kommcert.notifications.models import Notification
from tests.helprequests.conftest import ON_CALL, Chain
from tests.mail.conftest import ca, plain_smtp, read_settings  # noqa: F401 - fixtures

CERT = "land_cert_analyst"


@pytest.fixture
def cfg(settings, plain_smtp):  # noqa: ANN001, ANN201, F811
    return read_settings(settings, plain_smtp, smtp_security="none", base_url="https://kommcert.example")


def _told(chain: Chain, event: str) -> list[str]:
    rows = chain.p.db.scalars(select(Notification).where(Notification.subject_type == notifications.SUBJECT_TYPE,
                                                         Notification.event == event))
    names = {u.id: n for n, u in chain.p.users.items()}
    return sorted(names[r.user_id] for r in rows)


def test_who_is_told_at_each_step(chain: Chain) -> None:
    db = chain.p.db
    hr = chain.request()
    assert _told(chain, notifications.REQUESTED) == ["land_cert_admin", "land_cert_analyst"]
    service.approve(db, actor=chain.actor(CERT), help_request_id=hr.id)
    service.assign(db, actor=chain.actor(CERT), help_request_id=hr.id, assignee_org_id=chain.p.orgs["provider_x"].id)
    assert _told(chain, notifications.ASSIGNED) == ["provider_x"]
    service.accept(db, actor=chain.actor("provider_x"), help_request_id=hr.id, accept_in=chain.accept_in())
    assert _told(chain, notifications.ACCEPTED) == ["gemeinde_a1_admin", "gemeinde_a1_member"]
    service.deploy(db, actor=chain.actor("provider_x"), help_request_id=hr.id)
    assert _told(chain, notifications.DEPLOYED) == ["gemeinde_a1_admin", "gemeinde_a1_member"]


def test_the_check_is_the_lists_rule(chain: Chain) -> None:
    hr = chain.to_assigned("provider_x")
    check = registry.get(notifications.SUBJECT_TYPE).check
    db = chain.p.db
    assert check(db, chain.actor("provider_x"), hr)
    assert check(db, chain.actor("gemeinde_a1_member"), hr) and check(db, chain.actor(CERT), hr)
    assert not check(db, chain.actor("mirt_member"), hr)
    assert not check(db, chain.actor("gemeinde_b1_member"), hr)
    assert not check(db, chain.actor("kreis_b_admin"), hr)


def test_the_provider_gets_a_mail_with_its_on_call_number(chain: Chain, session_factory, cfg, plain_smtp) -> None:  # noqa: ANN001, F811
    hr = chain.to_assigned("provider_x")
    chain.p.db.commit()
    jobs_worker.run(session_factory, cfg, burst=True)
    messages = [email.message_from_bytes(e.original_content, policy=policy.default)
                for e in plain_smtp.inbox.envelopes]
    to_provider = [m for m in messages if m["To"] == chain.p.users["provider_x"].email
                   and "Einsatzauftrag" in m["Subject"]]
    assert len(to_provider) == 1  # (the incident mail says apart that it now takes part)
    message = to_provider[0]
    assert message["Subject"] == "Einsatzauftrag: Hilfe für Gemeinde A1"
    text = message.get_content()
    assert ON_CALL in text and f"https://kommcert.example/incidents/{hr.incident_id}#hilfe" in text
    assert "Kontingent" not in text and "Stunden" not in text  # no contingent numbers
    # The MIRT heard nothing of it.
    assert all(m["To"] != chain.p.users["mirt_member"].email for m in messages)
