"""Incident pages (Vorfälle): the report form (phone-sized too), my incidents, the CERT's queue and
the case page with a form for every write the actor has the right to.

Every page and form fetches the incident through ``incidents.service`` (the sharing policy: another
Kreis gets 404); who may do what is ``incidents.workflow``. Other packages add parts to the case page
with ``{% include %}`` spots and fill their context through :func:`case_context`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from kommcert.deps import DbSession, SettingsDep, client_ip, file_download
from kommcert.errors import DomainError, InvalidInput, NotFound
from kommcert.files import Upload
from kommcert.incidents import deadline_service, questions, service, workflow
from kommcert.incidents.models import (
    CATEGORY_LABELS_DE,
    OBSERVABLE_TYPE_LABELS_DE,
    PARTICIPANT_ROLE_LABELS_DE,
    PHASE_LABELS_DE,
    SEVERITY_LABELS_DE,
    Category,
    Incident,
    ObservableType,
    ParticipantRole,
    Phase,
    Severity,
)
from kommcert.incidents.schemas import EvidenceCreate, IncidentCreate, ObservableCreate, TaskCreate
from kommcert.sharing.actor import Actor
from kommcert.validation import Id, parse_id
from kommcert.web import forms
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()

ContextProvider = Callable[[Session, Actor, Incident], Mapping[str, Any]]
_CASE_CONTEXT: list[ContextProvider] = []


def case_context(provider: ContextProvider) -> ContextProvider:
    """Register a function that adds names to the case page's context, for a partial included there
    (``incidents/_deadlines.html``, ``incidents/_publish.html``). It runs after the incident was
    fetched through the policy; what it returns must be about that incident only."""
    _CASE_CONTEXT.append(provider)
    return provider


LABELS = {"phases": PHASE_LABELS_DE, "severities": SEVERITY_LABELS_DE, "categories": CATEGORY_LABELS_DE,
          "observable_types": OBSERVABLE_TYPE_LABELS_DE, "participant_roles": PARTICIPANT_ROLE_LABELS_DE,
          "closing_causes": service.CLOSING_CAUSES}


# ---------------------------------------------------------------- lists

@router.get("/incidents")
def incident_list(request: Request, db: DbSession, actor: PageActor) -> Response:
    """The incidents the reader sees (own organisation, its municipalities, where it takes part), open first."""
    items = service.list_incidents(db, actor=actor, limit=200)
    items = sorted(items, key=lambda i: (not i.is_open, -i.id))
    _, orgs = service.names(db, org_ids=[i.owner_org_id for i in items])
    return render(request, "incidents/list.html", {
        "incidents": items, "org_names": orgs, "may_report": actor.can_write, **LABELS})


@router.get("/incidents/queue")
def incident_queue(request: Request, db: DbSession, actor: PageActor) -> Response:
    """The CERT's queue: new and unassigned first, with age, severity and deadline state."""
    items = service.queue(db, actor=actor)
    users, _ = service.names(db, user_ids=[q.incident.assignee_id for q in items])
    states = deadline_service.summary(db, [q.incident.id for q in items])  # ids fetched through the policy
    return render(request, "incidents/queue.html", {
        "items": items, "user_names": users, "deadline_states": states,
        "may_claim": actor.is_cert and actor.can_write, **LABELS})


# ---------------------------------------------------------------- the report form

def _form(request: Request, db: Session, actor: Actor, values: Mapping[str, Any], *, error: DomainError | None = None,
          status_code: int = 200) -> Response:
    on_behalf = workflow.may_report_on_behalf(actor)
    return render(request, "incidents/new.html", {
        "values": values, "error": error, "card_questions": questions.CARD_QUESTIONS,
        "yes_no_questions": questions.YES_NO_QUESTIONS, "may_report_on_behalf": on_behalf,
        "orgs": service.reportable_orgs(db) if on_behalf else [], **LABELS}, status_code=status_code)


@router.get("/incidents/new")
def incident_form(request: Request, db: DbSession, actor: PageActor) -> Response:
    values = {"reporter_name": _user_name(db, actor), "category": "", "severity": str(Severity.medium),
              "callback_phone": service.default_callback_phone(db, actor.org_id) if actor.org_id else ""}
    return _form(request, db, actor, values)


def _user_name(db: Session, actor: Actor) -> str:
    users, _ = service.names(db, user_ids=[actor.user_id])
    return users.get(actor.user_id or 0, "")




_REPORT_FIELDS = ("reporter_name", "callback_phone", "since", "category", "severity", "title", "on_behalf_of")


