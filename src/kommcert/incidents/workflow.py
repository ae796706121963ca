"""Who may do what with an incident: the phase transitions and the write rights, as tables.

Everything here sits on top of the sharing policy: an actor who may not see the incident
(``policy.can(VIEW)``) has no role at all and gets "not found". Roles are computed per incident:

* ``cert`` – a writer of a CERT organisation (triage, the hotline, the whole case);
* ``owner_writer`` – a writer of the affected organisation (the owner);
* ``assignee`` – the CERT user the incident is assigned to;
* ``participant`` – a writer of an organisation taking part (another affected org, a helper).

The owner's ancestors (VG, Kreis, Land) see the incident and write nothing: they are kept informed.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.errors import InvalidInput, PermissionDenied
from kommcert.incidents.models import PHASE_LABELS_DE, Incident, IncidentParticipant, Phase
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor


class Role(StrEnum):
    cert = "cert"
    owner_writer = "owner_writer"
    assignee = "assignee"
    participant = "participant"


CERT, OWNER, ASSIGNEE, PARTICIPANT = Role.cert, Role.owner_writer, Role.assignee, Role.participant
P = Phase

# (from, to) -> the roles that may move the incident along this edge.
TRANSITIONS: dict[tuple[Phase, Phase], frozenset[Role]] = {
    (P.reported, P.triage): frozenset({CERT}),
    (P.triage, P.containment): frozenset({CERT, ASSIGNEE}),
    (P.triage, P.rejected): frozenset({CERT}),
    (P.triage, P.duplicate): frozenset({CERT}),
    # A duplicate is often plain in the queue already, before anyone triaged it.
    (P.reported, P.duplicate): frozenset({CERT}),
    (P.containment, P.eradication): frozenset({CERT, ASSIGNEE, OWNER}),
    (P.eradication, P.recovery): frozenset({CERT, ASSIGNEE, OWNER}),
    (P.recovery, P.lessons): frozenset({CERT, ASSIGNEE, OWNER}),
    (P.lessons, P.closed): frozenset({CERT, ASSIGNEE}),
    # Back to containment when the attacker is found again (re-infection).
    (P.eradication, P.containment): frozenset({CERT, ASSIGNEE, OWNER}),
    (P.recovery, P.containment): frozenset({CERT, ASSIGNEE, OWNER}),
}


class Right(StrEnum):
    report_on_behalf = "report_on_behalf"  # the hotline files for a municipality whose IT is down
    triage = "triage"  # severity, category
    claim = "claim"  # take the incident as the acting CERT user
    assign = "assign"
    merge_duplicate = "merge_duplicate"
    participants = "participants"
    note = "note"
    task = "task"
    observable = "observable"
    mark_share = "mark_share"  # mark observables for publication to every municipality
    publish = "publish"  # publish the marked observables as a community report of the CERT
    evidence = "evidence"
    attachment = "attachment"


# The write rights beyond "the owner organisation writes".
RIGHTS: dict[Right, frozenset[Role]] = {
    Right.report_on_behalf: frozenset({CERT}),
    Right.triage: frozenset({CERT, ASSIGNEE}),
    Right.claim: frozenset({CERT}),
    Right.assign: frozenset({CERT}),
    Right.merge_duplicate: frozenset({CERT}),
    Right.participants: frozenset({CERT, ASSIGNEE, OWNER}),
    Right.note: frozenset({CERT, ASSIGNEE, OWNER, PARTICIPANT}),
    Right.task: frozenset({CERT, ASSIGNEE, OWNER}),
    Right.observable: frozenset({CERT, ASSIGNEE, OWNER, PARTICIPANT}),
    Right.mark_share: frozenset({CERT, ASSIGNEE}),
    Right.publish: frozenset({CERT}),
    Right.evidence: frozenset({CERT, ASSIGNEE, OWNER, PARTICIPANT}),
    Right.attachment: frozenset({CERT, ASSIGNEE, OWNER, PARTICIPANT}),
}

DENIED_DE = {
    Right.triage: "Schweregrad und Kategorie setzt das CERT.",
    Right.claim: "Nur ein CERT kann einen Vorfall übernehmen.",
    Right.assign: "Nur ein CERT kann einen Vorfall zuweisen.",
    Right.merge_duplicate: "Nur ein CERT kann Duplikate zusammenführen.",
    Right.mark_share: "Nur das CERT gibt Beobachtungen zum Teilen frei.",
    Right.publish: "Nur ein CERT veröffentlicht Beobachtungen eines Vorfalls.",
}
DENIED_EN = {
    Right.triage: "Severity and category are set by the CERT.",
    Right.claim: "Only a CERT can take an incident.",
    Right.assign: "Only a CERT can assign an incident.",
    Right.merge_duplicate: "Only a CERT can merge duplicates.",
    Right.mark_share: "Only the CERT releases observables for sharing.",
    Right.publish: "Only a CERT publishes the observables of an incident.",
}


def may_report_on_behalf(actor: Actor) -> bool:
    """Not about an existing incident: the actor's own organisation decides the role."""
    return actor.is_cert and actor.can_write and CERT in RIGHTS[Right.report_on_behalf]


def roles(db: Session, actor: Actor, incident: Incident) -> frozenset[Role]:
    """The actor's roles on this incident; none for whoever may not see it or may not write."""
    if not actor.can_write or not policy.can(db, actor, policy.VIEW, incident):
        return frozenset()
    found: set[Role] = set()
    if actor.is_cert:
        found.add(CERT)
    if actor.org_id is not None and actor.org_id == incident.owner_org_id:
        found.add(OWNER)
    if actor.user_id is not None and actor.user_id == incident.assignee_id:
        found.add(ASSIGNEE)
    if actor.org_id is not None and db.scalar(select(IncidentParticipant.id).where(
            IncidentParticipant.incident_id == incident.id, IncidentParticipant.org_id == actor.org_id)) is not None:
        found.add(PARTICIPANT)
    return frozenset(found)


def has_right(db: Session, actor: Actor, incident: Incident, right: Right) -> bool:
    return bool(roles(db, actor, incident) & RIGHTS[right])


def require(db: Session, actor: Actor, incident: Incident, right: Right) -> None:
    """PermissionDenied unless the actor holds the right (the caller fetched the incident visibly)."""
    if not has_right(db, actor, incident, right):
        raise PermissionDenied(DENIED_DE.get(right, "Keine Berechtigung für diesen Vorfall."),
                               DENIED_EN.get(right, "No permission for this incident."))


def allowed_phases(db: Session, actor: Actor, incident: Incident) -> list[Phase]:
    """The phases this actor may move the incident to now (for buttons)."""
    mine = roles(db, actor, incident)
    current = Phase(incident.phase)
    return [to for (frm, to), who in TRANSITIONS.items() if frm == current and who & mine]


def check_transition(db: Session, actor: Actor, incident: Incident, to: Phase) -> None:
    current = Phase(incident.phase)
    who = TRANSITIONS.get((current, to))
    if who is None:
        raise InvalidInput(
            f"Von „{PHASE_LABELS_DE[current]}“ geht es nicht zu „{PHASE_LABELS_DE[to]}“.",
            f"An incident cannot move from '{current.value}' to '{to.value}'.")
    if not who & roles(db, actor, incident):
        raise PermissionDenied(
            f"Sie dürfen den Vorfall nicht von „{PHASE_LABELS_DE[current]}“ zu „{PHASE_LABELS_DE[to]}“ bewegen.",
            f"You may not move the incident from '{current.value}' to '{to.value}'.")
