"""Warnings by mail: an affected Gemeinde gets exactly one German mail (text and HTML) naming its
inventory line, an unaffected one none, a repeated announce none; AMBER only to those who see it;
the person's threshold, delivery and scope are respected. Real SMTP on loopback."""

from __future__ import annotations

import email
from email import policy as email_policy

import pytest
from sqlalchemy import select

from kommcert.advisories import events, notifications, preferences
from kommcert.advisories.models import AdvisoryMatch, MatchResult, Risk
from kommcert.jobs import worker as jobs_worker
from kommcert.notifications.models import Notification, NotificationState
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from tests.advisories.user.conftest import World
from tests.mail.conftest import ca, plain_smtp, read_settings  # noqa: F401 - fixtures


@pytest.fixture
def cfg(settings, plain_smtp):  # noqa: ANN001, ANN201, F811
    return read_settings(settings, plain_smtp, smtp_security="none", base_url="https://kommcert.example")


def _messages(server) -> list[email.message.EmailMessage]:  # noqa: ANN001
    return [email.message_from_bytes(e.original_content, policy=email_policy.default) for e in server.inbox.envelopes]


def _told(world: World) -> list[str]:
    names = {u.id: n for n, u in world.p.users.items()}
    rows = world.db.scalars(select(Notification).where(Notification.subject_type == "advisory"))
    return sorted(names[r.user_id] for r in rows)


def test_the_affected_gemeinde_gets_one_german_mail_naming_its_line(world: World, session_factory, cfg,  # noqa: ANN001
                                                                     plain_smtp) -> None:  # noqa: F811
    a = world.advisory("Kritische Lücke in Exchange")
    world.match(a, "gemeinde_a1")
    world.match(a, "gemeinde_b1", MatchResult.not_affected, item=None)
    changes = [world.change(a, "gemeinde_a1", MatchResult.affected),
               world.change(a, "gemeinde_b1", MatchResult.not_affected)]
    notifications.announce(world.db, changes)
    notifications.announce(world.db, changes)  # a repeated call tells nobody twice
    world.db.commit()
    jobs_worker.run(session_factory, cfg, burst=True)
    messages = _messages(plain_smtp)
    assert sorted(m["To"] for m in messages) == ["gemeinde_a1_admin@example.test", "gemeinde_a1_member@example.test"]
    message = messages[0]
    assert message["Subject"] == "Warnung (hoch): Kritische Lücke in Exchange – Gemeinde A1 betroffen"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Exchange Server 2019 CU12 (Rathaus, Mailserver)" in text and "Update CU14 einspielen." in text
    assert f"https://kommcert.example/advisories/{a.id}" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<h2>Ihr Inventar</h2>" in html and "Rathaus, Mailserver" in html
    # Every change is noted on the match row, also the one that told nobody.
    notified = dict(world.db.execute(select(AdvisoryMatch.org_id, AdvisoryMatch.notified_result)).all())
    assert notified == {world.p.orgs["gemeinde_a1"].id: "affected", world.p.orgs["gemeinde_b1"].id: "not_affected"}
    # A new revision with the same result: the matcher reports old == new; nothing more is sent.
    notifications.announce(world.db, [world.change(a, "gemeinde_a1", MatchResult.affected, old="affected")])
    world.db.commit()
    jobs_worker.run(session_factory, cfg, burst=True)
    assert len(_messages(plain_smtp)) == 2


def test_html_escapes_the_advisory_text(world: World) -> None:
    a = world.advisory("<script>alert(1)</script>")
    world.match(a, "gemeinde_a1")
    notifications.announce(world.db, [world.change(a, "gemeinde_a1", MatchResult.affected)])
    from kommcert.notifications import registry
    from kommcert.notifications.registry import RenderContext

    n = world.db.scalars(select(Notification)).first()
    rendered = registry.get("advisory").renderer(a, RenderContext(
        db=world.db, user=world.p.users["gemeinde_a1_member"], lang="en", event=n.event, data=n.data,
        base_url="https://k.example"))
    assert "<script>" not in (rendered.html or "") and "&lt;script&gt;" in (rendered.html or "")
    assert rendered.subject == "Warning (high): <script>alert(1)</script> – Gemeinde A1 affected"


