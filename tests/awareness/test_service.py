"""Awareness use cases: plan, register, attend, coverage per organisation / Kreis / Land, readiness, and bad
input as one German message with nothing written. Visibility: Kreis B never sees Kreis A's facts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kommcert.awareness import attendance, catalogue, coverage, profiles, readiness
from kommcert.awareness.catalogue import EventIn
from kommcert.awareness.models import AwarenessAttendance, AwarenessHeadcount, AwarenessRegistration
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from tests.awareness.conftest import begun, plan
from tests.personas import Personas


def _heads(p: Personas, who: str, org: str, **counts: int) -> None:
    profiles.set_headcount(p.db, actor=p.actor(who), org_id=p.orgs[org].id, counts=counts)


def test_plan_register_attend_and_coverage_rolls_up(personas: Personas) -> None:
    p = personas
    a1 = p.orgs["gemeinde_a1"].id
    _heads(p, "gemeinde_a1_member", "gemeinde_a1", beschaeftigte=10, fuehrung=2)
    event = plan(p)
    assert attendance.register(p.db, actor=p.actor("gemeinde_a1_member"), event_id=event.id, org_id=a1,
                               counts={"beschaeftigte": 6, "fuehrung": 0}) == {"beschaeftigte": 6}
    assert catalogue.list_events(p.db, p.actor("gemeinde_b1_member"))[0].registered == 6  # GREEN calendar
    before = coverage.org_coverage(p.db, p.actor("kreis_a_admin"), a1)
    assert (before.share, before.status) == (0, coverage.OVERDUE)
    begun(p, event)
    attendance.record_attendance(p.db, actor=p.actor("kreis_a_admin"), event_id=event.id, org_id=a1,
                                 counts={"beschaeftigte": 6, "fuehrung": 1})
    after = coverage.org_coverage(p.db, p.actor("kreis_a_admin"), a1)
    assert (after.total_trained, after.total_headcount, after.share, after.status) == (7, 12, 58, coverage.OK)
    view = coverage.coverage(p.db, p.actor("land_cert_analyst"))
    kreis_a = next(k for k in view.kreise if k.name == "Kreis A")
    assert (kreis_a.trained, kreis_a.headcount, kreis_a.share) == (7, 12, 58)
    assert view.land is not None and view.land.share == 58
    # Kreis B sees neither Gemeinde A1 nor Kreis A's roll-up, and no Land.
    b_view = coverage.coverage(p.db, p.actor("kreis_b_admin"))
    assert a1 not in {o.org_id for o in b_view.orgs}
    assert [k.name for k in b_view.kreise] == ["Kreis B"] and b_view.land is None
    with pytest.raises(NotFound):
        coverage.org_coverage(p.db, p.actor("gemeinde_b1_member"), a1)
    # Attendance outside the 12 months no longer counts.
    begun(p, event, days_ago=400)
    assert coverage.org_coverage(p.db, p.actor("kreis_a_admin"), a1).share == 0


def test_event_view_shows_registrations_only_to_who_may_see_them(personas: Personas) -> None:
    p = personas
    event = plan(p)
    attendance.register(p.db, actor=p.actor("gemeinde_a1_member"), event_id=event.id, org_id=p.orgs["gemeinde_a1"].id,
                        counts={"beschaeftigte": 3})
    attendance.register(p.db, actor=p.actor("gemeinde_b1_member"), event_id=event.id, org_id=p.orgs["gemeinde_b1"].id,
                        counts={"rat": 2})
    seen = {who: [line.org_name for line in attendance.event_view(p.db, p.actor(who), event.id).lines]
            for who in ("kreis_a_admin", "gemeinde_b1_member", "kreis_b_admin", "land_cert_analyst")}
    assert seen == {"kreis_a_admin": ["Gemeinde A1", "Gemeinde B1"],  # the organiser
                    "gemeinde_b1_member": ["Gemeinde B1"], "kreis_b_admin": ["Gemeinde B1"],
                    "land_cert_analyst": ["Gemeinde A1", "Gemeinde B1"]}
    assert attendance.event_view(p.db, p.actor("gemeinde_b1_member"), event.id).registered == 5


@pytest.mark.parametrize(("change", "de"), [
    ({"starts_at": -timedelta(days=1)}, "Vergangenheit"),
    ({"capacity": 0}, "Plätze"),
    ({"target_groups": []}, "Zielgruppe"),
    ({"format": "webinar"}, "Format"),
    ({"place": "", "format": "praesenz"}, "Ort"),
    ({"link": "javascript:alert(1)", "format": "online"}, "https://"),
])
def test_bad_events_are_refused(personas: Personas, change: dict, de: str) -> None:  # noqa: ANN001
    p = personas
    values = dict(title="Kurs", format="praesenz", target_groups=["beschaeftigte"],
                  starts_at=utcnow() + timedelta(days=3), capacity=10, place="Rathaus", link="")
    for key, value in change.items():
        values[key] = utcnow() + value if key == "starts_at" else value
    with pytest.raises(InvalidInput) as exc:
        catalogue.create_event(p.db, actor=p.actor("kreis_a_admin"), event_in=EventIn(**values))
    assert de in exc.value.de
    assert catalogue.list_events(p.db, p.actor("kreis_a_admin")) == []


def test_only_organisers_plan_and_record(personas: Personas) -> None:
    p = personas
    with pytest.raises(PermissionDenied):
        plan(p, "gemeinde_a1_member")
    event = begun(p, plan(p))
    with pytest.raises(PermissionDenied):
        attendance.record_attendance(p.db, actor=p.actor("kreis_b_admin"), event_id=event.id,
                                     org_id=p.orgs["gemeinde_b1"].id, counts={"rat": 1})
    with pytest.raises(PermissionDenied):  # registering is the organisation's own
        attendance.register(p.db, actor=p.actor("kreis_a_admin"), event_id=plan(p).id,
                            org_id=p.orgs["gemeinde_a1"].id, counts={"rat": 1})


def test_capacity_headcount_and_names_are_checked_whole(personas: Personas) -> None:
    p = personas
    a1, b1 = p.orgs["gemeinde_a1"].id, p.orgs["gemeinde_b1"].id
    _heads(p, "gemeinde_a1_member", "gemeinde_a1", beschaeftigte=4)
    event = plan(p, capacity=5)
    attendance.register(p.db, actor=p.actor("gemeinde_b1_member"), event_id=event.id, org_id=b1, counts={"rat": 3})
    with pytest.raises(InvalidInput, match="freie Plätze|free places") as exc:
        attendance.register(p.db, actor=p.actor("gemeinde_a1_member"), event_id=event.id, org_id=a1,
                            counts={"beschaeftigte": 3})
    assert "noch 2 von 5 frei" in exc.value.de
    with pytest.raises(InvalidInput) as exc:
        _heads(p, "gemeinde_a1_member", "gemeinde_a1", beschaeftigte=-1)
    assert "negativ" in exc.value.de
    begun(p, event)
    with pytest.raises(InvalidInput) as exc:
        attendance.record_attendance(p.db, actor=p.actor("kreis_a_admin"), event_id=event.id, org_id=a1,
                                     counts={"beschaeftigte": 5, "rat": 0})
    assert "Personalzahl" in exc.value.de or "Plätze" in exc.value.de
    with pytest.raises(InvalidInput) as exc:
        attendance.record_attendance(p.db, actor=p.actor("kreis_a_admin"), event_id=event.id, org_id=b1,
                                     counts={"rat": 6})
    assert "Plätzen" in exc.value.de
    with pytest.raises(InvalidInput) as exc:
        attendance.record_attendance(p.db, actor=p.actor("kreis_a_admin"), event_id=event.id, org_id=b1,
                                     counts={"rat": 2}, names={"rat": "Erika Muster"})
    assert "Namen" in exc.value.de
    assert p.db.scalar(select(func.count()).select_from(AwarenessAttendance)) == 0
    assert p.db.scalar(select(func.count()).select_from(AwarenessRegistration)) == 1
    assert p.db.scalar(select(func.count()).select_from(AwarenessHeadcount)) == 1


def test_readiness_rolls_up_and_stays_in_the_kreis(personas: Personas) -> None:
    p = personas
    today = utcnow().date()
    state = readiness.set_readiness(p.db, actor=p.actor("gemeinde_a1_member"), org_id=p.orgs["gemeinde_a1"].id,
                                    readiness_in=readiness.ReadinessIn(card_posted_on=today, wiba_done=19,
                                                                       restore_test_on=today - timedelta(days=400)))
    assert state.checks == {"card": True, "contacts": False, "wiba": True, "restore": False, "exercise": False}
    rows, areas = readiness.overview(p.db, p.actor("land_cert_admin"))
    kreis_a = next(a for a in areas if a.name == "Kreis A")
    assert kreis_a.met["card"] == 1 and kreis_a.met["restore"] == 0 and areas[-1].name == "Land"
    _, b_areas = readiness.overview(p.db, p.actor("kreis_b_admin"))
    assert [a.name for a in b_areas] == ["Kreis B"] and all(a.met["card"] == 0 for a in b_areas)
    with pytest.raises(NotFound):
        readiness.get_readiness(p.db, p.actor("gemeinde_b1_member"), p.orgs["gemeinde_a1"].id)
    with pytest.raises(InvalidInput):
        readiness.set_readiness(p.db, actor=p.actor("gemeinde_a1_member"), org_id=p.orgs["gemeinde_a1"].id,
                                readiness_in=readiness.ReadinessIn(wiba_done=20))
    with pytest.raises(PermissionDenied):
        readiness.set_readiness(p.db, actor=p.actor("kreis_a_admin"), org_id=p.orgs["gemeinde_a1"].id,
                                readiness_in=readiness.ReadinessIn())
