"""Use cases of incidents (Vorfälle): report, read, the CERT's queue, and the work on a case.

Every incident is fetched through the sharing policy first (``get_incident``: invisible → 404);
who may change what is ``incidents.workflow``. Every change writes one timeline entry through
:func:`_record` — the single place where notifications attach.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, undefer

from kommcert.accounts.models import User
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.db import utcnow
from kommcert.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kommcert.files import Upload, check_uploads, describe
from kommcert.incidents import questions, workflow
from kommcert.incidents.models import (
    CATEGORY_LABELS_DE,
    Category,
    EventKind,
    Incident,
    IncidentAttachment,
    IncidentEvent,
    IncidentEvidence,
    IncidentObservable,
    IncidentParticipant,
    IncidentTask,
    ParticipantRole,
    Phase,
    Severity,
)
from kommcert.incidents.observables import normalise_observable
from kommcert.incidents.schemas import EvidenceCreate, IncidentCreate, ObservableCreate, TaskCreate
from kommcert.incidents.workflow import Right
from kommcert.orgs.models import Organization, OrgContact
from kommcert.sharing import policy
from kommcert.sharing import service as sharing_service
from kommcert.sharing.actor import Actor
from kommcert.sharing.models import ShareTarget
from kommcert.sharing.tlp import TLP

T = TypeVar("T", IncidentTask, IncidentObservable, IncidentAttachment, IncidentParticipant)
ALLOWED_TLP = frozenset({TLP.amber_strict, TLP.amber})
# A clock a few minutes fast on the reporter's phone is no reason to refuse a report.
FUTURE_SLACK = timedelta(minutes=10)
# Causes a closing may name (the awareness hook suggests a training for phishing and human error).
CLOSING_CAUSES = {"phishing": "Phishing", "human_error": "menschlicher Fehler", "technical": "technischer Fehler",
                  "other": "sonstige Ursache"}
_SHA256 = re.compile(r"[0-9a-f]{64}")


# ---------------------------------------------------------------- the timeline (the one hook)

def _record(db: Session, incident: Incident, kind: EventKind, actor: Actor, data: Mapping[str, Any] | None = None,
            body: str = "") -> IncidentEvent:
    """Write one timeline entry for a change of ``incident``. Every change goes through here, so
    this is where notifications (``kommcert.notifications``) attach."""
    event = IncidentEvent(incident_id=incident.id, kind=kind, actor_id=actor.user_id, actor_org_id=actor.org_id,
                          body=body, data=dict(data or {}))
    db.add(event)
    incident.updated_at = utcnow()
    db.flush()
    from kommcert.incidents import deadline_service

    deadline_service.on_change(db, incident, kind)  # the legal deadlines follow every change
    from kommcert.incidents import notifications as incident_notifications

    incident_notifications.announce(db, incident, event)  # who is told (in this transaction)
    from kommcert.awareness import suggestions as awareness_suggestions

    awareness_suggestions.on_incident_event(db, incident, event)  # closed by phishing: suggest a training
    return event


# ---------------------------------------------------------------- reporting and reading

def default_callback_phone(db: Session, org_id: int) -> str:
    """The organisation's first out-of-band number (``OrgContact.phone_out_of_band``), for the form."""
    return db.scalar(select(OrgContact.phone_out_of_band).where(
        OrgContact.org_id == org_id, OrgContact.phone_out_of_band.is_not(None), OrgContact.phone_out_of_band != "")
        .order_by(OrgContact.role, OrgContact.name).limit(1)) or ""


def _check_tlp(tlp: TLP) -> None:
    if tlp == TLP.red:
        raise InvalidInput("TLP:RED ist für Vorfälle nicht möglich: die CERTs müssen jeden Vorfall sehen.",
                           "TLP:RED is not possible for incidents: the CERTs must see every incident.")
    if tlp not in ALLOWED_TLP:
        raise InvalidInput("Ein Vorfall ist TLP:AMBER+STRICT oder TLP:AMBER, nie öffentlich.",
                           "An incident is TLP:AMBER+STRICT or TLP:AMBER, never public.")


