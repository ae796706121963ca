"""The demo Land's ransomware incident in Beispielkreis: a realistic state, dates relative to load time,
seen by its Kreis but not by Kleinmusterdorf next door, and loading it mails nobody."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from kommcert import demo
from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import User
from kommcert.db import utcnow
from kommcert.incidents import deadline_service, service
from kommcert.incidents.models import Incident, IncidentEvent, Phase
from kommcert.jobs.models import Job
from kommcert.notifications.models import Notification
from kommcert.orgs.models import OrgAncestry, Organization


def _actor(db, email: str):  # noqa: ANN001, ANN202
    return accounts_service.actor_for(db, db.scalar(select(User).where(User.email == email)))


def test_the_demo_has_a_ransomware_incident_in_beispielkreis_in_containment(db) -> None:  # noqa: ANN001
    before = utcnow()
    demo.load(db)
    incident = db.scalars(select(Incident)).one()
    owner = db.get(Organization, incident.owner_org_id)
    kreis = db.scalar(select(Organization).where(Organization.key == "99101"))
    assert owner is not None and owner.name == "Oberbeispiel" and kreis is not None
    assert db.scalar(select(OrgAncestry).where(OrgAncestry.ancestor_id == kreis.id,
                                               OrgAncestry.org_id == owner.id)) is not None
    assert incident.category == "ransomware" and incident.phase == Phase.containment and incident.on_behalf
    assert incident.assignee_id is not None and incident.severity == "critical"
    case = service.case(db, actor=_actor(db, "it@beispielkreis.example"), incident_id=incident.id)
    assert sum(o.share for o in case.observables) == 2 and case.evidence and case.tasks and case.participants
    # Dates relative to load time: known two days ago, every entry in the past, in order.
    known = incident.first_known_at.replace(tzinfo=before.tzinfo)
    assert timedelta(days=2) < before - known < timedelta(days=3)
    times = [e.created_at for e in db.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id)
                                              .order_by(IncidentEvent.id))]
    assert times == sorted(times) and times[-1].replace(tzinfo=before.tzinfo) <= before
    # Personal data affected: the GDPR deadline is there.
    listed = deadline_service.list_deadlines(db, actor=_actor(db, "it@beispielkreis.example"),
                                             incident_id=incident.id)
    states = {d.rule_key: d.state_at(listed.now) for d in listed.deadlines}
    assert states.get("gdpr_art33") == "open"  # 72 h after knowledge, two days and five hours in


def test_kleinmusterdorf_does_not_see_the_demo_incident(db) -> None:  # noqa: ANN001
    demo.load(db)
    assert service.list_incidents(db, actor=_actor(db, "buero@kleinmusterdorf.example")) == []
    assert len(service.list_incidents(db, actor=_actor(db, "it@beispielkreis.example"))) == 1


def test_loading_the_demo_mails_nobody(db) -> None:  # noqa: ANN001
    demo.load(db)
    assert db.scalar(select(func.count()).select_from(Notification)) == 0
    assert db.scalar(select(func.count()).select_from(Job).where(Job.kind.like("notifications.%"))) == 0
