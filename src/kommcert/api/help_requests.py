"""Help requests under /api/v1/help-requests: request help on an incident, the CERT approves and
assigns, the provider accepts and deploys.

Every route goes through ``helprequests.service`` (the incident's sharing policy: invisible → 404; a
provider or the MIRT sees only what is assigned to it, never the contingent's numbers).
"""

from __future__ import annotations

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from kommcert.api.auth import UserActor, WriterActor
from kommcert.deps import DbSession
from kommcert.helprequests import service
from kommcert.helprequests.models import HelpRequest, HelpState
from kommcert.helprequests.schemas import AcceptIn, AssignIn, DeployIn, HelpRequestIn, HelpRequestRead, ReasonIn
from kommcert.sharing.actor import Actor
from kommcert.validation import Id

router = APIRouter(prefix="/help-requests", tags=["help requests"])


def _read(db: Session, actor: Actor, request: HelpRequest) -> HelpRequestRead:
    v = service.view(db, actor, request)
    hidden = service.is_provider(actor)
    return HelpRequestRead(
        id=request.id, incident_id=request.incident_id, org_id=request.org_id, org_name=v.org_name,
        state=request.state, skills=request.skills, urgency=request.urgency, mode=request.mode,
        description=request.description, estimate=request.estimate, unit=v.unit,
        requested_by_id=request.requested_by_id, requested_at=request.requested_at,
        cost_accepted_by_id=request.cost_accepted_by_id, cost_accepted_at=request.cost_accepted_at,
        contingent_id=None if hidden else request.contingent_id, reserved=None if hidden else request.reserved,
        approved_at=request.approved_at, assignee_org_id=request.assignee_org_id, assignee_name=v.assignee_name,
        contract_id=request.contract_id, assigned_at=request.assigned_at, accepted_at=request.accepted_at,
        planned_arrival_at=request.planned_arrival_at, decision_note=request.decision_note,
        deployment_id=v.deployment_id, actions=[str(a) for a in v.actions])


@router.get("", response_model=list[HelpRequestRead])
def list_help_requests(db: DbSession, actor: UserActor, incident_id: Id | None = None,
                       state: HelpState | None = None, limit: int = Query(200, ge=1, le=500)
                       ) -> list[HelpRequestRead]:
    """The requests you may see, open first (a provider: only those assigned to it)."""
    items = service.list_requests(db, actor=actor, incident_id=incident_id, state=state, limit=limit)
    return [_read(db, actor, r) for r in items]


@router.get("/{help_request_id}", response_model=HelpRequestRead)
def read_help_request(help_request_id: Id, db: DbSession, actor: UserActor) -> HelpRequestRead:
    return _read(db, actor, service.get_request(db, actor=actor, help_request_id=help_request_id))


@router.post("", response_model=HelpRequestRead, status_code=201)
def request_help(db: DbSession, actor: WriterActor, request_in: HelpRequestIn,
                 incident_id: Id = Query(..., description="The incident help is needed for.")) -> HelpRequestRead:
    """Ask for help on an incident of your organisation; ``cost_accepted`` must be true and you must
    hold the right to accept costs (administrator or "may accept costs")."""
    return _read(db, actor, service.request_help(db, actor=actor, incident_id=incident_id, request_in=request_in))


@router.post("/{help_request_id}/approve", response_model=HelpRequestRead)
def approve(help_request_id: Id, db: DbSession, actor: WriterActor) -> HelpRequestRead:
    """CERT: reserve the estimate on the paying contingent (409 when it is not enough)."""
    return _read(db, actor, service.approve(db, actor=actor, help_request_id=help_request_id))


@router.post("/{help_request_id}/decline", response_model=HelpRequestRead)
def decline(help_request_id: Id, body: ReasonIn, db: DbSession, actor: WriterActor) -> HelpRequestRead:
    return _read(db, actor, service.decline(db, actor=actor, help_request_id=help_request_id, reason=body.reason))


@router.post("/{help_request_id}/withdraw", response_model=HelpRequestRead)
def withdraw(help_request_id: Id, body: ReasonIn, db: DbSession, actor: WriterActor) -> HelpRequestRead:
    return _read(db, actor, service.withdraw(db, actor=actor, help_request_id=help_request_id, reason=body.reason))


@router.post("/{help_request_id}/assign", response_model=HelpRequestRead)
def assign(help_request_id: Id, body: AssignIn, db: DbSession, actor: WriterActor) -> HelpRequestRead:
    """CERT: a provider (with a framework contract valid today) or the MIRT takes the job."""
    return _read(db, actor, service.assign(db, actor=actor, help_request_id=help_request_id,
                                           assignee_org_id=body.assignee_org_id))


@router.post("/{help_request_id}/return", response_model=HelpRequestRead)
def give_back(help_request_id: Id, body: ReasonIn, db: DbSession, actor: WriterActor) -> HelpRequestRead:
    """The assignee cannot come (or the CERT takes the job back): approved again."""
    return _read(db, actor, service.give_back(db, actor=actor, help_request_id=help_request_id, reason=body.reason))


@router.post("/{help_request_id}/accept", response_model=HelpRequestRead)
def accept(help_request_id: Id, body: AcceptIn, db: DbSession, actor: WriterActor) -> HelpRequestRead:
    """The assignee: the team (registry people or names, roles of the rate card) and the planned arrival."""
    return _read(db, actor, service.accept(db, actor=actor, help_request_id=help_request_id, accept_in=body))


@router.post("/{help_request_id}/deploy", response_model=HelpRequestRead)
def deploy(help_request_id: Id, body: DeployIn, db: DbSession, actor: WriterActor) -> HelpRequestRead:
    """The team has arrived: the deployment starts (``deployment_id``)."""
    deployment = service.deploy(db, actor=actor, help_request_id=help_request_id, arrived_at=body.arrived_at)
    return _read(db, actor, service.get_request(db, actor=actor, help_request_id=deployment.help_request_id))
