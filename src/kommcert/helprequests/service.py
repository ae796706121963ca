"""Use cases of help requests: request, approve (reserve the contingent), decline, withdraw, assign,
return, accept (team, arrival), deploy (the deployment starts), and reading them.

A request is a part of its incident: it is fetched through the incident's sharing policy (invisible →
404). A provider or the MIRT sees only the requests assigned to its own organisation, and never the
contingent's numbers. Every change writes one incident timeline entry and one audit entry; who may do
what is ``helprequests.workflow``. Nothing is written unless all of a use case is acceptable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, select, true
from sqlalchemy.orm import Session

from kommcert.accounts.models import User
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.contracts import alerts
from kommcert.contracts import service as contracts_service
from kommcert.contracts.models import Contingent, FrameworkContract, RateCardLine
from kommcert.db import utcnow
from kommcert.deployments.models import Deployment, DeploymentMember
from kommcert.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kommcert.helprequests import workflow
from kommcert.helprequests.models import HelpRequest, HelpState
from kommcert.helprequests.schemas import AcceptIn, HelpRequestIn
from kommcert.helprequests.workflow import Action
from kommcert.incidents import service as incidents_service
from kommcert.incidents.models import EventKind, Incident, IncidentEvent, IncidentParticipant, ParticipantRole
from kommcert.orgs.models import Organization, OrgKind
from kommcert.providers.models import PROVIDER_KINDS, ProviderPerson, ProviderProfile, Skill
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor

FUTURE_SLACK = timedelta(minutes=10)
NOT_FOUND = ("Hilfeersuchen nicht gefunden.", "Help request not found.")


# ---------------------------------------------------------------- who sees what

def is_provider(actor: Actor) -> bool:
    """A provider or the MIRT: sees only what is assigned to it, and no contingent numbers."""
    return actor.org_kind is not None and OrgKind(actor.org_kind) in PROVIDER_KINDS


def visibility_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL truth of "actor may see this help request" (joined with its incident)."""
    clause = policy.visibility_clause(Incident, actor)
    if is_provider(actor):
        return clause & (HelpRequest.assignee_org_id == actor.org_id)
    return clause & true()


def may_see(db: Session, actor: Actor, request: HelpRequest) -> bool:
    """The same rule for one request (the notifications' check)."""
    return db.scalar(select(HelpRequest.id).join(Incident, Incident.id == HelpRequest.incident_id)
                     .where(HelpRequest.id == request.id, visibility_clause(actor))) is not None


def get_request(db: Session, *, actor: Actor, help_request_id: int, lock: bool = False) -> HelpRequest:
    """A request the actor may see; anything else is "not found"."""
    stmt = select(HelpRequest).join(Incident, Incident.id == HelpRequest.incident_id).where(
        HelpRequest.id == help_request_id, visibility_clause(actor))
    if lock:
        stmt = stmt.with_for_update(of=HelpRequest)
    found = db.scalar(stmt)
    if found is None:
        raise NotFound(*NOT_FOUND)
    return found


def list_requests(db: Session, *, actor: Actor, incident_id: int | None = None, state: HelpState | None = None,
                  limit: int = 200) -> Sequence[HelpRequest]:
    """The requests the actor sees: open first, then newest first."""
    stmt = select(HelpRequest).join(Incident, Incident.id == HelpRequest.incident_id).where(visibility_clause(actor))
    if incident_id is not None:
        stmt = stmt.where(HelpRequest.incident_id == incident_id)
    if state is not None:
        stmt = stmt.where(HelpRequest.state == state)
    is_open = case((HelpRequest.state.in_([str(s) for s in workflow.OPEN_STATES]), 0), else_=1)
    return db.scalars(stmt.order_by(is_open, HelpRequest.id.desc()).limit(min(max(limit, 1), 500))).all()


# ---------------------------------------------------------------- helpers

def _incident(db: Session, request: HelpRequest) -> Incident:
    incident = db.get(Incident, request.incident_id)
    assert incident is not None
    return incident