def _not_in_future(when: datetime | None, what_de: str, what_en: str) -> None:
    if when is not None and when > utcnow() + FUTURE_SLACK:
        raise InvalidInput(f"{what_de} liegt in der Zukunft.", f"{what_en} is in the future.")


def report_incident(db: Session, *, actor: Actor, incident_in: IncidentCreate, uploads: Sequence[Upload] = (),
                    max_bytes: int) -> Incident:
    """A new incident of the actor's organisation, or — for the CERT hotline — of the organisation
    it reports for. Nothing is written unless all of it is acceptable."""
    if not actor.can_write or actor.org_id is None:
        raise PermissionDenied()
    _check_tlp(incident_in.tlp)
    owner_id = actor.org_id
    on_behalf = incident_in.on_behalf_of_org_id is not None and incident_in.on_behalf_of_org_id != actor.org_id
    if on_behalf:
        if not workflow.may_report_on_behalf(actor):
            raise PermissionDenied("Nur die Hotline eines CERT meldet für eine andere Organisation.",
                                   "Only a CERT's hotline reports for another organisation.")
        owner_id = incident_in.on_behalf_of_org_id  # type: ignore[assignment]
    owner = db.get(Organization, owner_id)
    if owner is None:
        raise InvalidInput("Unbekannte Organisation.", "Unknown organisation.")
    if on_behalf and owner.is_cert:
        raise InvalidInput("Ein CERT meldet eigene Vorfälle selbst, nicht für ein anderes CERT.",
                           "A CERT reports its own incidents itself, not on behalf of another CERT.")
    answers = questions.clean_answers(incident_in.answers)
    _not_in_future(incident_in.first_known_at, "Der Zeitpunkt des Notfalls", "The time of the incident")
    check_uploads(uploads, max_bytes)
    now = utcnow()
    phone = incident_in.callback_phone.strip() or default_callback_phone(db, owner.id)
    incident = Incident(
        title=incident_in.title.strip() or f"{CATEGORY_LABELS_DE[incident_in.category]} – {owner.name}",
        category=incident_in.category, severity=incident_in.severity, phase=Phase.reported,
        tlp=incident_in.tlp, upward=True, owner_org_id=owner.id, created_by_id=actor.user_id,
        reported_at=now, first_known_at=incident_in.first_known_at or now, updated_at=now,
        reporter_name=incident_in.reporter_name, reporter_id=None if on_behalf else actor.user_id,
        filed_by_id=actor.user_id, on_behalf=on_behalf, filed_by_org_id=actor.org_id if on_behalf else None,
        callback_phone=phone, answers=answers,
        ransom_note=incident_in.ransom_note, data_exfiltrated=incident_in.data_exfiltrated,
        citizen_services_down=incident_in.citizen_services_down,
        personal_data_affected=incident_in.personal_data_affected, bsig_answer=incident_in.bsig_answer,
        land_rules_in_scope=incident_in.land_rules_in_scope,
    )
    db.add(incident)
    db.flush()
    _record(db, incident, EventKind.reported, actor, {
        "on_behalf": on_behalf, "filed_by_org_id": actor.org_id, "category": str(incident.category),
        "severity": str(incident.severity)})
    _store_files(db, actor, incident, uploads)
    audit_service.record(db, AuditEvent(
        events.SHARED, actor_user_id=actor.user_id, org_id=owner.id, object_type="incident", object_id=incident.id,
        detail={"tlp": str(incident.tlp), "on_behalf": on_behalf}))
    return incident


def get_incident(db: Session, *, actor: Actor, incident_id: int, ip: str | None = None) -> Incident:
    """An incident the actor may see; anything else is "not found"."""
    return sharing_service.get_or_404(db, Incident, incident_id, actor, ip=ip)


