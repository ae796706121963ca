"""Who may move a help request along which edge, as a table (like ``incidents.workflow``).

Everything sits on top of the incident's sharing policy: an actor who may not see the incident has no
role at all (the service answers "not found"). Roles per request:

* ``cert`` – a writer of a CERT organisation (approves, declines, assigns);
* ``requester`` – a writer of the organisation that asked (``HelpRequest.org_id``);
* ``assignee`` – a writer of the provider or MIRT it is assigned to (``assignee_org_id``).

Closing (deployed → closed) belongs to the deployment (``kommcert.deployments``) and is not here.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from kommcert.errors import InvalidInput, PermissionDenied
from kommcert.helprequests.models import HELP_STATE_LABELS_DE, HelpRequest, HelpState
from kommcert.incidents.models import Incident
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor


class Role(StrEnum):
    cert = "cert"
    requester = "requester"
    assignee = "assignee"


CERT, REQUESTER, ASSIGNEE = Role.cert, Role.requester, Role.assignee
S = HelpState

# (from, to) -> the roles that may move the request along this edge.
TRANSITIONS: dict[tuple[HelpState, HelpState], frozenset[Role]] = {
    (S.requested, S.approved): frozenset({CERT}),
    (S.requested, S.declined): frozenset({CERT}),
    (S.requested, S.withdrawn): frozenset({REQUESTER, CERT}),
    (S.approved, S.withdrawn): frozenset({REQUESTER, CERT}),
    (S.approved, S.assigned): frozenset({CERT}),
    (S.assigned, S.accepted): frozenset({ASSIGNEE}),
    # The assignee gives the job back (it cannot come); the CERT may take it back from a silent one.
    (S.assigned, S.approved): frozenset({ASSIGNEE, CERT}),
    (S.accepted, S.deployed): frozenset({ASSIGNEE, CERT}),
}

OPEN_STATES = frozenset({S.requested, S.approved, S.assigned, S.accepted, S.deployed})
# States in which the assignee organisation takes part in the incident.
ASSIGNED_STATES = frozenset({S.assigned, S.accepted, S.deployed})


class Action(StrEnum):
    """The buttons and endpoints; each one edge (``return_`` is assigned → approved)."""

    approve = "approve"
    decline = "decline"
    withdraw = "withdraw"
    assign = "assign"
    return_ = "return"
    accept = "accept"
    deploy = "deploy"


ACTION_EDGES: dict[Action, tuple[frozenset[HelpState], HelpState]] = {
    Action.approve: (frozenset({S.requested}), S.approved),
    Action.decline: (frozenset({S.requested}), S.declined),
    Action.withdraw: (frozenset({S.requested, S.approved}), S.withdrawn),
    Action.assign: (frozenset({S.approved}), S.assigned),
    Action.return_: (frozenset({S.assigned}), S.approved),
    Action.accept: (frozenset({S.assigned}), S.accepted),
    Action.deploy: (frozenset({S.accepted}), S.deployed),
}


def roles(db: Session, actor: Actor, incident: Incident, request: HelpRequest) -> frozenset[Role]:
    """The actor's roles on this request; none for whoever may not see the incident or may not write."""
    if not actor.can_write or actor.org_id is None or not policy.can(db, actor, policy.VIEW, incident):
        return frozenset()
    found: set[Role] = set()
    if actor.is_cert:
        found.add(CERT)
    if actor.org_id == request.org_id:
        found.add(REQUESTER)
    if request.assignee_org_id is not None and actor.org_id == request.assignee_org_id:
        found.add(ASSIGNEE)
    return frozenset(found)


def allowed_actions(db: Session, actor: Actor, incident: Incident, request: HelpRequest) -> list[Action]:
    """What this actor may do with the request now (for buttons)."""
    mine = roles(db, actor, incident, request)
    current = HelpState(request.state)
    out = []
    for action, (sources, target) in ACTION_EDGES.items():
        if current in sources and TRANSITIONS[(current, target)] & mine:
            out.append(action)
    return out


def check(db: Session, actor: Actor, incident: Incident, request: HelpRequest, action: Action) -> HelpState:
    """The target state of ``action``, or InvalidInput (wrong state) / PermissionDenied (wrong role)."""
    sources, target = ACTION_EDGES[action]
    current = HelpState(request.state)
    if current not in sources:
        raise InvalidInput(
            f"Das Hilfeersuchen ist „{HELP_STATE_LABELS_DE[current]}“; von dort geht es nicht zu "
            f"„{HELP_STATE_LABELS_DE[target]}“.",
            f"The help request is '{current.value}'; it cannot move to '{target.value}' from there.")
    if not TRANSITIONS[(current, target)] & roles(db, actor, incident, request):
        raise PermissionDenied(
            f"Sie dürfen das Hilfeersuchen nicht von „{HELP_STATE_LABELS_DE[current]}“ zu "
            f"„{HELP_STATE_LABELS_DE[target]}“ bewegen.",
            f"You may not move the help request from '{current.value}' to '{target.value}'.")
    return target
