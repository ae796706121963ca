"""Audience bookkeeping and the one way to fetch a shared object for an actor."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.errors import InvalidInput, NotFound
from kommcert.orgs.models import Organization
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor
from kommcert.sharing.models import ShareTarget
from kommcert.sharing.tlp import AUDITED_DENIALS, TLP

T = TypeVar("T")


@dataclass(frozen=True)
class Audience:
    """Who, besides what the TLP grants by itself, an object is addressed to."""

    orgs: tuple[int, ...] = ()
    orgs_without_subtree: tuple[int, ...] = ()
    users: tuple[int, ...] = ()


def set_audience(db: Session, obj: Any, audience: Audience) -> None:
    """Replace the object's audience. Unknown organisations are refused."""
    org_ids = set(audience.orgs) | set(audience.orgs_without_subtree)
    if org_ids:
        known = set(db.scalars(select(Organization.id).where(Organization.id.in_(org_ids))))
        if known != org_ids:
            raise InvalidInput("Unbekannte Organisation im Empfängerkreis.",
                               "Unknown organisation in the audience.")
    user_ids = set(audience.users)
    if user_ids:
        from kommcert.accounts.models import User

        if set(db.scalars(select(User.id).where(User.id.in_(user_ids)))) != user_ids:
            raise InvalidInput("Unbekannte Person im Empfängerkreis.", "Unknown person in the audience.")
    share_type = type(obj).__share_type__
    db.execute(delete(ShareTarget).where(
        ShareTarget.object_type == share_type, ShareTarget.object_id == obj.id
    ))
    rows = [ShareTarget(object_type=share_type, object_id=obj.id, org_id=o, include_subtree=True)
            for o in sorted(set(audience.orgs))]
    rows += [ShareTarget(object_type=share_type, object_id=obj.id, org_id=o, include_subtree=False)
             for o in sorted(set(audience.orgs_without_subtree) - set(audience.orgs))]
    rows += [ShareTarget(object_type=share_type, object_id=obj.id, user_id=u)
             for u in sorted(set(audience.users))]
    db.add_all(rows)
    db.flush()


def get_audience(db: Session, obj: Any) -> Audience:
    rows = db.scalars(select(ShareTarget).where(
        ShareTarget.object_type == type(obj).__share_type__, ShareTarget.object_id == obj.id
    )).all()
    return Audience(
        orgs=tuple(r.org_id for r in rows if r.org_id is not None and r.include_subtree),
        orgs_without_subtree=tuple(r.org_id for r in rows if r.org_id is not None and not r.include_subtree),
        users=tuple(r.user_id for r in rows if r.user_id is not None),
    )


def get_or_404(db: Session, model: type[T], object_id: int, actor: Actor, *, ip: str | None = None) -> T:
    """Fetch a shared object the actor may see. Anything else is "not found", and denials of
    AMBER+STRICT and RED objects are written to the audit log."""
    obj = db.get(model, object_id)
    if obj is None:
        raise NotFound()
    if not policy.can(db, actor, policy.VIEW, obj):
        if TLP(obj.tlp) in AUDITED_DENIALS:  # type: ignore[attr-defined]
            audit_service.record_kept(db, AuditEvent(
                events.ACCESS_DENIED, actor_user_id=actor.user_id, org_id=obj.owner_org_id,  # type: ignore[attr-defined]
                object_type=model.__share_type__, object_id=object_id, ip=ip,  # type: ignore[attr-defined]
                detail={"tlp": str(obj.tlp), "actor_org_id": actor.org_id},  # type: ignore[attr-defined]
            ))
        raise NotFound()
    return obj


def org_ids_by_keys(db: Session, keys: Iterable[str]) -> list[int]:
    keys = [k.strip() for k in keys if k.strip()]
    found = dict(db.execute(select(Organization.key, Organization.id).where(Organization.key.in_(keys))).all())
    unknown = [k for k in keys if k not in found]
    if unknown:
        raise InvalidInput(f"Unbekannte Organisation(en): {', '.join(unknown[:5])}",
                           f"Unknown organisation(s): {', '.join(unknown[:5])}")
    return [found[k] for k in keys]


def _addressable(actor: Actor) -> Any:
    """The persons an actor may name in an audience: everyone for a CERT; otherwise the people of
    the own organisation, the organisations above and below it, and the CERTs. The same answer
    for an unknown address and for one outside this range, so the field confirms no address."""
    from sqlalchemy import and_, or_

    from kommcert.accounts.models import User
    from kommcert.orgs.models import CERT_KINDS, OrgAncestry

    active = User.is_active.is_(True)
    if actor.is_cert:
        return active
    below = select(OrgAncestry.org_id).where(OrgAncestry.ancestor_id == actor.org_id)
    certs = select(Organization.id).where(Organization.kind.in_([str(k) for k in CERT_KINDS]))
    return and_(active, or_(User.org_id.in_(actor.org_path), User.org_id.in_(below), User.org_id.in_(certs)))


def _not_addressable(shown: list[str]) -> InvalidInput:
    return InvalidInput(f"Diese Personen können Sie nicht adressieren (unbekannt oder außerhalb Ihres Bereichs): "
                        f"{', '.join(shown[:5])}",
                        f"You cannot address these persons (unknown or outside your range): {', '.join(shown[:5])}")


def user_ids_by_emails(db: Session, emails: Iterable[str], *, actor: Actor) -> list[int]:
    from kommcert.accounts.models import User

    wanted = [e.strip().lower() for e in emails if e.strip()]
    if not wanted:
        return []
    found = dict(db.execute(select(User.email, User.id).where(User.email.in_(wanted), _addressable(actor))).all())
    unknown = [e for e in wanted if e not in found]
    if unknown:
        raise _not_addressable(unknown)
    return [found[e] for e in wanted]


@dataclass(frozen=True)
class AudienceView:
    orgs: list[str]
    orgs_without_subtree: list[str]
    users: list[str]


def describe_audience(db: Session, obj: Any, actor: Actor) -> AudienceView:
    """Names of the audience for display. Organisation names are public; the named users only
    to the owner organisation (others would learn who was told)."""
    from kommcert.accounts.models import User

    audience = get_audience(db, obj)
    names = dict(db.execute(select(Organization.id, Organization.name).where(
        Organization.id.in_(audience.orgs + audience.orgs_without_subtree))).all())
    users: list[str] = []
    if actor.org_id == obj.owner_org_id and audience.users:
        users = list(db.scalars(select(User.name).where(User.id.in_(audience.users)).order_by(User.name)))
    return AudienceView([names[i] for i in audience.orgs], [names[i] for i in audience.orgs_without_subtree], users)