def list_incidents(db: Session, *, actor: Actor, mine: bool = False, open_only: bool = False, limit: int = 50,
                   before_id: int | None = None) -> Sequence[Incident]:
    """Incidents the actor sees, newest first; ``mine``: those of the actor's own organisation."""
    stmt = select(Incident).order_by(Incident.id.desc()).limit(min(max(limit, 1), 500))
    if mine:
        stmt = stmt.where(Incident.owner_org_id == actor.org_id)
    if open_only:
        stmt = stmt.where(Incident.phase.not_in([Phase.closed, Phase.rejected, Phase.duplicate]))
    if before_id is not None:
        stmt = stmt.where(Incident.id < before_id)
    return db.scalars(policy.visible(stmt, Incident, actor)).all()


@dataclass(frozen=True)
class QueueItem:
    incident: Incident
    owner_name: str
    age: timedelta
    new: bool
    unassigned: bool


def queue(db: Session, *, actor: Actor, now: datetime | None = None, limit: int = 500) -> list[QueueItem]:
    """The CERT's queue: open incidents, new (not triaged) first, then unassigned, then by severity
    (highest first) and age (oldest first)."""
    if not actor.is_cert:
        raise PermissionDenied("Die Warteschlange ist für die CERTs.", "The queue is for the CERTs.")
    now = now or utcnow()
    stmt = (select(Incident, Organization.name).join(Organization, Organization.id == Incident.owner_org_id)
            .where(Incident.phase.not_in([Phase.closed, Phase.rejected, Phase.duplicate]))
            .order_by(Incident.reported_at).limit(limit))
    rows = db.execute(policy.visible(stmt, Incident, actor)).all()
    items = [QueueItem(i, name, now - i.reported_at, i.phase == Phase.reported, i.assignee_id is None)
             for i, name in rows]
    items.sort(key=lambda q: (not q.new, not q.unassigned, -Severity(q.incident.severity).rank,
                              q.incident.reported_at))
    return items


# ---------------------------------------------------------------- triage and workflow

def _cert_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None or not user.is_active or not user.org.is_cert:
        raise InvalidInput("Zuweisen nur an aktive Personen eines CERT.", "Assign only to active CERT users.")
    return user


def _assign(db: Session, actor: Actor, incident: Incident, assignee_id: int | None, *, claimed: bool) -> Incident:
    old = incident.assignee_id
    if assignee_id is not None:
        _cert_user(db, assignee_id)
    if old != assignee_id:
        incident.assignee_id = assignee_id
        _record(db, incident, EventKind.assigned, actor, {"from": old, "to": assignee_id, "claimed": claimed})
    return incident


def claim(db: Session, *, actor: Actor, incident_id: int) -> Incident:
    """The acting CERT user takes the incident."""
    incident = get_incident(db, actor=actor, incident_id=incident_id)
    workflow.require(db, actor, incident, Right.claim)
    if actor.user_id is None:
        raise PermissionDenied()
    return _assign(db, actor, incident, actor.user_id, claimed=True)


def assign(db: Session, *, actor: Actor, incident_id: int, assignee_id: int | None) -> Incident:
    incident = get_incident(db, actor=actor, incident_id=incident_id)
    workflow.require(db, actor, incident, Right.assign)
    return _assign(db, actor, incident, assignee_id, claimed=False)


def change_phase(db: Session, *, actor: Actor, incident_id: int, phase: Phase, note: str = "",
                 cause: str = "") -> Incident:
    """``cause`` (one of ``CLOSING_CAUSES``, only when closing) lands in the timeline entry, where the
    awareness hook reads it (phishing or a human error suggests a training)."""
    incident = get_incident(db, actor=actor, incident_id=incident_id)
    if cause and (phase != Phase.closed or cause not in CLOSING_CAUSES):
        raise InvalidInput("Eine Ursache wird nur beim Abschluss angegeben, aus der Liste.",
                           "A cause is given only when closing, from the list.")
    if phase == Phase.duplicate:
        raise InvalidInput("Ein Duplikat wird mit dem Vorfall zusammengeführt, den es doppelt (duplicate_of_id).",
                           "A duplicate is merged into the incident it duplicates (duplicate_of_id).")
    workflow.check_transition(db, actor, incident, phase)
    old = Phase(incident.phase)
    incident.phase = phase
    incident.closed_at = utcnow() if phase.is_final else None
    _record(db, incident, EventKind.phase_changed, actor,
            {"from": str(old), "to": str(phase), **({"cause": cause} if cause else {})}, body=note.strip())
    return incident


