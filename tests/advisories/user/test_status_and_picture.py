"""Status per organisation (own writers only, audited, travels upward) and the Land's/Kreis's picture."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kommcert.accounts.models import Role, User
from kommcert.advisories import picture, status
from kommcert.advisories.models import AdvisoryStatus, MatchResult, OrgStatus
from kommcert.audit.models import AuditEntry
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from tests.advisories.user.conftest import World
from tests.personas import password_hash


def test_a_member_sets_the_own_status_and_the_change_is_audited(world: World) -> None:
    a = world.advisory()
    world.match(a, "gemeinde_a1")
    actor = world.actor("gemeinde_a1_member")
    status.set_status(world.db, actor=actor, advisory_id=a.id, status="in_progress", comment="Update geplant")
    row = status.set_status(world.db, actor=actor, advisory_id=a.id, status="done", comment="CU14 eingespielt")
    assert (row.status, row.comment, row.org_id) == ("done", "CU14 eingespielt", world.p.orgs["gemeinde_a1"].id)
    entries = world.db.scalars(select(AuditEntry).where(AuditEntry.action == "advisory_status_set")
                               .order_by(AuditEntry.id)).all()
    assert [(e.detail["from"], e.detail["to"]) for e in entries] == [(None, "in_progress"), ("in_progress", "done")]
    assert all("CU14" not in str(e.detail) for e in entries)  # the comment stays out of the log
    # The same again changes nothing and writes nothing.
    status.set_status(world.db, actor=actor, advisory_id=a.id, status="done", comment="CU14 eingespielt")
    assert world.db.scalar(select(AuditEntry.id).where(AuditEntry.action == "advisory_status_set")
                           .order_by(AuditEntry.id.desc())) == entries[-1].id


def test_status_refusals(world: World) -> None:
    a = world.advisory()
    hidden = world.advisory("nur Kreis A", tlp=TLP.amber, audience=Audience(orgs=(world.p.orgs["kreis_a"].id,)))
    withdrawn = world.advisory("weg", withdrawn_at=utcnow())
    reader = User(org=world.p.orgs["gemeinde_a1"], email="leser@example.test", name="leser", role=Role.reader,
                  password_hash=password_hash())
    world.db.add(reader)
    world.db.flush()
    with pytest.raises(NotFound):
        status.set_status(world.db, actor=world.actor("gemeinde_b1_member"), advisory_id=hidden.id, status="done")
    with pytest.raises(PermissionDenied):  # a read-only person of the organisation
        status.set_status(world.db, actor=_actor_of(world, reader), advisory_id=a.id, status="done")
    with pytest.raises(InvalidInput):
        status.set_status(world.db, actor=world.actor("gemeinde_a1_member"), advisory_id=a.id, status="egal")
    with pytest.raises(InvalidInput):
        status.set_status(world.db, actor=world.actor("gemeinde_a1_member"), advisory_id=withdrawn.id, status="done")
    with pytest.raises(InvalidInput):
        status.set_status(world.db, actor=world.actor("gemeinde_a1_member"), advisory_id=a.id, status="done",
                          comment="x" * 2001)
    assert world.db.scalars(select(AdvisoryStatus)).all() == []


def _actor_of(world: World, user: User):  # noqa: ANN202
    from kommcert.accounts import service as accounts_service

    return accounts_service.actor_for(world.db, user)


def test_the_open_count_drops_when_the_gemeinde_marks_it_done(world: World) -> None:
    a = world.advisory()
    world.match(a, "gemeinde_a1")
    world.match(a, "gemeinde_b1", MatchResult.possibly, item="nginx_b1")
    land = world.actor("land_cert_analyst")
    [count] = picture.overview(world.db, land)
    assert (count.affected, count.open) == (2, 2)
    assert [(k.name, k.affected, k.open) for k in count.by_kreis] == [("Kreis A", 1, 1), ("Kreis B", 1, 1)]
    status.set_status(world.db, actor=world.actor("gemeinde_a1_admin"), advisory_id=a.id, status=OrgStatus.done)
    [count] = picture.overview(world.db, land)
    assert (count.affected, count.open) == (2, 1)
    assert [(k.name, k.open) for k in picture.open_by_kreis(world.db, land)] == [("Kreis B", 1), ("Kreis A", 0)]
    assert [(o.name, o.open) for o in picture.open_by_org(world.db, land)] == [("Gemeinde B1", 1), ("Gemeinde A1", 0)]
    # "in Bearbeitung" is still open.
    status.set_status(world.db, actor=world.actor("gemeinde_a1_admin"), advisory_id=a.id,
                      status=OrgStatus.in_progress)
    assert picture.overview(world.db, land)[0].open == 2


def test_a_kreis_sees_only_its_own_organisations_numbers(world: World) -> None:
    a = world.advisory()
    world.match(a, "gemeinde_a1")
    world.match(a, "gemeinde_b1", MatchResult.affected, item="nginx_b1")
    status.set_status(world.db, actor=world.actor("gemeinde_b1_member"), advisory_id=a.id, status="done",
                      comment="geheim in B")
    kreis_a = world.actor("kreis_a_admin")
    [count] = picture.overview(world.db, kreis_a)
    assert (count.affected, count.open, [k.name for k in count.by_kreis]) == (1, 1, ["Kreis A"])
    assert [r.name for r in picture.organisations(world.db, kreis_a, a.id)] == ["Gemeinde A1"]
    assert [o.name for o in picture.open_by_org(world.db, kreis_a)] == ["Gemeinde A1"]
    rows_b = picture.organisations(world.db, world.actor("kreis_b_admin"), a.id)
    assert [(r.name, r.status, r.comment) for r in rows_b] == [("Gemeinde B1", "done", "geheim in B")]
    # Sideways: a Gemeinde sees only itself; the Land all.
    assert [r.name for r in picture.organisations(world.db, world.actor("gemeinde_a1_member"), a.id)] == [
        "Gemeinde A1"]
    assert [r.name for r in picture.organisations(world.db, world.actor("land_cert_admin"), a.id)] == [
        "Gemeinde A1", "Gemeinde B1"]
    assert picture.overview(world.db, world.actor("provider_x")) == []


def test_counts_leave_out_warnings_the_reader_may_not_see(world: World) -> None:
    hidden = world.advisory("nur Kreis B", tlp=TLP.amber, audience=Audience(orgs=(world.p.orgs["kreis_b"].id,)))
    world.match(hidden, "gemeinde_b1", item="nginx_b1")
    assert picture.overview(world.db, world.actor("kreis_a_admin")) == []
    assert picture.open_by_kreis(world.db, world.actor("kreis_a_admin")) == []
    assert [c.open for c in picture.overview(world.db, world.actor("kreis_b_admin"))] == [1]
    with pytest.raises(NotFound):
        picture.organisations(world.db, world.actor("kreis_a_admin"), hidden.id)
