"""The final report of an incident as PDF: the case as it stands, for the files and for the authorities.

:func:`collect` gathers what the reader may see (the incident through the policy, then its parts:
participants, deadlines, tasks, observables, evidence, files, the whole timeline) with the names it
mentions; :func:`pdf` renders the page template ``incidents/report.html`` in the reader's language and
hands it to ``kommcert.pdf.render_pdf`` with the incident's TLP on every page; each PDF is logged as an
export. The page is the same
Jinja the web pages use (the architecture's decision for PDFs), so this module borrows the pages'
template environment instead of a second layout language; it imports no web framework.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.accounts.models import User
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.db import utcnow
from kommcert.i18n import LOCALES
from kommcert.incidents import deadline_service, questions
from kommcert.incidents import service as incident_service
from kommcert.incidents.deadline_models import IncidentDeadline
from kommcert.incidents.models import (
    CATEGORY_LABELS_DE,
    EVENT_LABELS_DE,
    OBSERVABLE_TYPE_LABELS_DE,
    PARTICIPANT_ROLE_LABELS_DE,
    PHASE_LABELS_DE,
    SEVERITY_LABELS_DE,
    EventKind,
    IncidentEvent,
)
from kommcert.orgs.models import Organization
from kommcert.sharing.actor import Actor
from kommcert.sharing.tlp import TLP

if TYPE_CHECKING:
    from kommcert.config import Settings

TEMPLATE = "incidents/report.html"
# Timeline data that names a coded value, and the labels of its codes.
_CODED = {EventKind.phase_changed: PHASE_LABELS_DE, EventKind.marked_duplicate: PHASE_LABELS_DE,
          EventKind.severity_changed: SEVERITY_LABELS_DE, EventKind.category_changed: CATEGORY_LABELS_DE}


@dataclass(frozen=True)
class FinalReport:
    case: incident_service.Case
    deadlines: list[IncidentDeadline]
    owner: Organization
    users: dict[int, str]
    orgs: dict[int, str]
    made_at: datetime


@dataclass(frozen=True)
class Pdf:
    data: bytes
    filename: str


def collect(db: Session, *, actor: Actor, incident_id: int, ip: str | None = None) -> FinalReport:
    """Everything the report shows, for whoever may see the incident (anyone else: not found)."""
    case = incident_service.case(db, actor=actor, incident_id=incident_id, ip=ip)
    incident = case.incident
    owner = db.get(Organization, incident.owner_org_id)
    assert owner is not None
    found_deadlines = list(db.scalars(select(IncidentDeadline).where(IncidentDeadline.incident_id == incident.id)
                                      .order_by(IncidentDeadline.due_at, IncidentDeadline.rule_key)))
    user_ids = {incident.assignee_id, incident.reporter_id, incident.filed_by_id,
                *(e.actor_id for e in case.timeline), *(t.assignee_id for t in case.tasks),
                *(t.done_by_id for t in case.tasks), *(e.recorded_by_id for e in case.evidence),
                *(d.done_by_id for d in found_deadlines), *_data_ids(case.timeline, "to", "from")}
    org_ids = {incident.owner_org_id, incident.filed_by_org_id, *(p.org_id for p in case.participants),
               *(e.actor_org_id for e in case.timeline), *(e.org_id for e in case.evidence),
               *_data_ids(case.timeline, "org_id")}
    return FinalReport(case, found_deadlines, owner, _names(db, User, user_ids), _names(db, Organization, org_ids),
                       utcnow())


def _data_ids(events: Iterable[IncidentEvent], *keys: str) -> set[int]:
    return {value for e in events for key in keys
            if isinstance(value := (e.data or {}).get(key), int) and not isinstance(value, bool)}


def _names(db: Session, model: Any, ids: set[int | None]) -> dict[int, str]:  # noqa: ANN401
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {row[0]: row[1] for row in db.execute(select(model.id, model.name).where(model.id.in_(wanted)))}


def event_detail(event: IncidentEvent, report: FinalReport, _: Any) -> str:  # noqa: ANN401 - gettext
    """One line saying what a timeline entry changed, in the reader's language (the body comes apart)."""
    data = event.data or {}
    kind = EventKind(event.kind) if event.kind in EventKind.__members__.values() else None
    if kind in _CODED:
        labels = _CODED[kind]  # type: ignore[index]
        parts = [_(labels[data[k]]) if data.get(k) in labels else str(data.get(k, "")) for k in ("from", "to")]
        return " → ".join(p for p in parts if p)
    if kind == EventKind.assigned:
        return report.users.get(data.get("to"), "–") if data.get("to") else _("niemand")  # type: ignore[arg-type]
    if kind in (EventKind.participant_added, EventKind.participant_removed):
        role = data.get("role")
        name = report.orgs.get(data.get("org_id"), "")  # type: ignore[arg-type]
        return f"{name} ({_(PARTICIPANT_ROLE_LABELS_DE[role])})" if role in PARTICIPANT_ROLE_LABELS_DE else name
    if kind in (EventKind.task_added, EventKind.task_done, EventKind.task_reopened):
        return str(data.get("title", ""))
    if kind in (EventKind.deadline_done, EventKind.deadline_reopened):
        titles = {d.rule_key: d for d in report.deadlines}
        found = titles.get(data.get("key", ""))
        return found.title(_.lang) if found is not None else str(data.get("key", ""))  # type: ignore[attr-defined]
    if kind == EventKind.reported and data.get("on_behalf"):
        return _("gemeldet im Auftrag durch {org}", org=report.orgs.get(data.get("filed_by_org_id"), ""))  # type: ignore[arg-type]
    return ""