def classify(db: Session, *, actor: Actor, incident_id: int, severity: Severity | None = None,
             category: Category | None = None) -> Incident:
    """Set severity and/or category (CERT triage)."""
    incident = get_incident(db, actor=actor, incident_id=incident_id)
    workflow.require(db, actor, incident, Right.triage)
    if severity is not None and severity != incident.severity:
        old = incident.severity
        incident.severity = severity
        _record(db, incident, EventKind.severity_changed, actor, {"from": str(old), "to": str(severity)})
    if category is not None and category != incident.category:
        old = incident.category
        incident.category = category
        _record(db, incident, EventKind.category_changed, actor, {"from": str(old), "to": str(category)})
    return incident


def merge_duplicate(db: Session, *, actor: Actor, incident_id: int, duplicate_of_id: int) -> Incident:
    """Mark ``incident_id`` as a duplicate of ``duplicate_of_id``: the original takes over its
    observables, and the duplicate's organisation takes part in the original (so it keeps seeing it)."""
    incident = get_incident(db, actor=actor, incident_id=incident_id)
    workflow.require(db, actor, incident, Right.merge_duplicate)
    target = get_incident(db, actor=actor, incident_id=duplicate_of_id)
    if target.id == incident.id:
        raise InvalidInput("Ein Vorfall ist kein Duplikat seiner selbst.", "An incident is no duplicate of itself.")
    if not target.is_open:
        raise InvalidInput("Der Zielvorfall ist bereits abgeschlossen, abgelehnt oder selbst ein Duplikat.",
                           "The target incident is already closed, rejected or a duplicate itself.")
    workflow.check_transition(db, actor, incident, Phase.duplicate)
    old = Phase(incident.phase)
    incident.phase = Phase.duplicate
    incident.duplicate_of_id = target.id
    incident.closed_at = utcnow()
    _record(db, incident, EventKind.marked_duplicate, actor, {"from": str(old), "to": str(Phase.duplicate),
                                                               "duplicate_of_id": target.id})
    known = {(str(t), v) for t, v in db.execute(select(IncidentObservable.type, IncidentObservable.value)
                                                .where(IncidentObservable.incident_id == target.id))}
    moved = 0
    for obs in db.scalars(select(IncidentObservable).where(IncidentObservable.incident_id == incident.id)):
        if (str(obs.type), obs.value) not in known:
            db.add(IncidentObservable(incident_id=target.id, type=obs.type, value=obs.value,
                                      indicator_type=obs.indicator_type, description=obs.description,
                                      share=obs.share, org_id=obs.org_id, added_by_id=obs.added_by_id))
            moved += 1
    if incident.owner_org_id != target.owner_org_id and _participant(db, target, incident.owner_org_id) is None:
        _add_participant(db, actor, target, incident.owner_org_id, ParticipantRole.affected)
    _record(db, target, EventKind.duplicate_merged, actor, {"duplicate_id": incident.id, "observables": moved})
    return incident


# ---------------------------------------------------------------- participants

def _participant(db: Session, incident: Incident, org_id: int) -> IncidentParticipant | None:
    return db.scalar(select(IncidentParticipant).where(IncidentParticipant.incident_id == incident.id,
                                                       IncidentParticipant.org_id == org_id))


def _add_participant(db: Session, actor: Actor, incident: Incident, org_id: int,
                     role: ParticipantRole) -> IncidentParticipant:
    """One more organisation in the audience: a share target is ADDED, the audience never replaced."""
    participant = IncidentParticipant(incident_id=incident.id, org_id=org_id, role=role, added_by_id=actor.user_id)
    db.add(participant)
    if db.scalar(select(ShareTarget.id).where(
            ShareTarget.object_type == Incident.__share_type__, ShareTarget.object_id == incident.id,
            ShareTarget.org_id == org_id)) is None:
        db.add(ShareTarget(object_type=Incident.__share_type__, object_id=incident.id, org_id=org_id,
                           include_subtree=False))
    db.flush()
    _record(db, incident, EventKind.participant_added, actor, {"org_id": org_id, "role": str(role)})
    return participant


