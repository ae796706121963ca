"""An IT service provider sees the sightings of the municipalities it serves only where they opted
in: the ``serves`` relation alone grants nothing. SQL policy against the reference, and personas."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import Role, User
from kommcert.db import utcnow
from kommcert.errors import PermissionDenied
from kommcert.home import access
from kommcert.home.models import ProviderAccess
from kommcert.indicators import sightings as sightings_service
from kommcert.indicators.models import Indicator, Sighting
from kommcert.indicators.sightings import SightingIn
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import OrgAncestry, Organization, OrgKind, org_serves
from kommcert.reports import service as reports_service
from kommcert.reports.models import Report
from kommcert.reports.schemas import ReportCreate
from kommcert.sharing import policy, reference
from kommcert.sharing.tlp import TLP
from tests.sharing.test_policy_properties import rolled_back

KINDS = [OrgKind.kreis, OrgKind.ortsgemeinde, OrgKind.it_dienstleister, OrgKind.land_cert, OrgKind.dienstleister]


@st.composite
def worlds(draw: st.DrawFn) -> dict:
    n = draw(st.integers(2, 8))
    parents = [None] + [draw(st.one_of(st.none(), st.integers(0, i - 1))) for i in range(1, n)]
    return {
        "parents": parents,
        "kinds": [draw(st.sampled_from(KINDS)) for _ in range(n)],
        "serves": draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=6,
                                unique=True)),
        "consent": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        "sightings": draw(st.lists(st.tuples(st.integers(0, n - 1), st.sampled_from(list(TLP)), st.booleans()),
                                   min_size=1, max_size=6)),
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_the_sql_filter_equals_the_reference_for_served_sightings(engine, world: dict) -> None:  # noqa: ANN001
    with rolled_back(engine) as db:
        tag = uuid.uuid4().hex[:8]
        orgs = [Organization(key=f"s{tag}-{i}", kind=k, name=f"Org {i}") for i, k in enumerate(world["kinds"])]
        db.add_all(orgs)
        db.flush()
        for org, parent in zip(orgs, world["parents"], strict=True):
            org.parent_id = orgs[parent].id if parent is not None else None
        parents = {o.id: o.parent_id for o in orgs}
        db.add_all(OrgAncestry(org_id=o.id, ancestor_id=a, depth=d) for o in orgs
                   for d, a in enumerate(reference.ancestors(parents, o.id)))
        for provider, client in world["serves"]:
            db.execute(insert(org_serves).values(provider_id=orgs[provider].id, client_id=orgs[client].id))
        db.add_all(ProviderAccess(org_id=o.id) for o, yes in zip(orgs, world["consent"], strict=True) if yes)
        users = [User(org_id=o.id, email=f"u{i}-{tag}@x.example", name="u", role=Role.member)
                 for i, o in enumerate(orgs)]
        indicator = Indicator(type="domain", value=f"{tag}.example")
        db.add_all([*users, indicator])
        db.flush()
        now = utcnow()
        rows = []
        for n, (owner, tlp, upward) in enumerate(world["sightings"]):
            s = Sighting(indicator_id=indicator.id, first_seen=now, last_seen=now, idempotency_key=f"k{n}",
                         owner_org_id=orgs[owner].id, tlp=tlp, upward=upward)
            db.add(s)
            rows.append(s)
        db.flush()
        ref_objects = [(s.id, reference.RefObject(s.owner_org_id, None, TLP(s.tlp), s.upward, kind="sighting"))
                       for s in rows]
        for user, org in zip(users, orgs, strict=True):
            actor = accounts_service.actor_for(db, user)
            served = frozenset(orgs[c].id for p, c in world["serves"]
                               if orgs[p] is org and org.kind == OrgKind.it_dienstleister and world["consent"][c])
            assert set(actor.served_org_ids) == served
            ref_actor = reference.RefActor(user.id, org.id, OrgKind(org.kind).is_cert, served=served)
            stmt = policy.visible(select(Sighting.id).where(Sighting.id.in_([s.id for s in rows])), Sighting, actor)
            assert set(db.scalars(stmt)) == reference.visible_ids(parents, ref_actor, ref_objects)


@pytest.fixture
def sighted(db, personas, import_stix):  # noqa: ANN001, ANN201
    import_stix("land_cert_analyst", ["[domain-name:value = 'kitm.example']"], tlp=TLP.green)
    indicator = db.scalar(select(Indicator).where(Indicator.value == "kitm.example"))
    for who in ("gemeinde_a1_member", "gemeinde_b1_member"):
        sightings_service.record_sightings(db, actor=personas.actor(who), items=[
            SightingIn(key=who, indicator_id=indicator.id, log_source=f"log-{who}")])
    return indicator


def _owners(db, personas, name: str) -> set[str]:  # noqa: ANN001
    seen = sightings_service.visible_sightings(db, actor=personas.actor(name))
    return {org.name for _, org in seen}


def test_serving_alone_shows_the_provider_nothing(db, personas, kitm, sighted) -> None:  # noqa: ANN001
    assert personas.actor("kitm_member").served_org_ids == ()
    assert _owners(db, personas, "kitm_member") == set()


def test_it_shows_the_provider_the_sightings_of_clients_that_opted_in(db, personas, kitm, sighted) -> None:  # noqa: ANN001
    access.set_access(db, actor=personas.actor("gemeinde_a1_admin"), org_id=personas.orgs["gemeinde_a1"].id,
                      granted=True)
    assert _owners(db, personas, "kitm_member") == {"Gemeinde A1"}  # not B1, which did not opt in
    # Nothing else travels: Gemeinde A1's upward report stays with its ancestors and the CERTs.
    report = reports_service.create_report(db, actor=personas.actor("gemeinde_a1_admin"), report_in=ReportCreate(
        title="Vorfall", tlp="amber", upward=True))
    assert not policy.can(db, personas.actor("kitm_member"), policy.VIEW, report)
    assert report.id not in db.scalars(policy.visible(select(Report.id), Report, personas.actor("kitm_member"))).all()
    access.set_access(db, actor=personas.actor("gemeinde_a1_admin"), org_id=personas.orgs["gemeinde_a1"].id,
                      granted=False)
    assert _owners(db, personas, "kitm_member") == set()


def test_it_grants_nothing_to_a_provider_that_does_not_serve_the_client(db, personas, kitm, sighted) -> None:  # noqa: ANN001
    other = orgs_service.create_org(db, key="kitm2", kind=OrgKind.it_dienstleister, name="Anderer IT-Dienst",
                                    parent=personas.orgs["land"])
    user = User(org=other, email="kitm2@example.test", name="Andere", role=Role.member)
    db.add(user)
    access.set_access(db, actor=personas.actor("gemeinde_a1_admin"), org_id=personas.orgs["gemeinde_a1"].id,
                      granted=True)
    db.flush()
    actor = accounts_service.actor_for(db, user)
    assert actor.served_org_ids == () and not sightings_service.visible_sightings(db, actor=actor)


@pytest.mark.parametrize("who", ["gemeinde_a1_member", "kreis_a_admin", "land_cert_admin", "gemeinde_b1_member"])
def test_only_the_municipalitys_own_admins_opt_in(db, personas, kitm, who) -> None:  # noqa: ANN001
    with pytest.raises(PermissionDenied):
        access.set_access(db, actor=personas.actor(who), org_id=personas.orgs["gemeinde_a1"].id, granted=True)
    assert not access.is_granted(db, personas.orgs["gemeinde_a1"].id)
