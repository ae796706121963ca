"""Who hears about a deployment, once; the mail is only for those who may see the deployment."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from kommcert.db import utcnow
from kommcert.deployments import notifications, service
from kommcert.deployments.schemas import MemberTimes, TimeEntryIn
from kommcert.notifications import registry
from kommcert.notifications.models import Notification
from tests.deployments.conftest import LEAD, World


def _rows(world: World, event: str) -> list[Notification]:
    return list(world.db.scalars(select(Notification).where(Notification.subject_type == "deployment",
                                                            Notification.event == event)))


def test_waiting_hours_are_told_once_a_day_and_arrival_to_the_municipality(staffed: World) -> None:
    db, d, p = staffed.db, staffed.deployment, staffed.personas
    provider = staffed.actor("provider_x")
    for days_ago in (1, 2):
        service.record_time(db, actor=provider, deployment_id=d.id, entry_in=TimeEntryIn(
            member_id=d.members[0].id, day=service.today() - timedelta(days=days_ago), role=LEAD,
            hours=Decimal("8")))
    waiting = _rows(staffed, notifications.ENTRIES_WAITING)
    assert sorted(n.user_id for n in waiting) == sorted([p.users["gemeinde_a1_member"].id,
                                                          p.users["gemeinde_a1_admin"].id])
    service.set_member_times(db, actor=provider, deployment_id=d.id, member_id=d.members[0].id,
                             times=MemberTimes(arrived_at=utcnow() - timedelta(days=1)))
    assert {n.user_id for n in _rows(staffed, notifications.ARRIVED)} == {p.users["gemeinde_a1_member"].id,
                                                                          p.users["gemeinde_a1_admin"].id}


def test_the_mail_names_the_deployment_and_only_the_parties_may_read_it(staffed: World) -> None:
    db, d, p = staffed.db, staffed.deployment, staffed.personas
    subject = registry.get(notifications.SUBJECT_TYPE)
    for lang, start in (("de", "Stunden warten auf Ihre Bestätigung"), ("en", "Hours wait for your confirmation")):
        ctx = registry.RenderContext(db=db, user=p.users["gemeinde_a1_member"], lang=lang,
                                     event=notifications.ENTRIES_WAITING, data={}, base_url="https://k.example")
        rendered = subject.renderer(d, ctx)
        assert rendered.subject.startswith(start) and "Gemeinde A1" in rendered.subject
        assert rendered.link == f"https://k.example/deployments/{d.id}"
    assert subject.check(db, staffed.actor("gemeinde_a1_member"), d) is True
    assert subject.check(db, staffed.actor("provider_x"), d) is True
    for outsider in ("provider_y_member", "mirt_member", "gemeinde_b1_member", "kreis_b_admin"):
        assert subject.check(db, staffed.actor(outsider), d) is False, outsider