def add_participant(db: Session, *, actor: Actor, incident_id: int, org_id: int,
                    role: ParticipantRole = ParticipantRole.support) -> IncidentParticipant:
    incident = get_incident(db, actor=actor, incident_id=incident_id)
    workflow.require(db, actor, incident, Right.participants)
    if db.get(Organization, org_id) is None:
        raise InvalidInput("Unbekannte Organisation.", "Unknown organisation.")
    if org_id == incident.owner_org_id:
        raise InvalidInput("Die betroffene Organisation ist schon dabei.",
                           "The affected organisation takes part anyway.")
    if _participant(db, incident, org_id) is not None:
        raise Conflict("Diese Organisation ist schon beteiligt.", "This organisation already takes part.")
    return _add_participant(db, actor, incident, org_id, role)


def record_help(db: Session, incident: Incident, kind: EventKind, actor: Actor, data: Mapping[str, Any],
                body: str = "") -> IncidentEvent:
    """A timeline entry of the help chain (``kommcert.helprequests``) on an incident the caller fetched
    through the policy and checked the actor's right for."""
    if not str(kind).startswith("help_"):
        raise ValueError(f"not a help chain entry: {kind}")
    return _record(db, incident, kind, actor, data, body=body)


def add_provider(db: Session, *, actor: Actor, incident: Incident, org_id: int) -> IncidentParticipant | None:
    """The help chain's assignee (a provider or the MIRT) joins the incident's audience as a participant
    with the role ``provider`` (no other right). The caller (``helprequests.service``) checked that the
    actor is a CERT writer of this visible incident. None if the organisation takes part already."""
    if org_id == incident.owner_org_id or _participant(db, incident, org_id) is not None:
        return None
    return _add_participant(db, actor, incident, org_id, ParticipantRole.provider)


def remove_provider(db: Session, *, actor: Actor, incident: Incident, org_id: int) -> None:
    """The assignee leaves the incident's audience again, if it takes part only as the provider."""
    participant = _participant(db, incident, org_id)
    if participant is None or participant.role != ParticipantRole.provider:
        return
    db.execute(delete(ShareTarget).where(
        ShareTarget.object_type == Incident.__share_type__, ShareTarget.object_id == incident.id,
        ShareTarget.org_id == org_id, ShareTarget.include_subtree.is_(False)))
    db.delete(participant)
    db.flush()
    _record(db, incident, EventKind.participant_removed, actor, {"org_id": org_id, "role": str(participant.role)})


def remove_participant(db: Session, *, actor: Actor, incident_id: int, participant_id: int) -> None:
    """The organisation leaves the incident and its audience (only its own entry)."""
    incident = get_incident(db, actor=actor, incident_id=incident_id)
    workflow.require(db, actor, incident, Right.participants)
    participant = _part(db, IncidentParticipant, participant_id, incident)
    db.execute(delete(ShareTarget).where(
        ShareTarget.object_type == Incident.__share_type__, ShareTarget.object_id == incident.id,
        ShareTarget.org_id == participant.org_id, ShareTarget.include_subtree.is_(False)))
    org_id, role = participant.org_id, participant.role
    db.delete(participant)
    db.flush()
    _record(db, incident, EventKind.participant_removed, actor, {"org_id": org_id, "role": str(role)})


# ---------------------------------------------------------------- notes and tasks

def add_note(db: Session, *, actor: Actor, incident_id: int, body: str) -> IncidentEvent:
    incident = get_incident(db, actor=actor, incident_id=incident_id)
    workflow.require(db, actor, incident, Right.note)
    body = body.strip()
    if not body:
        raise InvalidInput("Bitte einen Text schreiben.", "Please write a text.")
    if len(body) > 20_000:
        raise InvalidInput("Die Notiz ist zu lang.", "The note is too long.")
    return _record(db, incident, EventKind.note, actor, body=body)