def _change(db: Session, actor: Actor, request: HelpRequest, target: HelpState, kind: EventKind,
            body: str = "", **data: Any) -> IncidentEvent:
    """Move the request to ``target``: one timeline entry (no contingent numbers in it) and one audit entry."""
    old = HelpState(request.state)
    request.state = target
    request.updated_at = utcnow()
    db.flush()
    event = incidents_service.record_help(db, _incident(db, request), kind, actor, {
        "help_request_id": request.id, "from": str(old), "to": str(target), **data}, body=body)
    audit_service.record(db, AuditEvent(
        events.HELP_REQUEST_CHANGED, actor_user_id=actor.user_id, org_id=actor.org_id, object_type="help_request",
        object_id=request.id, detail={"from": str(old), "to": str(target), "incident_id": request.incident_id}))
    return event


def _notify(db: Session, request: HelpRequest, event: str, recipients: list[int], key: object) -> None:
    from kommcert.helprequests import notifications

    notifications.tell(db, request, event, recipients, key)


def _release(db: Session, actor: Actor, request: HelpRequest, why: str) -> None:
    """Give back what the approval reserved. The municipality's own withdrawal is booked by the system
    (only a CERT books on a contingent itself)."""
    if request.contingent_id is None or not request.reserved:
        return
    contracts_service.release(db, actor=actor if actor.is_cert else None, contingent_id=request.contingent_id,
                              amount=request.reserved, reference=f"Hilfeersuchen {request.id}: {why}")
    request.reserved = Decimal("0.00")


def _reason(text: str, *, required: bool) -> str:
    reason = (text or "").strip()
    if required and not reason:
        raise InvalidInput("Bitte eine Begründung angeben.", "Please give a reason.")
    if len(reason) > 2000:
        raise InvalidInput("Die Begründung ist zu lang (höchstens 2000 Zeichen).",
                           "The reason is too long (at most 2000 characters).")
    return reason


def unit_for(db: Session, org_id: int, year: int | None = None) -> Contingent | None:
    """The contingent that would pay for ``org_id``'s help this year (its unit goes on the form)."""
    return contracts_service.contingent_for(db, org_id=org_id, year=year or utcnow().year)


# ---------------------------------------------------------------- request

def may_request(db: Session, actor: Actor, incident: Incident) -> bool:
    """A writer of the incident's owner, or of a participant that is affected as well."""
    if not actor.can_write or actor.org_id is None or actor.user_id is None:
        return False
    if actor.org_id == incident.owner_org_id:
        return True
    return db.scalar(select(IncidentParticipant.id).where(
        IncidentParticipant.incident_id == incident.id, IncidentParticipant.org_id == actor.org_id,
        IncidentParticipant.role == ParticipantRole.affected)) is not None


def may_accept_costs(db: Session, actor: Actor) -> bool:
    if actor.user_id is None or not actor.can_write:
        return False
    if actor.is_admin:
        return True
    user = db.get(User, actor.user_id)
    return bool(user is not None and user.may_accept_costs)


def request_help(db: Session, *, actor: Actor, incident_id: int, request_in: HelpRequestIn) -> HelpRequest:
    incident = incidents_service.get_incident(db, actor=actor, incident_id=incident_id)
    if not may_request(db, actor, incident):
        raise PermissionDenied("Hilfe fordert die betroffene Organisation an.",
                               "Help is requested by the affected organisation.")
    if not incident.is_open:
        raise InvalidInput("Der Vorfall ist abgeschlossen; Hilfe kann nicht mehr angefordert werden.",
                           "The incident is closed; help can no longer be requested.")
    skills = sorted({Skill(s) for s in request_in.skills})
    if not skills:
        raise InvalidInput("Bitte mindestens eine benötigte Fähigkeit wählen.", "Please choose at least one skill.")
    estimate = contracts_service.money(request_in.estimate, what="Geschätzter Aufwand", positive=True)
    if not request_in.cost_accepted:
        raise InvalidInput("Ohne Erklärung der Kostenübernahme kann keine Hilfe angefordert werden.",
                           "Help cannot be requested without accepting the costs.")
    if not may_accept_costs(db, actor):
        raise PermissionDenied("Die Kostenübernahme erklärt nur, wer dazu berechtigt ist (Administrator/in oder "
                               "„darf Kosten übernehmen“).",
                               "Only a person with that right (administrator or 'may accept costs') accepts costs.")
    now = utcnow()
    request = HelpRequest(incident_id=incident.id, org_id=actor.org_id, state=HelpState.requested,
                          skills=[str(s) for s in skills], urgency=request_in.urgency, mode=request_in.mode,
                          description=request_in.description.strip(), estimate=estimate,
                          requested_by_id=actor.user_id, requested_at=now, cost_accepted_by_id=actor.user_id,
                          cost_accepted_at=now)
    db.add(request)
    db.flush()
    incidents_service.record_help(db, incident, EventKind.help_requested, actor, {
        "help_request_id": request.id, "to": str(HelpState.requested), "mode": str(request.mode),
        "urgency": str(request.urgency)})
    audit_service.record(db, AuditEvent(
        events.HELP_REQUEST_CHANGED, actor_user_id=actor.user_id, org_id=actor.org_id, object_type="help_request",
        object_id=request.id, detail={"from": "", "to": str(HelpState.requested), "incident_id": incident.id,
                                      "cost_accepted": True}))
    from kommcert.helprequests import notifications

    _notify(db, request, notifications.REQUESTED, notifications.cert_on_call(db), "requested")
    return request


