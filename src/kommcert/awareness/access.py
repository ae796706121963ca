"""Who may plan trainings, register, record attendance, and see an organisation's awareness facts.

Seeing an organisation's coverage, readiness, registrations and attendance is the sharing policy on its
:class:`~kommcert.awareness.models.AwarenessProfile` (AMBER+STRICT, ``upward``: the organisation, the
organisations above it and the CERTs). Before the first write there is no profile row;
:func:`may_see_missing` then answers as the policy would for a new profile, so "no data yet" and "not
yours" look alike to an outsider (the shape of ``inventory.access``).

Organisers are the Land, the CERTs and the Kreise (and kreisfreie Städte): their writers plan events and
record attendance of the events their organisation runs (a CERT's writers of any event).
"""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from kommcert.awareness.models import AwarenessEvent, AwarenessProfile
from kommcert.orgs.models import OrgAncestry, Organization, OrgKind
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor

ORGANISER_KINDS = frozenset({OrgKind.land, OrgKind.land_cert, OrgKind.kommunal_cert, OrgKind.kreis,
                             OrgKind.kreisfreie_stadt})
# Organisations that state a headcount and appear in the coverage: the municipal administrations.
COVERED_KINDS = (OrgKind.kreis, OrgKind.kreisfreie_stadt, OrgKind.verbandsgemeinde, OrgKind.verbandsfreie_gemeinde,
                 OrgKind.ortsgemeinde)


def may_organise(actor: Actor) -> bool:
    return actor.can_write and actor.org_kind is not None and OrgKind(actor.org_kind) in ORGANISER_KINDS


def may_manage_event(db: Session, actor: Actor, event: AwarenessEvent) -> bool:
    """The organiser's writers (the policy's EDIT) and the CERTs' writers."""
    return policy.can(db, actor, policy.EDIT, event) or (actor.is_cert and actor.can_write)


def is_above(db: Session, actor: Actor, org_id: int) -> bool:
    """The actor's organisation is ``org_id`` or above it."""
    if actor.org_id is None:
        return False
    return actor.org_id == org_id or bool(db.scalar(select(exists().where(
        OrgAncestry.org_id == org_id, OrgAncestry.ancestor_id == actor.org_id))))


def may_see_missing(db: Session, actor: Actor, org_id: int) -> bool:
    """The policy's answer for a profile of ``org_id`` not written yet."""
    if not actor.is_authenticated or actor.org_id is None:
        return False
    return actor.is_cert or is_above(db, actor, org_id)


def profile_of(db: Session, org_id: int) -> AwarenessProfile | None:
    return db.scalar(select(AwarenessProfile).where(AwarenessProfile.owner_org_id == org_id))


def sees_org(db: Session, actor: Actor, org_id: int) -> bool:
    """May the actor see the awareness facts (coverage, readiness, registrations, attendance) of ``org_id``?"""
    profile = profile_of(db, org_id)
    if profile is None:
        return may_see_missing(db, actor, org_id)
    return policy.can(db, actor, policy.VIEW, profile)


def visible_org_ids(db: Session, actor: Actor) -> set[int]:
    """The covered organisations whose awareness facts the actor may see: those whose profile the policy shows,
    and those without a profile that :func:`may_see_missing` grants."""
    if not actor.is_authenticated or actor.org_id is None:
        return set()
    kinds = [k.value for k in COVERED_KINDS]
    with_profile = set(db.scalars(policy.visible(select(AwarenessProfile.owner_org_id), AwarenessProfile, actor)))
    candidates = select(Organization.id).where(Organization.kind.in_(kinds), ~exists().where(
        AwarenessProfile.owner_org_id == Organization.id))
    if not actor.is_cert:
        candidates = candidates.where(exists().where(OrgAncestry.org_id == Organization.id,
                                                     OrgAncestry.ancestor_id == actor.org_id))
    covered = set(db.scalars(select(Organization.id).where(Organization.id.in_(with_profile),
                                                           Organization.kind.in_(kinds))))
    return covered | set(db.scalars(candidates))


def may_write_org(db: Session, actor: Actor, org_id: int) -> bool:
    """Headcount and readiness are the organisation's own writers' to state."""
    return actor.can_write and actor.org_id == org_id


def may_import_for(db: Session, actor: Actor, org_id: int) -> bool:
    """A phishing campaign is imported by the organisation's writers, an organisation above it or a CERT."""
    return actor.can_write and (actor.is_cert or is_above(db, actor, org_id))