def add_task(db: Session, *, actor: Actor, incident_id: int, task_in: TaskCreate) -> IncidentTask:
    incident = get_incident(db, actor=actor, incident_id=incident_id)
    workflow.require(db, actor, incident, Right.task)
    if task_in.assignee_id is not None:
        _may_see(db, incident, task_in.assignee_id)
    task = IncidentTask(incident_id=incident.id, title=task_in.title, due_at=task_in.due_at,
                        assignee_id=task_in.assignee_id, created_by_id=actor.user_id)
    db.add(task)
    db.flush()
    _record(db, incident, EventKind.task_added, actor, {"task_id": task.id, "title": task.title,
                                                        "assignee_id": task.assignee_id,
                                                        "due_at": task.due_at.isoformat() if task.due_at else None})
    return task


def set_task_done(db: Session, *, actor: Actor, incident_id: int, task_id: int, done: bool) -> IncidentTask:
    incident = get_incident(db, actor=actor, incident_id=incident_id)
    task = _part(db, IncidentTask, task_id, incident)
    own_task = actor.user_id is not None and actor.user_id == task.assignee_id and actor.can_write
    if not own_task:
        workflow.require(db, actor, incident, Right.task)
    if done != task.done:
        task.done_at = utcnow() if done else None
        task.done_by_id = actor.user_id if done else None
        _record(db, incident, EventKind.task_done if done else EventKind.task_reopened, actor,
                {"task_id": task.id, "title": task.title})
    return task


def _may_see(db: Session, incident: Incident, user_id: int) -> None:
    from kommcert.accounts import service as accounts_service

    user = db.get(User, user_id)
    if user is None or not user.is_active or not policy.can(db, accounts_service.actor_for(db, user), policy.VIEW,
                                                            incident):
        raise InvalidInput("Diese Person sieht den Vorfall nicht und kann die Aufgabe nicht übernehmen.",
                           "This person does not see the incident and cannot take the task.")


# ---------------------------------------------------------------- observables

def add_observable(db: Session, *, actor: Actor, incident_id: int,
                   observable_in: ObservableCreate) -> IncidentObservable:
    incident = get_incident(db, actor=actor, incident_id=incident_id)
    workflow.require(db, actor, incident, Right.observable)
    if observable_in.share:
        workflow.require(db, actor, incident, Right.mark_share)
    value, indicator_type = normalise_observable(observable_in.type, observable_in.value)
    if db.scalar(select(IncidentObservable.id).where(
            IncidentObservable.incident_id == incident.id, IncidentObservable.type == observable_in.type,
            IncidentObservable.value == value)) is not None:
        raise Conflict(f"„{value[:80]}“ ist bei diesem Vorfall schon erfasst.",
                       f"'{value[:80]}' is already recorded for this incident.")
    observable = IncidentObservable(incident_id=incident.id, type=observable_in.type, value=value,
                                    indicator_type=indicator_type, description=observable_in.description.strip(),
                                    share=observable_in.share, org_id=actor.org_id, added_by_id=actor.user_id)
    db.add(observable)
    db.flush()
    _record(db, incident, EventKind.observable_added, actor, {"observable_id": observable.id,
                                                              "type": str(observable.type), "share": observable.share})
    return observable


def set_observable_share(db: Session, *, actor: Actor, incident_id: int, observable_id: int,
                         share: bool) -> IncidentObservable:
    incident = get_incident(db, actor=actor, incident_id=incident_id)
    workflow.require(db, actor, incident, Right.mark_share)
    observable = _part(db, IncidentObservable, observable_id, incident)
    if observable.share != share:
        observable.share = share
        _record(db, incident, EventKind.observable_share_marked, actor,
                {"observable_id": observable.id, "share": share})
    return observable


def remove_observable(db: Session, *, actor: Actor, incident_id: int, observable_id: int) -> None:
    incident = get_incident(db, actor=actor, incident_id=incident_id)
    workflow.require(db, actor, incident, Right.observable)
    observable = _part(db, IncidentObservable, observable_id, incident)
    detail = {"observable_id": observable.id, "type": str(observable.type)}
    db.delete(observable)
    db.flush()
    _record(db, incident, EventKind.observable_removed, actor, detail)


