"""An organisation's awareness profile: its headcount per target group (what coverage divides by) and, in
``readiness``, its checklist. One ``Shared`` row per organisation (AMBER+STRICT, ``upward``), created by the
organisation's first write, like the inventory."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.awareness import access
from kommcert.awareness.models import AwarenessHeadcount, AwarenessProfile, TargetGroup
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.orgs.models import Organization
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import get_or_404
from kommcert.sharing.tlp import TLP

MAX_HEADCOUNT = 100_000


def readable(db: Session, actor: Actor, org_id: int) -> tuple[Organization, AwarenessProfile | None]:
    """The organisation and its profile (None before the first write); 404 for whoever may not see it."""
    org = db.get(Organization, org_id)
    if org is None:
        raise NotFound()
    found = access.profile_of(db, org_id)
    if found is None:
        if not access.may_see_missing(db, actor, org_id):
            raise NotFound()
        return org, None
    return org, get_or_404(db, AwarenessProfile, found.id, actor)


def writable(db: Session, actor: Actor, org_id: int) -> AwarenessProfile:
    """The profile the organisation's own writers change (created on their first write)."""
    org, profile = readable(db, actor, org_id)
    if not access.may_write_org(db, actor, org_id):
        raise PermissionDenied("Diese Angaben macht die Organisation selbst.",
                               "These facts are stated by the organisation itself.")
    if profile is None:
        profile = AwarenessProfile(owner_org_id=org.id, created_by_id=actor.user_id, tlp=TLP.amber_strict,
                                   upward=True)
        db.add(profile)
        db.flush()
    return profile


def headcounts(db: Session, org_id: int) -> dict[str, int]:
    """The stated headcount per target group (no check: callers have checked who asks)."""
    rows = db.execute(select(AwarenessHeadcount.target_group, AwarenessHeadcount.count).join(
        AwarenessProfile, AwarenessProfile.id == AwarenessHeadcount.profile_id).where(
        AwarenessProfile.owner_org_id == org_id)).all()
    return {g: n for g, n in rows}


def get_headcount(db: Session, actor: Actor, org_id: int) -> dict[str, int]:
    readable(db, actor, org_id)
    return headcounts(db, org_id)


def set_headcount(db: Session, *, actor: Actor, org_id: int, counts: Mapping[str, int | None]) -> dict[str, int]:
    """State the headcount per target group (a group left empty is removed; 0 says "nobody of that group")."""
    cleaned: dict[str, int] = {}
    for group, value in counts.items():
        try:
            TargetGroup(group)
        except ValueError:
            raise InvalidInput("Unbekannte Zielgruppe.", "Unknown target group.") from None
        if value is None:
            continue
        if not isinstance(value, int) or value < 0:
            raise InvalidInput("Personalzahl: bitte eine ganze Zahl ab 0 angeben (keine negativen Zahlen).",
                               "Headcount: please give a whole number from 0 (no negative numbers).")
        if value > MAX_HEADCOUNT:
            raise InvalidInput("Personalzahl: höchstens 100.000 je Zielgruppe.",
                               "Headcount: at most 100,000 per group.")
        cleaned[group] = value
    profile = writable(db, actor, org_id)
    before = sum(headcounts(db, org_id).values())
    db.execute(delete(AwarenessHeadcount).where(AwarenessHeadcount.profile_id == profile.id))
    db.add_all([AwarenessHeadcount(profile_id=profile.id, target_group=g, count=n) for g, n in cleaned.items()])
    db.flush()
    audit_service.record(db, AuditEvent(events.AWARENESS_HEADCOUNT_SET, actor_user_id=actor.user_id, org_id=org_id,
                                        object_type="awareness_profile", object_id=profile.id,
                                        detail={"from": before, "to": sum(cleaned.values())}))
    return cleaned