# ---------------------------------------------------------------- the CERT decides

def _start(db: Session, actor: Actor, help_request_id: int, action: Action) -> tuple[HelpRequest, HelpState]:
    request = get_request(db, actor=actor, help_request_id=help_request_id, lock=True)
    return request, workflow.check(db, actor, _incident(db, request), request, action)


def approve(db: Session, *, actor: Actor, help_request_id: int) -> HelpRequest:
    """Reserve the estimate on the paying contingent (own, else the Kreis's) and approve, in one transaction."""
    request, target = _start(db, actor, help_request_id, Action.approve)
    year = utcnow().year
    contingent = contracts_service.contingent_for(db, org_id=request.org_id, year=year)
    if contingent is None:
        org = db.get(Organization, request.org_id)
        raise Conflict(f"Kein Kontingent für {org.name if org else request.org_id} (auch nicht des Kreises) "
                       f"im Jahr {year}.",
                       f"No contingent for {org.name if org else request.org_id} (nor its Kreis) in {year}.")
    contracts_service.reserve(db, actor=actor, contingent_id=contingent.id, amount=request.estimate,
                              reference=f"Hilfeersuchen {request.id}")
    request.contingent_id = contingent.id
    request.reserved = Decimal(request.estimate)
    request.approved_by_id = actor.user_id
    request.approved_at = utcnow()
    _change(db, actor, request, target, EventKind.help_approved)
    alerts.check_low(db, contingent.id)
    return request


def decline(db: Session, *, actor: Actor, help_request_id: int, reason: str) -> HelpRequest:
    request, target = _start(db, actor, help_request_id, Action.decline)
    request.decision_note = _reason(reason, required=True)
    _release(db, actor, request, "abgelehnt")
    _change(db, actor, request, target, EventKind.help_declined, body=request.decision_note)
    request.closed_at = utcnow()
    return request


def withdraw(db: Session, *, actor: Actor, help_request_id: int, reason: str = "") -> HelpRequest:
    request, target = _start(db, actor, help_request_id, Action.withdraw)
    request.decision_note = _reason(reason, required=False)
    _release(db, actor, request, "zurückgezogen")
    _change(db, actor, request, target, EventKind.help_withdrawn, body=request.decision_note)
    request.closed_at = utcnow()
    return request


def valid_contract(db: Session, provider_org_id: int) -> FrameworkContract | None:
    """The provider's framework contract valid today (the latest starting one)."""
    today = utcnow().date()
    return db.scalar(select(FrameworkContract).where(
        FrameworkContract.provider_org_id == provider_org_id, FrameworkContract.valid_from <= today,
        FrameworkContract.valid_until >= today).order_by(FrameworkContract.valid_from.desc()).limit(1))


def assignable(db: Session) -> list[Organization]:
    """Providers and the MIRT of the registry, by name (``assign`` checks the choice again)."""
    return list(db.scalars(select(Organization).join(ProviderProfile, ProviderProfile.org_id == Organization.id)
                           .where(Organization.kind.in_([str(k) for k in PROVIDER_KINDS]))
                           .order_by(Organization.name)))