# ---------------------------------------------------------------- evidence and files

def add_evidence(db: Session, *, actor: Actor, incident_id: int, evidence_in: EvidenceCreate) -> IncidentEvidence:
    incident = get_incident(db, actor=actor, incident_id=incident_id)
    workflow.require(db, actor, incident, Right.evidence)
    sha256 = (evidence_in.sha256 or "").strip().lower() or None
    if sha256 is not None and not _SHA256.fullmatch(sha256):
        raise InvalidInput("Der SHA-256-Wert muss aus 64 Hexadezimalzeichen bestehen.",
                           "The SHA-256 value must be 64 hexadecimal characters.")
    _not_in_future(evidence_in.handed_at, "Der Übergabezeitpunkt", "The handover time")
    evidence = IncidentEvidence(
        incident_id=incident.id, description=evidence_in.description, location=evidence_in.location,
        sha256=sha256, handed_from=evidence_in.handed_from.strip(), handed_to=evidence_in.handed_to.strip(),
        handed_at=evidence_in.handed_at, org_id=actor.org_id, recorded_by_id=actor.user_id)
    db.add(evidence)
    db.flush()
    _record(db, incident, EventKind.evidence_added, actor, {"evidence_id": evidence.id, "sha256": sha256})
    return evidence


def _store_files(db: Session, actor: Actor, incident: Incident, uploads: Sequence[Upload]) -> list[IncidentAttachment]:
    stored = []
    for upload in uploads:
        meta = describe(upload)
        attachment = IncidentAttachment(
            incident_id=incident.id, org_id=actor.org_id, uploaded_by_id=actor.user_id, filename=meta.filename,
            content_type=meta.content_type, size=meta.size, sha256=meta.sha256, content=upload.data)
        db.add(attachment)
        db.flush()
        # The name stays out of the timeline data (it may say more than the incident's audience should).
        _record(db, incident, EventKind.attachment_added, actor, {"attachment_id": attachment.id,
                                                                  "size": meta.size, "sha256": meta.sha256})
        stored.append(attachment)
    return stored


def add_attachments(db: Session, *, actor: Actor, incident_id: int, uploads: Sequence[Upload],
                    max_bytes: int) -> list[IncidentAttachment]:
    incident = get_incident(db, actor=actor, incident_id=incident_id)
    workflow.require(db, actor, incident, Right.attachment)
    if not uploads:
        raise InvalidInput("Bitte eine Datei wählen.", "Please choose a file.")
    check_uploads(uploads, max_bytes)
    return _store_files(db, actor, incident, uploads)


def get_attachment(db: Session, *, actor: Actor, incident_id: int, attachment_id: int,
                   ip: str | None = None) -> IncidentAttachment:
    """One file with its bytes, for download; the download is audited."""
    incident = get_incident(db, actor=actor, incident_id=incident_id, ip=ip)
    attachment = db.scalar(select(IncidentAttachment).options(undefer(IncidentAttachment.content)).where(
        IncidentAttachment.id == attachment_id, IncidentAttachment.incident_id == incident.id))
    if attachment is None:
        raise NotFound()
    audit_service.record(db, AuditEvent(
        events.ATTACHMENT_DOWNLOADED, actor_user_id=actor.user_id, org_id=incident.owner_org_id,
        object_type="incident", object_id=incident.id, ip=ip,
        detail={"attachment_id": attachment.id, "size": attachment.size, "sha256": attachment.sha256}))
    return attachment


def _part(db: Session, model: type[T], object_id: int, incident: Incident) -> T:
    """A part of this incident (the caller fetched the incident through the policy)."""
    found = db.scalar(select(model).where(model.id == object_id, model.incident_id == incident.id))
    if found is None:
        raise NotFound()
    return found


# ---------------------------------------------------------------- the whole case

@dataclass(frozen=True)
class Case:
    incident: Incident
    allowed_phases: list[Phase]
    participants: list[IncidentParticipant]
    tasks: list[IncidentTask]
    timeline: list[IncidentEvent]
    observables: list[IncidentObservable]
    evidence: list[IncidentEvidence]
    attachments: list[IncidentAttachment]


