"""Help request pages: the help section of the incident case page (``incidents/_help.html``), its
forms, and the start list ``/help`` (a provider or the MIRT: only what is assigned to it).

Every form fetches the request through ``helprequests.service`` (the incident's sharing policy, a
provider only its own); a refusal shows the case page with the German message, nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from kommcert.contracts.models import UNIT_LABELS_DE
from kommcert.deps import DbSession, SettingsDep
from kommcert.errors import InvalidInput, NotFound
from kommcert.helprequests import service
from kommcert.helprequests.models import (
    HELP_MODE_LABELS_DE,
    HELP_STATE_LABELS_DE,
    URGENCY_LABELS_DE,
    HelpRequest,
    HelpState,
)
from kommcert.helprequests.schemas import AcceptIn, HelpRequestIn, TeamMemberIn
from kommcert.helprequests.workflow import Action
from kommcert.incidents import service as incidents_service
from kommcert.incidents.models import Incident
from kommcert.orgs.models import Organization
from kommcert.providers.models import SKILL_LABELS_DE, ProviderPerson
from kommcert.sharing.actor import Actor
from kommcert.validation import Id, parse_id
from kommcert.web import forms
from kommcert.web import incidents as case_pages
from kommcert.web.auth import PageActor
from kommcert.web.contingents import amount_text
from kommcert.web.templating import render

router = APIRouter()
ANCHOR = "hilfe"
TEAM_ROWS = 4
LABELS = {"help_states": HELP_STATE_LABELS_DE, "help_modes": HELP_MODE_LABELS_DE, "urgencies": URGENCY_LABELS_DE,
          "skill_labels": SKILL_LABELS_DE, "unit_labels": UNIT_LABELS_DE, "amount_text": amount_text}


@dataclass
class HelpSection:
    """What the case page's help part shows this actor."""

    views: list[service.View]
    may_request: bool
    may_accept_costs: bool
    org_name: str
    unit: str | None
    assignable: list[Organization] = field(default_factory=list)
    people: dict[int, list[ProviderPerson]] = field(default_factory=dict)  # per request the actor accepts
    roles: dict[int, list[str]] = field(default_factory=dict)
    team_rows: int = TEAM_ROWS


def help_context(db: Session, actor: Actor, incident: Incident) -> dict[str, Any]:
    views = [service.view(db, actor, r) for r in service.list_requests(db, actor=actor, incident_id=incident.id)]
    may_request = service.may_request(db, actor, incident) and incident.is_open
    org = db.get(Organization, actor.org_id) if actor.org_id else None
    contingent = service.unit_for(db, actor.org_id) if may_request and actor.org_id else None
    section = HelpSection(views=views, may_request=may_request, may_accept_costs=service.may_accept_costs(db, actor),
                          org_name=org.name if org else "", unit=str(contingent.unit) if contingent else None)
    if any(Action.assign in v.actions for v in views):
        section.assignable = service.assignable(db)
    for v in views:
        if Action.accept in v.actions:
            section.people[v.request.id] = service.registry_people(db, v.request.assignee_org_id)
            section.roles[v.request.id] = service.rate_roles(db, v.request.contract_id)
    return {"help": section, **LABELS}


case_pages.case_context(help_context)


# ---------------------------------------------------------------- forms

def _request_in(form: FormData) -> HelpRequestIn:
    try:
        return HelpRequestIn.model_validate({
            "skills": form.getlist("skills"), "urgency": str(form.get("urgency", "")),
            "mode": str(form.get("mode", "")), "description": str(form.get("description", "")),
            "estimate": str(form.get("estimate", "")).strip().replace(",", ".") or "0",
            "cost_accepted": form.get("cost_accepted") == "1"})
    except ValidationError:
        raise InvalidInput("Bitte Fähigkeiten, Dringlichkeit, Art der Hilfe und einen Aufwand (Zahl) angeben.",
                           "Please give skills, urgency, kind of help and an effort (a number).") from None