def assign(db: Session, *, actor: Actor, help_request_id: int, assignee_org_id: int) -> HelpRequest:
    request, target = _start(db, actor, help_request_id, Action.assign)
    org = db.get(Organization, assignee_org_id)
    if org is None or OrgKind(org.kind) not in PROVIDER_KINDS or db.get(ProviderProfile, org.id) is None:
        raise InvalidInput("Beauftragt werden nur Dienstleister oder das MIRT aus dem Helferverzeichnis.",
                           "Only providers or the MIRT of the registry of helpers can be assigned.")
    contract = valid_contract(db, org.id)
    if contract is None and OrgKind(org.kind) == OrgKind.dienstleister:
        raise Conflict(f"Mit {org.name} besteht heute kein gültiger Rahmenvertrag.",
                       f"There is no framework contract with {org.name} valid today.")
    request.assignee_org_id = org.id
    request.contract_id = contract.id if contract else None
    request.assigned_by_id = actor.user_id
    request.assigned_at = utcnow()
    incident = _incident(db, request)
    incidents_service.add_provider(db, actor=actor, incident=incident, org_id=org.id)
    event = _change(db, actor, request, target, EventKind.help_assigned, assignee_org_id=org.id)
    from kommcert.helprequests import notifications

    _notify(db, request, notifications.ASSIGNED, notifications.provider_on_call(db, org.id), event.id)
    return request


def give_back(db: Session, *, actor: Actor, help_request_id: int, reason: str = "") -> HelpRequest:
    """Assigned → approved again: the assignee cannot come (or the CERT takes the job back). The
    assignee leaves the incident's audience unless it takes part otherwise; the reservation stays."""
    request, target = _start(db, actor, help_request_id, Action.return_)
    org_id = request.assignee_org_id
    note = _reason(reason, required=False)
    request.assignee_org_id = None
    request.contract_id = None
    request.assigned_by_id = None
    request.assigned_at = None
    incident = _incident(db, request)
    _change(db, actor, request, target, EventKind.help_returned, body=note, assignee_org_id=org_id)
    still = db.scalar(select(HelpRequest.id).where(
        HelpRequest.incident_id == incident.id, HelpRequest.assignee_org_id == org_id, HelpRequest.id != request.id,
        HelpRequest.state.in_([str(s) for s in workflow.ASSIGNED_STATES | {HelpState.closed}])))
    if org_id is not None and still is None:
        incidents_service.remove_provider(db, actor=actor, incident=incident, org_id=org_id)
    return request


# ---------------------------------------------------------------- the provider

def rate_roles(db: Session, contract_id: int | None) -> list[str]:
    """The roles of the contract's rate card valid today (the team's role choices)."""
    if contract_id is None:
        return []
    today = utcnow().date()
    return sorted(set(db.scalars(select(RateCardLine.role).where(
        RateCardLine.contract_id == contract_id, RateCardLine.valid_from <= today,
        RateCardLine.valid_until >= today))))


def registry_people(db: Session, org_id: int | None) -> list[ProviderPerson]:
    if org_id is None:
        return []
    return list(db.scalars(select(ProviderPerson).where(ProviderPerson.provider_org_id == org_id)
                           .order_by(ProviderPerson.name)))


def _team(db: Session, request: HelpRequest, accept_in: AcceptIn) -> list[dict[str, Any]]:
    if not accept_in.team:
        raise InvalidInput("Bitte mindestens eine Person für das Team angeben.",
                           "Please name at least one person for the team.")
    roles = {r.casefold(): r for r in rate_roles(db, request.contract_id)}
    people = {p.id: p for p in registry_people(db, request.assignee_org_id)}
    team = []
    for member in accept_in.team:
        role = member.role.strip()
        if not role:
            raise InvalidInput("Bitte für jede Person eine Rolle wählen.", "Please choose a role for every person.")
        if request.contract_id is not None:
            if role.casefold() not in roles:
                raise InvalidInput(f"Rolle „{role}“ steht nicht im Rahmenvertrag.",
                                   f"Role '{role}' is not on the framework contract's rate card.")
            role = roles[role.casefold()]
        if member.person_id is not None:
            person = people.get(member.person_id)
            if person is None:
                raise InvalidInput("Diese Person steht nicht im Verzeichnis Ihres Hauses.",
                                   "This person is not in your organisation's registry.")
            team.append({"person_id": person.id, "name": person.name, "role": role})
        elif member.name.strip():
            team.append({"person_id": None, "name": member.name.strip(), "role": role})
        else:
            raise InvalidInput("Bitte für jede Person einen Namen oder einen Eintrag des Verzeichnisses angeben.",
                               "Please give a name or a registry entry for every person.")
    return team


