"""Who may see and change a deployment: the provider, the municipality, the CERT; everyone else 404.

A deployment and every part of it is visible when its incident is (the sharing policy, ``policy.can``
on the incident; lists: ``visibility_filter`` with the same clause) and the actor is not a provider or
MIRT other than the deployment's. The cost statement narrows further to the paying organisation and its
ancestors (Kreis, Land), the provider and the CERTs.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from kommcert.contracts import service as contracts_service
from kommcert.deployments.models import Deployment
from kommcert.errors import NotFound
from kommcert.incidents import service as incident_service
from kommcert.incidents.models import Incident
from kommcert.orgs.models import OrgAncestry
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor

PROVIDER_KINDS = contracts_service.PROVIDER_KINDS


def is_provider(actor: Actor, deployment: Deployment) -> bool:
    return actor.can_write and actor.org_id is not None and actor.org_id == deployment.provider_org_id


def is_municipality(actor: Actor, deployment: Deployment) -> bool:
    return actor.can_write and actor.org_id is not None and actor.org_id == deployment.org_id


def is_cert(actor: Actor) -> bool:
    return actor.is_cert and actor.can_write


def _other_provider(actor: Actor, deployment: Deployment) -> bool:
    return (actor.org_kind is not None and actor.org_kind in PROVIDER_KINDS
            and actor.org_id != deployment.provider_org_id)


def may_view(db: Session, actor: Actor, deployment: Deployment) -> bool:
    """The incident is visible and the actor is not a provider or MIRT other than the deployment's."""
    if not actor.is_authenticated or _other_provider(actor, deployment):
        return False
    incident = db.get(Incident, deployment.incident_id)
    return incident is not None and policy.can(db, actor, policy.VIEW, incident)


def may_see_costs(db: Session, actor: Actor, deployment: Deployment) -> bool:
    """The paying municipality and its ancestors (Kreis, Land), the provider and the CERTs."""
    if not may_view(db, actor, deployment):
        return False
    if actor.is_cert or actor.org_id == deployment.provider_org_id:
        return True
    return actor.org_id is not None and db.scalar(select(OrgAncestry.depth).where(
        OrgAncestry.org_id == deployment.org_id, OrgAncestry.ancestor_id == actor.org_id)) is not None


def get_deployment(db: Session, *, actor: Actor, deployment_id: int, ip: str | None = None) -> Deployment:
    """A deployment the actor may see; anything else is "not found" (denials audited by the policy)."""
    deployment = db.get(Deployment, deployment_id)
    if deployment is None or _other_provider(actor, deployment) or not actor.is_authenticated:
        raise NotFound("Einsatz nicht gefunden.", "Deployment not found.")
    try:
        incident_service.get_incident(db, actor=actor, incident_id=deployment.incident_id, ip=ip)
    except NotFound:
        raise NotFound("Einsatz nicht gefunden.", "Deployment not found.") from None
    return deployment


def visibility_filter(actor: Actor) -> ColumnElement[bool]:
    """SQL truth over Deployment joined with its Incident."""
    clause = policy.visibility_clause(Incident, actor)
    if actor.org_kind is not None and actor.org_kind in PROVIDER_KINDS:
        clause = clause & (Deployment.provider_org_id == actor.org_id)
    return clause