def _report_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {key: str(form.get(key, "")) for key in _REPORT_FIELDS}
    values["answers"] = {key: str(form.get(f"answers.{key}", "")) for key in questions.ANSWER_KEYS}
    for q in questions.YES_NO_QUESTIONS:
        values[q.key] = str(form.get(q.key, ""))
    return values


def _incident_in(values: Mapping[str, Any], tz: Any) -> IncidentCreate:
    """The form's answers as an IncidentCreate; a missing required answer names its question."""
    reporter = questions.CARD_QUESTIONS[0]
    if not values["reporter_name"].strip():
        raise InvalidInput(f"Bitte beantworten: „{reporter.text_de}“", "Please say who reports.")
    if values["category"] not in {c.value for c in Category}:
        raise InvalidInput("Bitte wählen: Was für ein Vorfall ist es?", "Please choose the kind of incident.")
    questions.clean_answers(values["answers"])  # the required free-text answers, with their wording
    on_behalf = None
    if values.get("on_behalf_of"):
        on_behalf = parse_id(values["on_behalf_of"])
        if on_behalf is None:
            raise InvalidInput("Unbekannte Organisation.", "Unknown organisation.")
    data: dict[str, Any] = {
        "category": values["category"], "severity": values["severity"] or Severity.medium,
        "title": values["title"], "reporter_name": values["reporter_name"],
        "callback_phone": values["callback_phone"],
        "first_known_at": forms.local_time(values["since"], tz, "Seit wann", "Since when"),
        "answers": {k: v for k, v in values["answers"].items() if v.strip()},
        "on_behalf_of_org_id": on_behalf,
        **{q.key: values[q.key] == "ja" for q in questions.YES_NO_QUESTIONS},
    }
    try:
        return IncidentCreate.model_validate(data)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() and exc.errors()[0]["loc"] else ""
        de, en = {
            "reporter_name": ("Name und Rückrufnummer sind zu lang.", "Name or call-back number too long."),
            "callback_phone": ("Die Rückrufnummer ist zu lang.", "The call-back number is too long."),
            "title": ("Der Titel ist zu lang (höchstens 300 Zeichen).", "The title is too long (at most 300)."),
            "severity": ("Bitte einen Schweregrad wählen.", "Please choose a severity."),
        }.get(field, ("Bitte die Angaben prüfen.", "Please check the answers."))
        raise InvalidInput(de, en) from None


async def _uploads(items: list[Any]) -> list[Upload]:
    return [Upload(f.filename, f.content_type or "", await f.read())
            for f in items if isinstance(f, UploadFile) and f.filename]