def test_amber_goes_only_to_those_who_may_see_it(world: World) -> None:
    a = world.advisory("nur Kreis B", tlp=TLP.amber, audience=Audience(orgs=(world.p.orgs["kreis_b"].id,)))
    world.match(a, "gemeinde_a1")  # the matcher does not know who may read the warning
    world.match(a, "gemeinde_b1", item="nginx_b1")
    notifications.announce(world.db, [world.change(a, "gemeinde_a1", MatchResult.affected),
                                      world.change(a, "gemeinde_b1", MatchResult.affected)])
    assert _told(world) == ["gemeinde_b1_member"]
    # And the sending job checks again: the check refuses A1's people.
    from kommcert.notifications import registry

    check = registry.get("advisory").check
    assert not check(world.db, world.actor("gemeinde_a1_member"), a)
    assert check(world.db, world.actor("gemeinde_b1_member"), a)


def test_preferences_threshold_none_and_digest(world: World) -> None:
    db = world.db
    preferences.set_preference(db, actor=world.actor("gemeinde_a1_admin"), min_risk="kritisch", delivery="immediate",
                               scope="affected")
    low = world.advisory("mittel", risk=Risk.mittel)
    world.match(low, "gemeinde_a1")
    notifications.announce(db, [world.change(low, "gemeinde_a1", MatchResult.possibly)])
    assert _told(world) == ["gemeinde_a1_member"]  # the admin wants only kritisch
    preferences.set_preference(db, actor=world.actor("gemeinde_a1_member"), min_risk="niedrig", delivery="digest",
                               scope="affected")
    preferences.set_preference(db, actor=world.actor("gemeinde_a1_admin"), min_risk="niedrig", delivery="none",
                               scope="affected")
    crit = world.advisory("kritisch", risk=Risk.kritisch)
    world.match(crit, "gemeinde_a1")
    notifications.announce(db, [world.change(crit, "gemeinde_a1", MatchResult.affected)])
    rows = db.scalars(select(Notification).where(Notification.subject_id == crit.id)).all()
    assert [(r.user_id, r.state) for r in rows] == [(world.p.users["gemeinde_a1_member"].id, NotificationState.digest)]
    # A user without a row gets the defaults: mittel, at once, affected only.
    assert preferences.get(db, user_id=world.p.users["gemeinde_b1_member"].id) == preferences.DEFAULT
    low_b = world.advisory("niedrig", risk=Risk.niedrig)
    world.match(low_b, "gemeinde_b1", item="nginx_b1")
    notifications.announce(db, [world.change(low_b, "gemeinde_b1", MatchResult.affected)])
    assert db.scalars(select(Notification).where(Notification.subject_id == low_b.id)).all() == []


def test_scope_all_is_told_once_per_new_warning_it_may_see(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from kommcert.advisories.matching import service as matching

    monkeypatch.setattr(matching, "match_advisory", lambda db, advisory: [])  # the matcher is tested elsewhere
    db = world.db
    preferences.set_preference(db, actor=world.actor("kreis_a_admin"), min_risk="hoch", delivery="immediate",
                               scope="all")
    preferences.set_preference(db, actor=world.actor("gemeinde_a1_member"), min_risk="mittel", delivery="immediate",
                               scope="all")
    preferences.set_preference(db, actor=world.actor("gemeinde_b1_member"), min_risk="mittel", delivery="immediate",
                               scope="all")
    a = world.advisory("grün, hoch", risk=Risk.hoch)
    world.match(a, "gemeinde_a1")
    # The wiring: the matcher's changes are announced, then the new warning to those who want all.
    notifications.announce(db, [world.change(a, "gemeinde_a1", MatchResult.affected)])
    events.advisory_changed(db, a)
    events.advisory_changed(db, a)  # a second revision tells nobody again
    rows = db.scalars(select(Notification).where(Notification.subject_id == a.id)).all()
    names = {u.id: n for n, u in world.p.users.items()}
    assert sorted((names[r.user_id], r.event) for r in rows) == [
        ("gemeinde_a1_admin", "advisory_relevant"), ("gemeinde_a1_member", "advisory_relevant"),
        ("gemeinde_b1_member", "advisory_new"), ("kreis_a_admin", "advisory_new")]
    hidden = world.advisory("nur Kreis B", risk=Risk.kritisch, tlp=TLP.amber,
                            audience=Audience(orgs=(world.p.orgs["kreis_b"].id,)))
    notifications.announce_new(db, hidden)
    told = {names[r.user_id] for r in db.scalars(select(Notification).where(Notification.subject_id == hidden.id))}
    assert told == {"gemeinde_b1_member"}
