"""The SQL policy equals the plain-Python reference, over random trees, users and objects.

Runs on a fresh SQLite database and on the suite's database (PostgreSQL in CI) in the same run.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kommcert import migrate
from kommcert.accounts.models import Role, User
from kommcert.advisories.models import Advisory
from kommcert.awareness.models import AwarenessEvent, AwarenessProfile, AwarenessSuggestion, PhishingCampaign
from kommcert.db import Base, make_engine, utcnow
from kommcert.incidents.models import Incident
from kommcert.indicators.models import Indicator, Sighting
from kommcert.inventory.models import Inventory
from kommcert.orgs.models import OrgAncestry, Organization, OrgKind
from kommcert.reports.models import Report
from kommcert.sharing import policy, reference
from kommcert.sharing.actor import ANONYMOUS, Actor
from kommcert.sharing.models import Shared, ShareTarget
from kommcert.sharing.tlp import TLP

KINDS = [OrgKind.kreis, OrgKind.verbandsgemeinde, OrgKind.ortsgemeinde, OrgKind.land_cert, OrgKind.kommunal_cert,
         OrgKind.dienstleister, OrgKind.peer]
# A peer's maximum TLP (federation): None stands for a peer without its row (CLEAR at most); the
# last two are above what a peer may ever get and count as AMBER.
PEER_MAXIMA = [None, *list(TLP)]


@dataclass
class World:
    parents: list[int | None]  # index of the parent org, None for a root
    kinds: list[OrgKind]
    peer_max: list[TLP | None]  # per organisation; used where its kind is ``peer``
    user_orgs: list[int]
    objects: list[dict]


@st.composite
def worlds(draw: st.DrawFn) -> World:
    n_orgs = draw(st.integers(1, 10))
    parents: list[int | None] = [None]
    for i in range(1, n_orgs):
        # Mostly one deep tree (like a Land), sometimes a second root.
        parents.append(draw(st.one_of(st.integers(max(0, i - 3), i - 1), st.integers(0, i - 1), st.none())))
    kinds = [draw(st.sampled_from(KINDS)) for _ in range(n_orgs)]
    peer_max = [draw(st.sampled_from(PEER_MAXIMA)) for _ in range(n_orgs)]
    user_orgs = draw(st.lists(st.integers(0, n_orgs - 1), min_size=1, max_size=6))
    n_users = len(user_orgs)
    objects = draw(st.lists(st.fixed_dictionaries({
        "owner": st.integers(0, n_orgs - 1),
        "creator": st.one_of(st.none(), st.integers(0, n_users - 1)),
        "tlp": st.sampled_from(list(TLP)),
        "upward": st.booleans(),
        "orgs": st.lists(st.tuples(st.integers(0, n_orgs - 1), st.booleans()), max_size=3,
                         unique_by=lambda t: t[0]),
        "users": st.lists(st.integers(0, n_users - 1), max_size=2, unique=True),
        "received": st.booleans(),  # a report that arrived from a peer (other models have no such flag)
    }), min_size=1, max_size=8))
    return World(parents, kinds, peer_max, user_orgs, objects)


def _report(db: Session, tag: str, n: int, received: bool = False, **shared: object) -> Report:
    return Report(title="r", summary="", received_from_peer=received, **shared)


def _incident(db: Session, tag: str, n: int, received: bool = False, **shared: object) -> Incident:
    return Incident(title="v", category="ransomware", severity="medium", reporter_name="r", **shared)


def _sighting(db: Session, tag: str, n: int, received: bool = False, **shared: object) -> Sighting:
    indicator = Indicator(type="domain", value=f"s{n}-{tag}.example")
    db.add(indicator)
    db.flush()
    return Sighting(indicator_id=indicator.id, first_seen=utcnow(), last_seen=utcnow(), idempotency_key=f"{tag}-{n}",
                    **shared)


def _advisory(db: Session, tag: str, n: int, received: bool = False, **shared: object) -> Advisory:
    return Advisory(publisher_namespace=f"https://{tag}.example", tracking_id=f"T-{n}", title="w", **shared)


def _inventory(db: Session, tag: str, n: int, received: bool = False, **shared: object) -> Inventory:
    return Inventory(**shared)


def _event(db: Session, tag: str, n: int, received: bool = False, **shared: object) -> AwarenessEvent:
    return AwarenessEvent(title="t", format="online", target_groups=["staff"], starts_at=utcnow(), ends_at=utcnow(),
                          capacity=10, **shared)


def _profile(db: Session, tag: str, n: int, received: bool = False, **shared: object) -> AwarenessProfile:
    return AwarenessProfile(**shared)


def _campaign(db: Session, tag: str, n: int, received: bool = False, **shared: object) -> PhishingCampaign:
    return PhishingCampaign(name=f"c{n}", source="csv", recipients=10, sent=10, opened=5, clicked=2, submitted=1,
                            reported=3, **shared)


def _suggestion(db: Session, tag: str, n: int, received: bool = False, **shared: object) -> AwarenessSuggestion:
    return AwarenessSuggestion(cause="phishing", **shared)


# One factory per shared model: the same worlds, the same policy, every kind of shared object.
FACTORIES = {Report: _report, Incident: _incident, Sighting: _sighting, Advisory: _advisory, Inventory: _inventory,
             AwarenessEvent: _event, AwarenessProfile: _profile, PhishingCampaign: _campaign,
             AwarenessSuggestion: _suggestion}
# An organisation has one inventory and one awareness profile: later objects of the same owner are left out.
ONE_PER_OWNER = {Inventory, AwarenessProfile}


def specs_of(world: World, model: type) -> list[dict]:
    if model not in ONE_PER_OWNER:
        return world.objects
    return list({spec["owner"]: spec for spec in reversed(world.objects)}.values())[::-1]


def test_every_shared_model_is_covered() -> None:
    shared = {m.class_ for m in Base.registry.mappers if issubclass(m.class_, Shared)}
    assert shared == set(FACTORIES)


@pytest.fixture(params=list(FACTORIES), ids=lambda m: m.__name__)
def model(request: pytest.FixtureRequest) -> type:
    return request.param


@pytest.fixture(scope="module")
def fresh_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp('prop') / 'policy.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["fresh-sqlite", "suite-database"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue("fresh_sqlite" if request.param == "fresh-sqlite" else "engine")


@contextmanager
def rolled_back(engine: Engine) -> Iterator[Session]:
    conn = engine.connect()
    trans = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        trans.rollback()
        conn.close()


def _build(db: Session, world: World, model: type = Report) -> tuple[list[Organization], list[User], list,
                                                                      dict[int, int | None]]:
    tag = uuid.uuid4().hex[:8]
    orgs = [Organization(key=f"p{tag}-{i}", kind=k, name=f"Org {i}") for i, k in enumerate(world.kinds)]
    db.add_all(orgs)
    db.flush()
    for org, parent in zip(orgs, world.parents, strict=True):
        org.parent_id = orgs[parent].id if parent is not None else None
    parents = {o.id: o.parent_id for o in orgs}
    db.add_all(OrgAncestry(org_id=o.id, ancestor_id=a, depth=d) for o in orgs
               for d, a in enumerate(reference.ancestors(parents, o.id)))
    users = [User(org_id=orgs[i].id, email=f"u{n}-{tag}@x.example", name="u", role=Role.member)
             for n, i in enumerate(world.user_orgs)]
    db.add_all(users)
    db.flush()
    reports = []
    share_type = model.__share_type__
    for n, spec in enumerate(specs_of(world, model)):
        report = FACTORIES[model](db, tag, n, received=spec["received"], tlp=spec["tlp"], upward=spec["upward"],
                                  owner_org_id=orgs[spec["owner"]].id,
                                  created_by_id=users[spec["creator"]].id if spec["creator"] is not None else None)
        db.add(report)
        db.flush()
        db.add_all(ShareTarget(object_type=share_type, object_id=report.id, org_id=orgs[o].id, include_subtree=sub)
                   for o, sub in spec["orgs"])
        db.add_all(ShareTarget(object_type=share_type, object_id=report.id, user_id=users[u].id)
                   for u in spec["users"])
        reports.append(report)
    db.flush()
    return orgs, users, reports, parents


def _ref_object(report: Shared, spec: dict, orgs: list[Organization], users: list[User]) -> reference.RefObject:
    targets = [reference.RefTarget(org_id=orgs[o].id, include_subtree=sub) for o, sub in spec["orgs"]]
    targets += [reference.RefTarget(user_id=users[u].id) for u in spec["users"]]
    return reference.RefObject(report.owner_org_id, report.created_by_id, TLP(report.tlp), report.upward,
                               tuple(targets), kind=type(report).__share_type__,
                               received_from_peer=bool(getattr(report, "received_from_peer", False)))


def _peer_max(world: World, orgs: list[Organization], org: Organization) -> TLP | None:
    return world.peer_max[orgs.index(org)] if OrgKind(org.kind).is_peer else None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_the_sql_filter_equals_the_reference(any_engine: Engine, model: type, world: World) -> None:
    with rolled_back(any_engine) as db:
        orgs, users, reports, parents = _build(db, world, model)
        ref_objects = [(r.id, _ref_object(r, spec, orgs, users)) for r, spec in zip(reports, specs_of(world, model),
                                                                                     strict=True)]
        actors: list[tuple[Actor, reference.RefActor]] = [(ANONYMOUS, reference.RefActor(None, None, False))]
        for user in users:
            org = next(o for o in orgs if o.id == user.org_id)
            actor = Actor(user_id=user.id, org_id=org.id, org_kind=OrgKind(org.kind), role=Role.member,
                          org_path=tuple(reference.ancestors(parents, org.id)),
                          peer_max_tlp=_peer_max(world, orgs, org))
            actors.append((actor, reference.RefActor(user.id, org.id, OrgKind(org.kind).is_cert,
                                                     is_peer=OrgKind(org.kind).is_peer,
                                                     peer_max=_peer_max(world, orgs, org))))
        for org in orgs:  # each organisation's service token (appliances)
            actor = Actor(user_id=None, org_id=org.id, org_kind=OrgKind(org.kind), role=Role.member,
                          org_path=tuple(reference.ancestors(parents, org.id)), service=True,
                          peer_max_tlp=_peer_max(world, orgs, org))
            actors.append((actor, reference.RefActor(None, org.id, OrgKind(org.kind).is_cert, service=True,
                                                     is_peer=OrgKind(org.kind).is_peer,
                                                     peer_max=_peer_max(world, orgs, org))))
        ids = [r.id for r in reports]
        for actor, ref_actor in actors:
            stmt = policy.visible(select(model.id).where(model.id.in_(ids)), model, actor)
            assert set(db.scalars(stmt)) == reference.visible_ids(parents, ref_actor, ref_objects)
            for report, (_, ref_obj) in zip(reports, ref_objects, strict=True):
                assert policy.can(db, actor, policy.VIEW, report) == reference.may_see(parents, ref_actor, ref_obj)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_actors_carry_the_ancestor_path_of_their_org(any_engine: Engine, world: World) -> None:
    from kommcert.accounts import service as accounts_service

    with rolled_back(any_engine) as db:
        orgs, users, _, parents = _build(db, world)
        for user in users:
            actor = accounts_service.actor_for(db, user)
            assert actor.org_path == tuple(reference.ancestors(parents, user.org_id))
