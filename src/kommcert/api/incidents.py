"""Incidents (Vorfälle) under /api/v1/incidents: report, read, the CERT's queue, work on the case.

Every route fetches the incident through the sharing policy first (a user who may not see it gets
404 on the incident and on every part); who may change what is ``incidents.workflow``.
"""

from __future__ import annotations

from fastapi import APIRouter, File, Query, Request, Response, UploadFile

from kommcert.api.auth import UserActor, WriterActor
from kommcert.deps import DbSession, SettingsDep, client_ip, file_download
from kommcert.files import Upload
from kommcert.incidents import service
from kommcert.incidents.schemas import (
    Assignment,
    CaseRead,
    Classification,
    DuplicateMark,
    EventRead,
    EvidenceCreate,
    EvidenceRead,
    IncidentAttachmentRead,
    IncidentCreate,
    IncidentPage,
    IncidentRead,
    NoteCreate,
    ObservableCreate,
    ObservableRead,
    ObservableUpdate,
    ParticipantCreate,
    ParticipantRead,
    PhaseChange,
    QueueItemRead,
    TaskCreate,
    TaskRead,
    TaskUpdate,
)
from kommcert.validation import Id

router = APIRouter(prefix="/incidents", tags=["incidents"])


@router.post("", response_model=IncidentRead, status_code=201)
def report_incident(db: DbSession, actor: WriterActor, settings: SettingsDep,
                    incident_in: IncidentCreate) -> IncidentRead:
    """Report an incident of your organisation (CERT hotline: ``on_behalf_of_org_id`` for another one).
    Files (ransom note, screenshots) follow with ``POST /incidents/{id}/attachments``."""
    incident = service.report_incident(db, actor=actor, incident_in=incident_in,
                                       max_bytes=settings.max_attachment_bytes)
    return IncidentRead.model_validate(incident)


@router.get("", response_model=IncidentPage)
def list_incidents(
    db: DbSession, actor: UserActor, mine: bool = Query(False, description="Only your organisation's incidents."),
    open_only: bool = Query(False, description="Without closed, rejected and duplicate incidents."),
    limit: int = Query(50, ge=1, le=500), before_id: Id | None = None,
) -> IncidentPage:
    items = service.list_incidents(db, actor=actor, mine=mine, open_only=open_only, limit=limit,
                                   before_id=before_id)
    return IncidentPage(items=[IncidentRead.model_validate(i) for i in items],
                        next_before_id=items[-1].id if len(items) == limit else None)


@router.get("/queue", response_model=list[QueueItemRead])
def read_queue(db: DbSession, actor: UserActor) -> list[QueueItemRead]:
    """The CERT's queue: open incidents, new and unassigned first, then by severity and age."""
    return [QueueItemRead(incident=IncidentRead.model_validate(q.incident), owner_name=q.owner_name,
                          age_seconds=int(q.age.total_seconds()), new=q.new, unassigned=q.unassigned)
            for q in service.queue(db, actor=actor)]


@router.get("/{incident_id}", response_model=IncidentRead)
def read_incident(incident_id: Id, request: Request, db: DbSession, actor: UserActor) -> IncidentRead:
    return IncidentRead.model_validate(service.get_incident(db, actor=actor, incident_id=incident_id,
                                                            ip=client_ip(request)))


@router.get("/{incident_id}/case", response_model=CaseRead)
def read_case(incident_id: Id, request: Request, db: DbSession, actor: UserActor) -> CaseRead:
    """The incident with participants, tasks, timeline, observables, evidence records and files."""
    found = service.case(db, actor=actor, incident_id=incident_id, ip=client_ip(request))
    return CaseRead(
        incident=IncidentRead.model_validate(found.incident), allowed_phases=found.allowed_phases,
        participants=[ParticipantRead.model_validate(p) for p in found.participants],
        tasks=[TaskRead.model_validate(t) for t in found.tasks],
        timeline=[EventRead.model_validate(e) for e in found.timeline],
        observables=[ObservableRead.model_validate(o) for o in found.observables],
        evidence=[EvidenceRead.model_validate(e) for e in found.evidence],
        attachments=[IncidentAttachmentRead.model_validate(a) for a in found.attachments])


@router.post("/{incident_id}/phase", response_model=IncidentRead)
def change_phase(incident_id: Id, db: DbSession, actor: WriterActor, change: PhaseChange) -> IncidentRead:
    return IncidentRead.model_validate(service.change_phase(db, actor=actor, incident_id=incident_id,
                                                            phase=change.phase, note=change.note,
                                                            cause=change.cause))


@router.post("/{incident_id}/classification", response_model=IncidentRead)
def classify(incident_id: Id, db: DbSession, actor: WriterActor, change: Classification) -> IncidentRead:
    """Severity and/or category (CERT triage)."""
    return IncidentRead.model_validate(service.classify(db, actor=actor, incident_id=incident_id,
                                                        severity=change.severity, category=change.category))


@router.post("/{incident_id}/claim", response_model=IncidentRead)
def claim(incident_id: Id, db: DbSession, actor: WriterActor) -> IncidentRead:
    """Take the incident yourself (CERT)."""
    return IncidentRead.model_validate(service.claim(db, actor=actor, incident_id=incident_id))


