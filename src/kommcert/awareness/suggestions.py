"""From incidents to trainings: an incident closed with the cause phishing (its category, or the cause given
when closing it) or a human error suggests a training for its organisation.

``incidents.service._record`` — the one function every incident change passes — calls
:func:`on_incident_event`; the suggestion is a ``Shared`` row (AMBER+STRICT, ``upward``: the organisation, the
organisations above it and the CERTs see it), one per incident, and the awareness coordinators are told
through ``notifications.notify`` (subject type ``awareness_suggestion``, visibility re-checked when the mail is
sent). There is no coordinator role yet, so the coordinators are the administrators of the organisation's Kreis
(or kreisfreie Stadt) and the analysts and administrators of the Kommunal-CERT: those who plan trainings for it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.accounts.models import Role, User
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.awareness import access, coverage
from kommcert.awareness.models import CAUSE_LABELS_DE, AwarenessSuggestion, Cause
from kommcert.db import utcnow
from kommcert.errors import NotFound, PermissionDenied
from kommcert.notifications import registry
from kommcert.orgs.models import Organization, OrgKind
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import get_or_404
from kommcert.sharing.tlp import TLP

SUBJECT_TYPE = "awareness_suggestion"
EVENT = "awareness.suggested"


def cause_of(incident: Any, data: dict[str, Any]) -> Cause | None:
    """The cause of a closed incident that calls for a training, if any."""
    given = str(data.get("cause") or "")
    if given in {c.value for c in Cause}:
        return Cause(given)
    if str(incident.category) == "phishing":
        return Cause.phishing
    return None


def coordinators(db: Session, org_id: int) -> list[int]:
    """The admins of the organisation's Kreis and the analysts and admins of the Kommunal-CERT."""
    kreis = coverage.kreis_map(db, {org_id}).get(org_id, (None, ""))[0]
    stmt = select(User.id).join(Organization, Organization.id == User.org_id).where(User.is_active.is_(True))
    ids: list[int] = []
    if kreis is not None:
        ids += db.scalars(stmt.where(User.org_id == kreis, User.role == Role.admin))
    ids += db.scalars(stmt.where(Organization.kind == OrgKind.kommunal_cert.value,
                                 User.role.in_([Role.admin, Role.analyst])))
    return sorted(set(ids))


def on_incident_event(db: Session, incident: Any, event: Any) -> AwarenessSuggestion | None:
    """Called for every incident timeline entry; acts on the one that closes a case with a fitting cause."""
    data = dict(event.data or {})
    if str(event.kind) != "phase_changed" or data.get("to") != "closed":
        return None
    cause = cause_of(incident, data)
    if cause is None:
        return None
    found = db.scalar(select(AwarenessSuggestion).where(AwarenessSuggestion.incident_id == incident.id))
    if found is not None:  # closed, reopened and closed again: one suggestion
        return found
    suggestion = AwarenessSuggestion(owner_org_id=incident.owner_org_id, created_by_id=event.actor_id,
                                     tlp=TLP.amber_strict, upward=True, incident_id=incident.id, cause=cause.value)
    db.add(suggestion)
    db.flush()
    from kommcert.notifications import service as notifications

    notifications.notify(db, event=EVENT, subject_type=SUBJECT_TYPE, subject_id=suggestion.id,
                         recipients=coordinators(db, incident.owner_org_id), key=f"incident.{incident.id}")
    return suggestion


def for_org(db: Session, actor: Actor, org_id: int) -> list[AwarenessSuggestion]:
    """The open suggestions for an organisation the actor may see."""
    stmt = select(AwarenessSuggestion).where(AwarenessSuggestion.owner_org_id == org_id,
                                             AwarenessSuggestion.dismissed_at.is_(None))
    return list(db.scalars(policy.visible(stmt, AwarenessSuggestion, actor).order_by(AwarenessSuggestion.id.desc())))


def dismiss(db: Session, *, actor: Actor, suggestion_id: int) -> AwarenessSuggestion:
    """Done or not needed: the organisation's writers, the organisations above it and the CERTs' writers."""
    suggestion = get_or_404(db, AwarenessSuggestion, suggestion_id, actor)
    if not (actor.can_write and (actor.is_cert or access.is_above(db, actor, suggestion.owner_org_id))):
        raise PermissionDenied()
    if suggestion.dismissed_at is None:
        suggestion.dismissed_at = utcnow()
        db.flush()
        audit_service.record(db, AuditEvent(events.AWARENESS_SUGGESTION_DISMISSED, actor_user_id=actor.user_id,
                                            org_id=suggestion.owner_org_id, object_type="awareness_suggestion",
                                            object_id=suggestion.id, detail={"cause": suggestion.cause}))
    return suggestion


def _load(db: Session, suggestion_id: int) -> AwarenessSuggestion | None:
    return db.get(AwarenessSuggestion, suggestion_id)


def _render(suggestion: AwarenessSuggestion, ctx: registry.RenderContext) -> registry.Rendered:
    _ = ctx._
    org = ctx.db.get(Organization, suggestion.owner_org_id)
    name = org.name if org else ""
    link = ctx.url(f"/awareness/coverage/{suggestion.owner_org_id}")
    cause = _(CAUSE_LABELS_DE[Cause(suggestion.cause)])
    subject = _("Schulung vorgeschlagen: {org}", org=name)
    body = [_("Ein Vorfall bei {org} wurde mit der Ursache „{cause}“ abgeschlossen.", org=name, cause=cause), "",
            _("Eine Schulung der Beschäftigten kann helfen, dass es nicht wieder geschieht. Den Stand der "
              "Sensibilisierung der Organisation finden Sie hier:"), "", link]
    return registry.Rendered(subject=" ".join(subject.split())[:200], text="\n".join(body) + "\n", link=link)


registry.register(SUBJECT_TYPE, _load, _render)


__all__ = ["on_incident_event", "for_org", "dismiss", "NotFound"]
