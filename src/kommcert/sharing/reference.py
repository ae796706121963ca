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


@dataclass(frozen=True)
class RefActor:
    user_id: int | None
    org_id: int | None
    is_cert: bool
    service: bool = False  # an organisation's service token: the org's view, no person
    # An IT service provider: the clients it serves that opted in to show it their sightings.
    served: frozenset[int] = frozenset()


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


def may_see(parents: Mapping[int, int | None], actor: RefActor, obj: RefObject) -> bool:
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