def accept(db: Session, *, actor: Actor, help_request_id: int, accept_in: AcceptIn) -> HelpRequest:
    """The assignee takes the job with a team and a planned arrival. The team is kept on the request; the
    incident's timeline, which every participant reads, says only how many."""
    request, target = _start(db, actor, help_request_id, Action.accept)
    team = _team(db, request, accept_in)
    arrival = accept_in.planned_arrival_at
    request.accepted_by_id = actor.user_id
    request.accepted_at = utcnow()
    request.planned_arrival_at = arrival
    request.team = team
    event = _change(db, actor, request, target, EventKind.help_accepted, team_size=len(team),
                    planned_arrival_at=arrival.isoformat() if arrival else None)
    from kommcert.helprequests import notifications

    _notify(db, request, notifications.ACCEPTED, notifications.requesters(db, request.org_id), event.id)
    return request


def team_of(db: Session, request: HelpRequest) -> list[dict[str, Any]]:
    """The team named on acceptance."""
    return list(request.team or [])


def deploy(db: Session, *, actor: Actor, help_request_id: int, arrived_at: datetime | None = None) -> Deployment:
    """The team has arrived (or started remotely): the deployment begins with the accepted team."""
    request, target = _start(db, actor, help_request_id, Action.deploy)
    now = utcnow()
    arrived = arrived_at or now
    if arrived > now + FUTURE_SLACK:
        raise InvalidInput("Die Ankunftszeit liegt in der Zukunft.", "The arrival time is in the future.")
    if request.assignee_org_id is None:  # cannot happen: accepted implies assigned
        raise Conflict("Das Hilfeersuchen ist niemandem zugewiesen.", "The help request is assigned to nobody.")
    deployment = Deployment(help_request_id=request.id, incident_id=request.incident_id,
                            provider_org_id=request.assignee_org_id, org_id=request.org_id,
                            contract_id=request.contract_id, arrived_at=arrived)
    deployment.members = [DeploymentMember(person_id=m.get("person_id"), name=str(m.get("name", ""))[:200],
                                           role=str(m.get("role", ""))[:100], arrived_at=arrived)
                          for m in team_of(db, request)]
    db.add(deployment)
    db.flush()
    event = _change(db, actor, request, target, EventKind.help_deployed, deployment_id=deployment.id,
                    arrived_at=arrived.isoformat())
    from kommcert.helprequests import notifications

    _notify(db, request, notifications.DEPLOYED, notifications.requesters(db, request.org_id), event.id)
    return deployment


# ---------------------------------------------------------------- for the pages and the API

@dataclass(frozen=True)
class View:
    request: HelpRequest
    org_name: str
    assignee_name: str | None
    unit: str | None
    left: Decimal | None  # what the paying contingent has left (CERT and the municipality only)
    deployment_id: int | None
    actions: list[Action]


def view(db: Session, actor: Actor, request: HelpRequest) -> View:
    """One request as the actor may see it (a provider gets no contingent numbers)."""
    incident = _incident(db, request)
    org = db.get(Organization, request.org_id)
    assignee = db.get(Organization, request.assignee_org_id) if request.assignee_org_id else None
    unit = left = None
    if not is_provider(actor):
        contingent = (db.get(Contingent, request.contingent_id) if request.contingent_id
                      else unit_for(db, request.org_id))
        if contingent is not None:
            unit = str(contingent.unit)
            left = contracts_service.balance(db, contingent).left
    deployment_id = db.scalar(select(Deployment.id).where(Deployment.help_request_id == request.id))
    return View(request, org.name if org else "", assignee.name if assignee else None, unit, left, deployment_id,
                workflow.allowed_actions(db, actor, incident, request))
