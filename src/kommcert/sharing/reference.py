"""Plain-Python restatement of DESIGN.md's sharing table, the oracle for the SQL policy.

Deliberately written from the table, not from ``policy.py``: property tests compare the two
over random trees, users and objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kommcert.sharing.tlp import TLP


@dataclass(frozen=True)
class RefTarget:
    org_id: int | None = None
    user_id: int | None = None
    include_subtree: bool = True


@dataclass(frozen=True)
class RefObject:
    owner_org_id: int
    created_by_id: int | None
    tlp: TLP
    upward: bool
    targets: tuple[RefTarget, ...] = ()
    kind: str = "report"
    # Arrived from another kommcert instance (a peer subscription or a peer's POST).
    received_from_peer: bool = False


@dataclass(frozen=True)
class RefActor:
    user_id: int | None
    org_id: int | None
    is_cert: bool
    service: bool = False  # an organisation's service token: the org's view, no person
    # An IT service provider: the clients it serves that opted in to show it their sightings.
    served: frozenset[int] = frozenset()
    # A peer (another kommcert instance): the highest TLP it may receive; None for everyone else.
    # A peer whose maximum is unknown is given CLEAR at most (``is_peer`` with ``peer_max`` None).
    is_peer: bool = False
    peer_max: TLP | None = None


def ancestors(parents: Mapping[int, int | None], org_id: int) -> list[int]:
    """org_id itself first, then its parent, up to the root."""
    chain: list[int] = []
    current: int | None = org_id
    while current is not None:
        chain.append(current)
        current = parents.get(current)
    return chain


def in_subtree(parents: Mapping[int, int | None], org_id: int, root: int) -> bool:
    return root in ancestors(parents, org_id)


PEER_ORDER = {TLP.clear: 0, TLP.green: 1, TLP.amber: 2}


def peer_may_see(parents: Mapping[int, int | None], actor: RefActor, obj: RefObject) -> bool:
    """A peer instance: AMBER+STRICT and RED never leave this instance; nothing above the peer's
    maximum (never above AMBER); AMBER only to a peer in the audience, and never AMBER that came from
    a peer (no relaying to a third instance)."""
    if obj.tlp not in PEER_ORDER:
        return False
    ceiling = PEER_ORDER.get(actor.peer_max, 2) if actor.peer_max is not None else 0
    if PEER_ORDER[obj.tlp] > ceiling:
        return False
    if obj.tlp != TLP.amber:
        return True
    if obj.received_from_peer:
        return False
    org = actor.org_id
    named = actor.user_id is not None and any(t.user_id == actor.user_id for t in obj.targets)
    addressed = any(
        t.org_id is not None and (t.org_id == org or (t.include_subtree and in_subtree(parents, org, t.org_id)))
        for t in obj.targets
    ) if org is not None else False
    return obj.owner_org_id == org or addressed or named


def may_see(parents: Mapping[int, int | None], actor: RefActor, obj: RefObject) -> bool:
    if actor.is_peer and (actor.user_id is not None or (actor.service and actor.org_id is not None)):
        return peer_may_see(parents, actor, obj)
    if obj.tlp == TLP.clear:
        return True
    if actor.user_id is None and not (actor.service and actor.org_id is not None):
        return False  # anonymous
    if obj.tlp == TLP.green:
        return True
    # A service token is nobody: nothing addressed to a person, nothing a person created as RED.
    named = actor.user_id is not None and any(t.user_id == actor.user_id for t in obj.targets)
    if obj.tlp == TLP.red:
        return named or (actor.user_id is not None and obj.created_by_id == actor.user_id)
    org = actor.org_id
    assert org is not None
    owner = org == obj.owner_org_id
    addressed = any(t.org_id == org for t in obj.targets if t.org_id is not None)
    upward_ok = obj.upward and (actor.is_cert or org in ancestors(parents, obj.owner_org_id))
    # Sightings travel to the opted-in client's service provider too, nothing else does.
    upward_ok = upward_ok or (obj.kind == "sighting" and obj.upward and obj.owner_org_id in actor.served)
    if obj.tlp == TLP.amber_strict:
        return owner or addressed or named or upward_ok
    subtree = any(
        t.include_subtree and in_subtree(parents, org, t.org_id)
        for t in obj.targets
        if t.org_id is not None
    )
    return owner or actor.is_cert or addressed or subtree or named or upward_ok


def visible_ids(
    parents: Mapping[int, int | None], actor: RefActor, objects: Iterable[tuple[int, RefObject]]
) -> set[int]:
    return {oid for oid, obj in objects if may_see(parents, actor, obj)}