def language_of(db: Session, actor: Actor, settings: Settings) -> str:
    """The reader's language: the user's choice, else the installation's default."""
    if actor.user_id is not None:
        user = db.get(User, actor.user_id)
        if user is not None and user.locale in LOCALES:
            return user.locale
    return settings.default_locale


def html(report: FinalReport, *, lang: str, settings: Settings) -> str:
    """The report page (``incidents/report.html``) in ``lang``."""
    from kommcert import i18n
    from kommcert.web.templating import environment

    gettext = i18n.gettext_for(lang)

    def _(text: str, **values: object) -> str:
        return gettext(text, **values)

    _.lang = lang  # type: ignore[attr-defined]
    incident = report.case.incident
    answers = dict(incident.answers or {})
    return environment().get_template(TEMPLATE).render(
        report=report, incident=incident, case=report.case, lang=lang, settings=settings, _=_,
        n_=i18n.ngettext_for(lang), tlp=TLP(incident.tlp),
        text_answers=[(q, answers[q.answer_key]) for q in questions.QUESTIONS
                      if q.answer_key and answers.get(q.answer_key)],
        yes_no=[(q, bool(getattr(incident, q.key))) for q in questions.YES_NO_QUESTIONS],
        labels={"phase": PHASE_LABELS_DE, "severity": SEVERITY_LABELS_DE, "category": CATEGORY_LABELS_DE,
                "event": EVENT_LABELS_DE, "observable": OBSERVABLE_TYPE_LABELS_DE,
                "role": PARTICIPANT_ROLE_LABELS_DE},
        states=deadline_service.state_labels(lang), detail=lambda e: event_detail(e, report, _),
        now=report.made_at)


def pdf(db: Session, *, actor: Actor, incident_id: int, settings: Settings, lang: str = "de",
        ip: str | None = None) -> Pdf:
    """The final report as PDF bytes, marked with the incident's TLP on every page."""
    from kommcert.pdf import render_pdf

    lang = lang if lang in LOCALES else "de"
    report = collect(db, actor=actor, incident_id=incident_id, ip=ip)
    incident = report.case.incident
    data = render_pdf(html(report, lang=lang, settings=settings), tlp=TLP(incident.tlp), lang=lang)
    # The whole case leaves the platform as a file: logged like every export.
    audit_service.record(db, AuditEvent(events.EXPORTED, actor_user_id=actor.user_id, org_id=incident.owner_org_id,
                                        object_type="incident", object_id=incident.id, ip=ip,
                                        detail={"format": "pdf"}))
    name = "vorfall" if lang == "de" else "incident"
    return Pdf(data, f"{name}-{incident.id}-{report.made_at:%Y%m%d}.pdf")