def case(db: Session, *, actor: Actor, incident_id: int, ip: str | None = None) -> Case:
    """The incident with all its parts, oldest first (the timeline too)."""
    incident = get_incident(db, actor=actor, incident_id=incident_id, ip=ip)

    def parts(model: Any) -> list[Any]:
        return list(db.scalars(select(model).where(model.incident_id == incident.id).order_by(model.id)))

    return Case(incident, workflow.allowed_phases(db, actor, incident), parts(IncidentParticipant),
                parts(IncidentTask), parts(IncidentEvent), parts(IncidentObservable), parts(IncidentEvidence),
                parts(IncidentAttachment))


# ---------------------------------------------------------------- for the deadline rules

def deadline_attributes(db: Session, incident: Incident) -> dict[str, object]:
    """The attributes the deadline rules test (names fixed in the incidents contract)."""
    owner = db.get(Organization, incident.owner_org_id)
    assert owner is not None
    return {
        "category": str(incident.category), "severity": str(incident.severity),
        "personal_data_affected": bool(incident.personal_data_affected),
        "data_exfiltrated": bool(incident.data_exfiltrated),
        "citizen_services_down": bool(incident.citizen_services_down), "ransom_note": bool(incident.ransom_note),
        "bsig_in_scope": bool(owner.bsig_in_scope or incident.bsig_answer),
        "land_rules_in_scope": bool(incident.land_rules_in_scope), "org_kind": str(owner.kind),
    }


def deadline_anchors(incident: Incident) -> dict[str, datetime]:
    """The time anchors of the deadline rules (``deadline:<key>`` anchors come from stored deadlines)."""
    return {"first_known_at": incident.first_known_at, "reported_at": incident.reported_at}



# ---------------------------------------------------------------- for the pages (names and choices)

def names(db: Session, *, user_ids: Sequence[int | None] = (),
          org_ids: Sequence[int | None] = ()) -> tuple[dict[int, str], dict[int, str]]:
    """Display names of the users and organisations a case mentions (the caller shows only what
    belongs to an incident it fetched through the policy)."""
    users = {i for i in user_ids if i is not None}
    orgs = {i for i in org_ids if i is not None}
    user_names = dict(db.execute(select(User.id, User.name).where(User.id.in_(users))).tuples().all()) if users else {}
    org_names = dict(db.execute(select(Organization.id, Organization.name).where(Organization.id.in_(orgs)))
                     .tuples().all()) if orgs else {}
    return user_names, org_names


def case_names(db: Session, found: Case) -> tuple[dict[int, str], dict[int, str]]:
    """The names of everyone and every organisation a case page shows."""
    incident = found.incident
    user_ids = [incident.assignee_id, incident.reporter_id, incident.filed_by_id,
                *(e.actor_id for e in found.timeline), *(t.assignee_id for t in found.tasks),
                *(t.done_by_id for t in found.tasks), *(e.recorded_by_id for e in found.evidence),
                *(a.uploaded_by_id for a in found.attachments)]
    org_ids = [incident.owner_org_id, incident.filed_by_org_id, *(p.org_id for p in found.participants),
               *(e.actor_org_id for e in found.timeline), *(e.org_id for e in found.evidence)]
    return names(db, user_ids=user_ids, org_ids=org_ids)


def assignable_users(db: Session) -> list[User]:
    """The active users of the CERTs, for "assign to" (``assign`` checks the choice again)."""
    from kommcert.orgs.models import CERT_KINDS

    return list(db.scalars(select(User).join(Organization, Organization.id == User.org_id).where(
        User.is_active.is_(True), Organization.kind.in_([str(k) for k in CERT_KINDS])).order_by(User.name)))


def reportable_orgs(db: Session) -> list[Organization]:
    """The organisations the CERT hotline may report for (every one but the CERTs), by name."""
    from kommcert.orgs.models import CERT_KINDS

    return list(db.scalars(select(Organization).where(Organization.kind.not_in([str(k) for k in CERT_KINDS]))
                           .order_by(Organization.name)))
