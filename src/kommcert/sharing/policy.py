"""The one visibility policy. Every list, single-object read, export and e-mail goes through here.

One rule, two forms that cannot drift: :func:`visibility_clause` builds it as SQL; :func:`visible`
applies it to a list query and :func:`can` evaluates the very same clause for one row. The plain
Python :mod:`kommcert.sharing.reference` restates DESIGN.md and property tests hold the two equal.

TLP 2.0 in this community:

* CLEAR – anyone, also anonymous clients.
* GREEN – every member organisation (any logged-in actor).
* AMBER – owner org, addressed orgs and (unless addressed without subtree) their subtrees,
  named users, CERT orgs always; with ``upward`` also the owner's ancestors.
* AMBER+STRICT – owner org, addressed orgs (never their subtrees), named users; with ``upward``
  the owner's ancestors and the CERTs.
* RED – the creator and the named users only.

A peer (another kommcert instance, ``OrgKind.peer``) sees less than any member: never AMBER+STRICT or
RED (they never leave the instance where they were made), nothing above its maximum TLP, AMBER only
where it is in the audience (its own, addressed to it or a subtree above it, or to one of its users),
and never AMBER that this instance itself received from a peer (``received_from_peer``): what came
in at AMBER does not travel on to a third instance.

A sighting (AMBER, ``upward``) is also visible to the IT service providers that serve its owner,
where the owner opted in (``Actor.served_org_ids``); the ``serves`` relation alone grants nothing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, false, literal, or_, select, true
from sqlalchemy.orm import Session

from kommcert.orgs.models import OrgAncestry
from kommcert.sharing.actor import Actor
from kommcert.sharing.models import ShareTarget
from kommcert.sharing.tlp import TLP

S = TypeVar("S", bound=Select[Any])

VIEW = "view"
EDIT = "edit"
DELETE = "delete"
SHARE = "share"
COMMENT = "comment"
ACTIONS = frozenset({VIEW, EDIT, DELETE, SHARE, COMMENT})


# What a peer may receive at most, in order; a maximum above AMBER counts as AMBER.
PEER_TLPS = (TLP.clear, TLP.green, TLP.amber)


def peer_tlps(max_tlp: TLP | None) -> tuple[TLP, ...]:
    """The markings a peer with this maximum may receive (CLEAR only when the maximum is unknown)."""
    if max_tlp is None:
        return PEER_TLPS[:1]
    if max_tlp not in PEER_TLPS:
        return PEER_TLPS
    return PEER_TLPS[:PEER_TLPS.index(TLP(max_tlp)) + 1]


def visibility_clause(model: Any, actor: Actor) -> ColumnElement[bool]:
    """SQL truth of "actor may see this row of ``model``" (a :class:`~kommcert.sharing.models.Shared`)."""
    if not actor.is_authenticated:
        return model.tlp == TLP.clear

    def target(*conds: ColumnElement[bool]) -> ColumnElement[bool]:
        return exists().where(
            ShareTarget.object_type == model.__share_type__,
            ShareTarget.object_id == model.id,
            *conds,
        )

    # A service token has no person: "= NULL" must not match the org targets' empty user_id.
    named_user = target(ShareTarget.user_id == actor.user_id) if actor.user_id is not None else false()
    org_addressed = target(ShareTarget.org_id == actor.org_id)
    subtree_addressed = target(
        ShareTarget.include_subtree.is_(True), ShareTarget.org_id.in_(actor.org_path)
    ) if actor.org_path else false()
    own_org = model.owner_org_id == actor.org_id
    if actor.is_peer:
        return _peer_clause(model, actor, or_(own_org, org_addressed, subtree_addressed, named_user))
    is_cert = true() if actor.is_cert else false()
    upward = and_(
        model.upward.is_(True),
        or_(
            is_cert,
            exists().where(
                OrgAncestry.org_id == model.owner_org_id, OrgAncestry.ancestor_id == actor.org_id
            ),
        ),
    )
    creator = model.created_by_id == actor.user_id if actor.user_id is not None else false()
    # A municipality's consented IT service provider sees its sightings as its ancestors do.
    served = and_(model.upward.is_(True), model.owner_org_id.in_(actor.served_org_ids)) \
        if actor.served_org_ids and getattr(model, "__share_type__", None) == "sighting" else false()

    return or_(
        model.tlp.in_([TLP.clear, TLP.green]),
        and_(
            model.tlp == TLP.amber,
            or_(own_org, is_cert, org_addressed, subtree_addressed, named_user, upward, served),
        ),
        and_(
            model.tlp == TLP.amber_strict,
            or_(own_org, org_addressed, named_user, upward, served),
        ),
        and_(model.tlp == TLP.red, or_(creator, named_user)),
    )


def _peer_clause(model: Any, actor: Actor, in_audience: ColumnElement[bool]) -> ColumnElement[bool]:
    """The peer rule (module docstring): capped by the peer's maximum, AMBER only in the audience and
    never what arrived from a peer at AMBER."""
    allowed = peer_tlps(actor.peer_max_tlp)
    clauses: list[ColumnElement[bool]] = [model.tlp.in_([t for t in allowed if t != TLP.amber])]
    if TLP.amber in allowed:
        received = getattr(model, "received_from_peer", None)
        not_relayed = received.is_(False) if received is not None else true()
        clauses.append(and_(model.tlp == TLP.amber, in_audience, not_relayed))
    return or_(*clauses)


def visible(stmt: S, model: Any, actor: Actor) -> S:
    """Narrow a list query to the rows the actor may see."""
    return stmt.where(visibility_clause(model, actor))


def _may_see(db: Session, obj: Any, actor: Actor) -> bool:
    model = type(obj)
    query = select(literal(1)).where(model.id == obj.id, visibility_clause(model, actor))
    return db.execute(query).first() is not None


def can(db: Session, actor: Actor, action: str, obj: Any) -> bool:
    """May ``actor`` do ``action`` on ``obj``? Viewing is the SQL rule for that one row."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not _may_see(db, obj, actor):
        return False
    if action == VIEW:
        return True
    if action == COMMENT:
        return actor.can_write
    # Changing a shared object is for its owner organisation's writers.
    return actor.can_write and obj.owner_org_id == actor.org_id