@router.post("/incidents")
async def incident_report(request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    form = await request.form()
    values = _report_values(form)
    try:
        incident = service.report_incident(db, actor=actor, incident_in=_incident_in(values, settings.tz),
                                           uploads=await _uploads(form.getlist("files")),
                                           max_bytes=settings.max_attachment_bytes)
    except DomainError as exc:
        return _form(request, db, actor, values, error=exc, status_code=exc.status_code)
    return RedirectResponse(f"/incidents/{incident.id}", status_code=303)


# ---------------------------------------------------------------- the case page

def _case_page(request: Request, db: Session, actor: Actor, incident_id: int, *, error: DomainError | None = None,
               status_code: int = 200, values: Mapping[str, Any] | None = None) -> Response:
    found = service.case(db, actor=actor, incident_id=incident_id, ip=client_ip(request))
    incident = found.incident
    mine = workflow.roles(db, actor, incident)
    may = {right.value: bool(mine & workflow.RIGHTS[right]) for right in workflow.Right}
    may["own_tasks"] = actor.can_write and actor.user_id is not None
    users, orgs = service.case_names(db, found)
    extra: dict[str, Any] = {}
    for provider in _CASE_CONTEXT:
        extra.update(provider(db, actor, incident))
    return render(request, "incidents/case.html", {
        "case": found, "incident": incident, "may": may, "user_names": users, "org_names": orgs,
        "assignable": service.assignable_users(db) if may["assign"] else [],
        "participant_orgs": service.reportable_orgs(db) if may["participants"] else [],
        "card_questions": questions.CARD_QUESTIONS, "yes_no_questions": questions.YES_NO_QUESTIONS,
        "error": error, "values": values or {}, **LABELS, **extra}, status_code=status_code)


@router.get("/incidents/{incident_id}")
def incident_case(incident_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return _case_page(request, db, actor, incident_id)


async def _write(request: Request, db: Session, actor: Actor, incident_id: int,
                 action: Callable[[FormData], Any], anchor: str) -> Response:
    """Run one write use case from a form; a refusal shows the case page with the German message
    (nothing written), "not found" stays 404."""
    form = await request.form()
    try:
        result = action(form)
        if hasattr(result, "__await__"):
            await result
    except NotFound:
        raise
    except DomainError as exc:
        db.rollback()
        return _case_page(request, db, actor, incident_id, error=exc, status_code=exc.status_code,
                          values={k: str(v) for k, v in form.items() if isinstance(v, str)} | {"_form": anchor})
    return RedirectResponse(f"/incidents/{incident_id}#{anchor}", status_code=303)






@router.post("/incidents/{incident_id}/phase")
async def incident_phase(incident_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    def act(form: FormData) -> Any:
        phase = forms.choice(form, "phase", Phase, "Bitte eine Phase wählen.", "Please choose a phase.")
        return service.change_phase(db, actor=actor, incident_id=incident_id, phase=phase,
                                    note=str(form.get("note", ""))[:20_000], cause=str(form.get("cause", ""))[:32])
    return await _write(request, db, actor, incident_id, act, "kopf")


@router.post("/incidents/{incident_id}/classification")
async def incident_classify(incident_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    def act(form: FormData) -> Any:
        severity = forms.choice(form, "severity", Severity, "Bitte einen Schweregrad wählen.",
                                "Please choose a severity.")
        category = forms.choice(form, "category", Category, "Bitte eine Kategorie wählen.",
                                "Please choose a category.")
        return service.classify(db, actor=actor, incident_id=incident_id, severity=severity, category=category)
    return await _write(request, db, actor, incident_id, act, "kopf")


@router.post("/incidents/{incident_id}/claim")
async def incident_claim(incident_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    response = await _write(request, db, actor, incident_id,
                            lambda form: service.claim(db, actor=actor, incident_id=incident_id), "kopf")
    if response.status_code == 303 and (await request.form()).get("back") == "queue":
        return RedirectResponse("/incidents/queue", status_code=303)
    return response


@router.post("/incidents/{incident_id}/assign")
async def incident_assign(incident_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    def act(form: FormData) -> Any:
        text = str(form.get("assignee_id", ""))
        assignee = parse_id(text) if text else None
        if text and assignee is None:
            raise InvalidInput("Unbekannte Person.", "Unknown person.")
        return service.assign(db, actor=actor, incident_id=incident_id, assignee_id=assignee)
    return await _write(request, db, actor, incident_id, act, "kopf")


@router.post("/incidents/{incident_id}/duplicate")
async def incident_duplicate(incident_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    def act(form: FormData) -> Any:
        target = parse_id(str(form.get("duplicate_of_id", "")).strip().lstrip("#"))
        if target is None:
            raise InvalidInput("Bitte die Nummer des ursprünglichen Vorfalls angeben.",
                               "Please give the number of the original incident.")
        return service.merge_duplicate(db, actor=actor, incident_id=incident_id, duplicate_of_id=target)
    return await _write(request, db, actor, incident_id, act, "kopf")


@router.post("/incidents/{incident_id}/notes")
async def incident_note(incident_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return await _write(request, db, actor, incident_id, lambda form: service.add_note(
        db, actor=actor, incident_id=incident_id, body=str(form.get("body", ""))), "verlauf")


@router.post("/incidents/{incident_id}/tasks")
async def incident_task(incident_id: Id, request: Request, db: DbSession, actor: PageActor,
                        settings: SettingsDep) -> Response:
    def act(form: FormData) -> Any:
        task_in = forms.schema(TaskCreate, {
            "title": str(form.get("title", "")),
            "due_at": forms.local_time(str(form.get("due_at", "")), settings.tz, "Fällig", "Due")},
            "Bitte eine Aufgabe (höchstens 300 Zeichen) angeben.", "Please give a task (at most 300 characters).")
        return service.add_task(db, actor=actor, incident_id=incident_id, task_in=task_in)
    return await _write(request, db, actor, incident_id, act, "aufgaben")


@router.post("/incidents/{incident_id}/tasks/{task_id}")
async def incident_task_done(incident_id: Id, task_id: Id, request: Request, db: DbSession,
                             actor: PageActor) -> Response:
    return await _write(request, db, actor, incident_id, lambda form: service.set_task_done(
        db, actor=actor, incident_id=incident_id, task_id=task_id, done=form.get("done") == "ja"), "aufgaben")


@router.post("/incidents/{incident_id}/observables")
async def incident_observable(incident_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    def act(form: FormData) -> Any:
        kind = forms.choice(form, "type", ObservableType, "Bitte eine Art der Beobachtung wählen.",
                       "Please choose the observable's type.")
        observable_in = forms.schema(ObservableCreate, {
            "type": kind, "value": str(form.get("value", "")), "description": str(form.get("description", "")),
            "share": form.get("share") == "ja"},
            "Bitte einen Wert angeben (höchstens 2048 Zeichen).", "Please give a value (at most 2048 characters).")
        return service.add_observable(db, actor=actor, incident_id=incident_id, observable_in=observable_in)
    return await _write(request, db, actor, incident_id, act, "beobachtungen")


@router.post("/incidents/{incident_id}/observables/{observable_id}/share")
async def incident_observable_share(incident_id: Id, observable_id: Id, request: Request, db: DbSession,
                                    actor: PageActor) -> Response:
    return await _write(request, db, actor, incident_id, lambda form: service.set_observable_share(
        db, actor=actor, incident_id=incident_id, observable_id=observable_id, share=form.get("share") == "ja"),
        "beobachtungen")


@router.post("/incidents/{incident_id}/observables/{observable_id}/delete")
async def incident_observable_delete(incident_id: Id, observable_id: Id, request: Request, db: DbSession,
                                     actor: PageActor) -> Response:
    return await _write(request, db, actor, incident_id, lambda form: service.remove_observable(
        db, actor=actor, incident_id=incident_id, observable_id=observable_id), "beobachtungen")


@router.post("/incidents/{incident_id}/evidence")
async def incident_evidence(incident_id: Id, request: Request, db: DbSession, actor: PageActor,
                            settings: SettingsDep) -> Response:
    def act(form: FormData) -> Any:
        evidence_in = forms.schema(EvidenceCreate, {
            "description": str(form.get("description", "")), "location": str(form.get("location", "")),
            "sha256": str(form.get("sha256", "")) or None, "handed_from": str(form.get("handed_from", "")),
            "handed_to": str(form.get("handed_to", "")),
            "handed_at": forms.local_time(str(form.get("handed_at", "")), settings.tz, "Übergeben am",
                                          "Handed over at")},
            "Bitte angeben, was es ist und wo es liegt (Übergabe: je höchstens 200 Zeichen).",
            "Please say what it is and where it is kept (handover: at most 200 characters each).")
        return service.add_evidence(db, actor=actor, incident_id=incident_id, evidence_in=evidence_in)
    return await _write(request, db, actor, incident_id, act, "beweismittel")


@router.post("/incidents/{incident_id}/participants")
async def incident_participant(incident_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    def act(form: FormData) -> Any:
        org_id = parse_id(str(form.get("org_id", "")))
        if org_id is None:
            raise InvalidInput("Bitte eine Organisation wählen.", "Please choose an organisation.")
        role = forms.choice(form, "role", ParticipantRole, "Bitte eine Rolle wählen.", "Please choose a role.")
        return service.add_participant(db, actor=actor, incident_id=incident_id, org_id=org_id, role=role)
    return await _write(request, db, actor, incident_id, act, "beteiligte")


@router.post("/incidents/{incident_id}/participants/{participant_id}/delete")
async def incident_participant_delete(incident_id: Id, participant_id: Id, request: Request, db: DbSession,
                                      actor: PageActor) -> Response:
    return await _write(request, db, actor, incident_id, lambda form: service.remove_participant(
        db, actor=actor, incident_id=incident_id, participant_id=participant_id), "beteiligte")


@router.post("/incidents/{incident_id}/attachments")
async def incident_attachments(incident_id: Id, request: Request, db: DbSession, actor: PageActor,
                               settings: SettingsDep) -> Response:
    async def act(form: FormData) -> Any:
        return service.add_attachments(db, actor=actor, incident_id=incident_id,
                                       uploads=await _uploads(form.getlist("files")),
                                       max_bytes=settings.max_attachment_bytes)
    return await _write(request, db, actor, incident_id, act, "dateien")


@router.get("/incidents/{incident_id}/attachments/{attachment_id}")
def incident_attachment(incident_id: Id, attachment_id: Id, request: Request, db: DbSession,
                        actor: PageActor) -> Response:
    attachment = service.get_attachment(db, actor=actor, incident_id=incident_id, attachment_id=attachment_id,
                                        ip=client_ip(request))
    return file_download(attachment.content, attachment.filename)