@router.post("/{incident_id}/assign", response_model=IncidentRead)
def assign(incident_id: Id, db: DbSession, actor: WriterActor, assignment: Assignment) -> IncidentRead:
    return IncidentRead.model_validate(service.assign(db, actor=actor, incident_id=incident_id,
                                                      assignee_id=assignment.assignee_id))


@router.post("/{incident_id}/duplicate", response_model=IncidentRead)
def merge_duplicate(incident_id: Id, db: DbSession, actor: WriterActor, mark: DuplicateMark) -> IncidentRead:
    """Mark this incident as a duplicate of another (CERT)."""
    return IncidentRead.model_validate(service.merge_duplicate(db, actor=actor, incident_id=incident_id,
                                                               duplicate_of_id=mark.duplicate_of_id))


@router.post("/{incident_id}/notes", response_model=EventRead, status_code=201)
def add_note(incident_id: Id, db: DbSession, actor: WriterActor, note: NoteCreate) -> EventRead:
    return EventRead.model_validate(service.add_note(db, actor=actor, incident_id=incident_id, body=note.body))


@router.post("/{incident_id}/tasks", response_model=TaskRead, status_code=201)
def add_task(incident_id: Id, db: DbSession, actor: WriterActor, task_in: TaskCreate) -> TaskRead:
    return TaskRead.model_validate(service.add_task(db, actor=actor, incident_id=incident_id, task_in=task_in))


@router.patch("/{incident_id}/tasks/{task_id}", response_model=TaskRead)
def update_task(incident_id: Id, task_id: Id, db: DbSession, actor: WriterActor, change: TaskUpdate) -> TaskRead:
    return TaskRead.model_validate(service.set_task_done(db, actor=actor, incident_id=incident_id, task_id=task_id,
                                                         done=change.done))


@router.post("/{incident_id}/observables", response_model=ObservableRead, status_code=201)
def add_observable(incident_id: Id, db: DbSession, actor: WriterActor,
                   observable_in: ObservableCreate) -> ObservableRead:
    return ObservableRead.model_validate(service.add_observable(db, actor=actor, incident_id=incident_id,
                                                                observable_in=observable_in))


@router.patch("/{incident_id}/observables/{observable_id}", response_model=ObservableRead)
def mark_observable(incident_id: Id, observable_id: Id, db: DbSession, actor: WriterActor,
                    change: ObservableUpdate) -> ObservableRead:
    """Mark an observable for sharing with every municipality (CERT)."""
    return ObservableRead.model_validate(service.set_observable_share(
        db, actor=actor, incident_id=incident_id, observable_id=observable_id, share=change.share))


@router.delete("/{incident_id}/observables/{observable_id}", status_code=204)
def remove_observable(incident_id: Id, observable_id: Id, db: DbSession, actor: WriterActor) -> None:
    service.remove_observable(db, actor=actor, incident_id=incident_id, observable_id=observable_id)


@router.post("/{incident_id}/evidence", response_model=EvidenceRead, status_code=201)
def add_evidence(incident_id: Id, db: DbSession, actor: WriterActor, evidence_in: EvidenceCreate) -> EvidenceRead:
    """A chain-of-custody record (no evidence bytes)."""
    return EvidenceRead.model_validate(service.add_evidence(db, actor=actor, incident_id=incident_id,
                                                            evidence_in=evidence_in))


@router.post("/{incident_id}/participants", response_model=ParticipantRead, status_code=201)
def add_participant(incident_id: Id, db: DbSession, actor: WriterActor,
                    participant_in: ParticipantCreate) -> ParticipantRead:
    """Another organisation takes part: it is added to the incident's audience (never replacing it)."""
    return ParticipantRead.model_validate(service.add_participant(
        db, actor=actor, incident_id=incident_id, org_id=participant_in.org_id, role=participant_in.role))


@router.delete("/{incident_id}/participants/{participant_id}", status_code=204)
def remove_participant(incident_id: Id, participant_id: Id, db: DbSession, actor: WriterActor) -> None:
    service.remove_participant(db, actor=actor, incident_id=incident_id, participant_id=participant_id)


@router.post("/{incident_id}/attachments", response_model=list[IncidentAttachmentRead], status_code=201)
async def add_attachments(incident_id: Id, db: DbSession, actor: WriterActor, settings: SettingsDep,
                          files: list[UploadFile] = File(...)) -> list[IncidentAttachmentRead]:
    """Files (multipart ``files``): ransom note, screenshots; the report attachments' size limits."""
    uploads = [Upload(f.filename or "", f.content_type or "", await f.read()) for f in files if f.filename]
    stored = service.add_attachments(db, actor=actor, incident_id=incident_id, uploads=uploads,
                                     max_bytes=settings.max_attachment_bytes)
    return [IncidentAttachmentRead.model_validate(a) for a in stored]


@router.get("/{incident_id}/attachments/{attachment_id}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
def download(incident_id: Id, attachment_id: Id, request: Request, db: DbSession, actor: UserActor) -> Response:
    attachment = service.get_attachment(db, actor=actor, incident_id=incident_id, attachment_id=attachment_id,
                                        ip=client_ip(request))
    return file_download(attachment.content, attachment.filename)