def _accept_in(form: FormData, tz: Any) -> AcceptIn:
    team = []
    for i in range(TEAM_ROWS):
        person, name, role = (str(form.get(f"team-{i}-{k}", "")).strip() for k in ("person", "name", "role"))
        if not (person or name):
            continue
        team.append(TeamMemberIn(person_id=parse_id(person) if person else None, name=name[:200], role=role[:100]))
    arrival = forms.local_time(str(form.get("planned_arrival_at", "")), tz, "Geplante Ankunft",
                                     "Planned arrival")
    return AcceptIn(team=team, planned_arrival_at=arrival)


def _own(db: Session, actor: Actor, incident_id: int, help_request_id: int) -> HelpRequest:
    found = service.get_request(db, actor=actor, help_request_id=help_request_id)
    if found.incident_id != incident_id:
        raise NotFound()
    return found


@router.post("/incidents/{incident_id}/help")
async def help_create(incident_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return await case_pages._write(request, db, actor, incident_id, lambda form: service.request_help(
        db, actor=actor, incident_id=incident_id, request_in=_request_in(form)), ANCHOR)


@router.post("/incidents/{incident_id}/help/{help_request_id}/{action}")
async def help_action(incident_id: Id, help_request_id: Id, action: str, request: Request, db: DbSession,
                      actor: PageActor, settings: SettingsDep) -> Response:
    try:
        chosen = Action(action)
    except ValueError:
        raise NotFound() from None
    _own(db, actor, incident_id, help_request_id)

    def act(form: FormData) -> Any:
        reason = str(form.get("reason", ""))
        if chosen == Action.approve:
            return service.approve(db, actor=actor, help_request_id=help_request_id)
        if chosen == Action.decline:
            return service.decline(db, actor=actor, help_request_id=help_request_id, reason=reason)
        if chosen == Action.withdraw:
            return service.withdraw(db, actor=actor, help_request_id=help_request_id, reason=reason)
        if chosen == Action.assign:
            org_id = parse_id(str(form.get("assignee_org_id", "")))
            if org_id is None:
                raise InvalidInput("Bitte einen Dienstleister oder das MIRT wählen.",
                                   "Please choose a provider or the MIRT.")
            return service.assign(db, actor=actor, help_request_id=help_request_id, assignee_org_id=org_id)
        if chosen == Action.return_:
            return service.give_back(db, actor=actor, help_request_id=help_request_id, reason=reason)
        if chosen == Action.accept:
            return service.accept(db, actor=actor, help_request_id=help_request_id,
                                  accept_in=_accept_in(form, settings.tz))
        return service.deploy(db, actor=actor, help_request_id=help_request_id)

    return await case_pages._write(request, db, actor, incident_id, act, ANCHOR)


# ---------------------------------------------------------------- the start list

@dataclass(frozen=True)
class Item:
    request: HelpRequest
    incident_title: str
    org_name: str
    assignee_name: str


def start_list(db: Session, actor: Actor, *, limit: int = 200) -> list[Item]:
    """The help requests the actor may see (open first), with the names a list shows."""
    found = list(service.list_requests(db, actor=actor, limit=limit))
    if not found:
        return []
    # Every request listed is of an incident the actor sees (``list_requests`` applies the policy).
    titles = dict(db.execute(select(Incident.id, Incident.title).where(
        Incident.id.in_({r.incident_id for r in found}))).tuples().all())
    _, orgs = incidents_service.names(db, org_ids=[*(r.org_id for r in found), *(r.assignee_org_id for r in found)])
    return [Item(r, titles.get(r.incident_id, f"#{r.incident_id}"), orgs.get(r.org_id, ""),
                 orgs.get(r.assignee_org_id or 0, "")) for r in found]


@router.get("/help")
def help_list(request: Request, db: DbSession, actor: PageActor) -> Response:
    items = start_list(db, actor)
    return render(request, "help/list.html", {"items": items, "provider_view": service.is_provider(actor),
                                              "open_states": [str(s) for s in HelpState if s not in (
                                                  HelpState.closed, HelpState.declined, HelpState.withdrawn)],
                                              **LABELS})
