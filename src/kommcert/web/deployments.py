"""Deployment pages: the board (/deployments), the deployment page with a form for every write the
actor may make, and the cost statement (HTML, PDF, CSV).

Every page and form fetches the deployment through ``deployments.service`` (its incident through the
sharing policy; another Kreis, another provider or the MIRT get 404); who may do what is the service's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from kommcert.contracts.models import UNIT_LABELS_DE
from kommcert.deployments import costs, service
from kommcert.deployments.checklist import AREA_LABELS_DE
from kommcert.deployments.models import DEPLOYMENT_STATE_LABELS_DE, ENTRY_STATE_LABELS_DE
from kommcert.deployments.schemas import (
    HandoverItemIn,
    HandoverItemUpdate,
    MemberIn,
    MemberTimes,
    StatusReportIn,
    TimeEntryIn,
    TimeEntryUpdate,
)
from kommcert.deps import DbSession, SettingsDep, client_ip
from kommcert.errors import DomainError, InvalidInput, NotFound
from kommcert.incidents.models import Incident
from kommcert.incidents.schemas import EvidenceCreate
from kommcert.sharing.actor import Actor
from kommcert.validation import Id, parse_id
from kommcert.web import forms
from kommcert.web.auth import PageActor
from kommcert.web.incidents import case_context
from kommcert.web.templating import locale_of, render

router = APIRouter()
LABELS = {"states": DEPLOYMENT_STATE_LABELS_DE, "entry_states": ENTRY_STATE_LABELS_DE, "areas": AREA_LABELS_DE,
          "kinds": costs.KIND_LABELS_DE, "units": UNIT_LABELS_DE}


@router.get("/deployments")
def deployment_board(request: Request, db: DbSession, actor: PageActor) -> Response:
    rows = service.board(db, actor=actor)
    return render(request, "deployments/board.html", {"rows": rows, "today": service.today(), **LABELS})


def _page(request: Request, db: Session, actor: Actor, deployment_id: int, *, error: DomainError | None = None,
          status_code: int = 200, values: dict[str, str] | None = None) -> Response:
    found = service.detail(db, actor=actor, deployment_id=deployment_id, ip=client_ip(request))
    d = found.deployment
    may = {"team": service.is_provider(actor, d) or service.is_cert(actor),
           "hours": service.is_provider(actor, d), "review": service.is_municipality(actor, d),
           "checklist": service.is_provider(actor, d) or service.is_municipality(actor, d) or service.is_cert(actor),
           "sign": service.is_municipality(actor, d) or service.is_cert(actor)}
    lang = locale_of(request)
    return render(request, "deployments/page.html", {
        "found": found, "d": d, "incident": found.incident, "orgs": found.org_names, "may": may,
        "people": found.people, "members": {m.id: m for m in d.members}, "today": service.today(), "error": error,
        "values": values or {}, "money": costs.money_text(lang), **LABELS}, status_code=status_code)


@router.get("/deployments/{deployment_id}")
def deployment_page(deployment_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return _page(request, db, actor, deployment_id)


async def _write(request: Request, db: Session, actor: Actor, deployment_id: int,
                 action: Callable[[FormData], Any], anchor: str) -> Response:
    """One write from a form; a refusal shows the page with the German message (nothing written)."""
    form = await request.form()
    try:
        action(form)
    except NotFound:
        raise
    except DomainError as exc:
        db.rollback()
        return _page(request, db, actor, deployment_id, error=exc, status_code=exc.status_code,
                     values={k: str(v) for k, v in form.items() if isinstance(v, str)} | {"_form": anchor})
    return RedirectResponse(f"/deployments/{deployment_id}#{anchor}", status_code=303)






def _day(form: FormData) -> date:
    try:
        return date.fromisoformat(str(form.get("day", "")).strip())
    except ValueError:
        raise InvalidInput("Bitte einen Tag angeben (TT.MM.JJJJ).", "Please give a day.") from None


def _hours(text: str) -> Decimal:
    try:
        return Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise InvalidInput("Stunden: bitte eine Zahl angeben (z. B. 7,75).",
                           "Hours: please give a number (e.g. 7.75).") from None


def _id(form: FormData, key: str, de: str, en: str) -> int:
    value = parse_id(str(form.get(key, "")))
    if value is None:
        raise InvalidInput(de, en)
    return value


@router.post("/deployments/{deployment_id}/members")
async def member_add(deployment_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    def act(form: FormData) -> Any:
        person = str(form.get("person_id", "")).strip()
        member_in = forms.schema(MemberIn, {"person_id": parse_id(person) if person else None,
                                       "name": str(form.get("name", "")), "role": str(form.get("role", ""))},
                            "Bitte Person und Rolle angeben.", "Please give a person and a role.")
        return service.add_member(db, actor=actor, deployment_id=deployment_id, member_in=member_in)
    return await _write(request, db, actor, deployment_id, act, "team")


@router.post("/deployments/{deployment_id}/members/{member_id}/times")
async def member_times(deployment_id: Id, member_id: Id, request: Request, db: DbSession, actor: PageActor,
                       settings: SettingsDep) -> Response:
    def act(form: FormData) -> Any:
        times = MemberTimes(arrived_at=forms.local_time(str(form.get("arrived_at", "")), settings.tz, "Ankunft",
                                                   "Arrival"),
                            departed_at=forms.local_time(str(form.get("departed_at", "")), settings.tz, "Abreise",
                                                    "Departure"))
        return service.set_member_times(db, actor=actor, deployment_id=deployment_id, member_id=member_id,
                                        times=times)
    return await _write(request, db, actor, deployment_id, act, "team")


@router.post("/deployments/{deployment_id}/members/{member_id}/delete")
async def member_remove(deployment_id: Id, member_id: Id, request: Request, db: DbSession,
                        actor: PageActor) -> Response:
    return await _write(request, db, actor, deployment_id, lambda form: service.remove_member(
        db, actor=actor, deployment_id=deployment_id, member_id=member_id), "team")


@router.post("/deployments/{deployment_id}/status-reports")
async def status_report(deployment_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    def act(form: FormData) -> Any:
        report_in = forms.schema(StatusReportIn, {"day": _day(form), **{k: str(form.get(k, "")) for k in (
            "conditions", "actions", "needs")}}, "Bitte Lage und Maßnahmen ausfüllen.",
            "Please fill in conditions and actions.")
        return service.report_status(db, actor=actor, deployment_id=deployment_id, report_in=report_in)
    return await _write(request, db, actor, deployment_id, act, "lage")


@router.post("/deployments/{deployment_id}/evidence")
async def evidence(deployment_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    def act(form: FormData) -> Any:
        evidence_in = forms.schema(EvidenceCreate, {k: str(form.get(k, "")) for k in (
            "description", "location", "handed_from", "handed_to")} | {"sha256": str(form.get("sha256", "")) or None},
            "Bitte Beschreibung und Aufbewahrungsort angeben.", "Please give a description and where it is kept.")
        return service.hand_over_evidence(db, actor=actor, deployment_id=deployment_id, evidence_in=evidence_in)
    return await _write(request, db, actor, deployment_id, act, "beweise")


@router.post("/deployments/{deployment_id}/depart")
async def depart(deployment_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return await _write(request, db, actor, deployment_id, lambda form: service.depart(
        db, actor=actor, deployment_id=deployment_id), "uebergabe")


@router.post("/deployments/{deployment_id}/handover-items")
async def handover_add(deployment_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    def act(form: FormData) -> Any:
        item_in = forms.schema(HandoverItemIn, {"area": str(form.get("area", "")), "text": str(form.get("text", ""))},
                          "Bitte Bereich und Text angeben.", "Please give an area and a text.")
        return service.add_handover_item(db, actor=actor, deployment_id=deployment_id, item_in=item_in)
    return await _write(request, db, actor, deployment_id, act, "uebergabe")


@router.post("/deployments/{deployment_id}/handover-items/{item_id}")
async def handover_update(deployment_id: Id, item_id: Id, request: Request, db: DbSession,
                          actor: PageActor) -> Response:
    def act(form: FormData) -> Any:
        update = forms.schema(HandoverItemUpdate, {"done": form.get("done") == "ja",
                                              "confirmed_by": str(form.get("confirmed_by", ""))},
                         "Der Name ist zu lang.", "The name is too long.")
        return service.update_handover_item(db, actor=actor, deployment_id=deployment_id, item_id=item_id,
                                            update=update)
    return await _write(request, db, actor, deployment_id, act, "uebergabe")


@router.post("/deployments/{deployment_id}/signoff")
async def signoff(deployment_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return await _write(request, db, actor, deployment_id, lambda form: service.sign_off(
        db, actor=actor, deployment_id=deployment_id), "uebergabe")


@router.post("/deployments/{deployment_id}/close")
async def close(deployment_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return await _write(request, db, actor, deployment_id, lambda form: service.close_deployment(
        db, actor=actor, deployment_id=deployment_id), "kosten")


def _entry_in(form: FormData) -> TimeEntryIn:
    return forms.schema(TimeEntryIn, {
        "member_id": _id(form, "member_id", "Bitte eine Person des Teams wählen.", "Please choose a team member."),
        "day": _day(form), "role": str(form.get("role", "")), "hours": _hours(str(form.get("hours", ""))),
        "daily_flat": form.get("daily_flat") == "ja", "travel": form.get("travel") == "ja",
        "note": str(form.get("note", ""))}, "Bitte die Angaben prüfen.", "Please check the entry.")


@router.post("/deployments/{deployment_id}/time-entries")
async def time_entry(deployment_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return await _write(request, db, actor, deployment_id, lambda form: service.record_time(
        db, actor=actor, deployment_id=deployment_id, entry_in=_entry_in(form)), "stunden")


@router.post("/deployments/{deployment_id}/time-entries/{entry_id}")
async def time_entry_correct(deployment_id: Id, entry_id: Id, request: Request, db: DbSession,
                             actor: PageActor) -> Response:
    def act(form: FormData) -> Any:
        update = forms.schema(TimeEntryUpdate, {"hours": _hours(str(form.get("hours", ""))),
                                           "note": str(form.get("note", ""))},
                         "Bitte die Angaben prüfen.", "Please check the entry.")
        return service.correct_time(db, actor=actor, deployment_id=deployment_id, entry_id=entry_id, update=update)
    return await _write(request, db, actor, deployment_id, act, "stunden")


@router.post("/deployments/{deployment_id}/time-entries/{entry_id}/confirm")
async def time_entry_confirm(deployment_id: Id, entry_id: Id, request: Request, db: DbSession,
                             actor: PageActor) -> Response:
    return await _write(request, db, actor, deployment_id, lambda form: service.confirm_time(
        db, actor=actor, deployment_id=deployment_id, entry_id=entry_id), "stunden")


@router.post("/deployments/{deployment_id}/time-entries/{entry_id}/dispute")
async def time_entry_dispute(deployment_id: Id, entry_id: Id, request: Request, db: DbSession,
                             actor: PageActor) -> Response:
    return await _write(request, db, actor, deployment_id, lambda form: service.dispute_time(
        db, actor=actor, deployment_id=deployment_id, entry_id=entry_id, reason=str(form.get("reason", ""))),
        "stunden")


@router.get("/deployments/{deployment_id}/costs")
def costs_page(deployment_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    cost = service.cost_view(db, actor=actor, deployment_id=deployment_id, ip=client_ip(request))
    return render(request, "deployments/costs.html", {"cost": cost, "money": costs.money_text(locale_of(request)),
                                                      **LABELS})


def _export(fmt: str, deployment_id: int, request: Request, db: Session, actor: Actor, settings: Any) -> Response:
    made = service.export_costs(db, actor=actor, deployment_id=deployment_id, fmt=fmt, settings=settings,
                                lang=locale_of(request) if fmt == "pdf" else "de", ip=client_ip(request))
    return Response(made.data, media_type=made.media_type, headers={
        "Content-Disposition": f'attachment; filename="{made.filename}"', "Cache-Control": "private, no-store"})


@router.get("/deployments/{deployment_id}/costs.pdf")
def costs_pdf(deployment_id: Id, request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    return _export("pdf", deployment_id, request, db, actor, settings)


@router.get("/deployments/{deployment_id}/costs.csv")
def costs_csv(deployment_id: Id, request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    return _export("csv", deployment_id, request, db, actor, settings)


@case_context
def _incident_deployments(db: Session, actor: Actor, incident: Incident) -> dict[str, Any]:
    return {"incident_deployments": service.deployments_of_incident(db, actor=actor, incident=incident),
            "deployment_states": DEPLOYMENT_STATE_LABELS_DE}
