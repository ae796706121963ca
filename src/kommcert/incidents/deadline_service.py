"""Use cases of an incident's legal deadlines: kept up to date, listed, marked done, the text to send.

The deadlines of an incident are the rule engine's answer (``incidents.deadlines.evaluate``) kept as
rows (``IncidentDeadline``). :func:`recompute` runs after every change of the incident (called from
``service._record``, the one timeline hook): a new deadline appears, an open one moves with its anchor,
a done one keeps its done time, and one whose rule no longer applies disappears unless it is done.
Reading goes through the incident (``service.get_incident``: invisible → 404); marking done is for the
CERT and the affected organisation's writers and writes a timeline entry. :func:`send_reminders` is
the periodic job's work (``incidents.deadline_jobs``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert import timefmt
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.incidents import deadlines, workflow
from kommcert.incidents.deadline_models import IncidentDeadline
from kommcert.incidents.models import Category, EventKind, Incident, Phase
from kommcert.orgs.models import Organization, OrgKind
from kommcert.sharing.actor import Actor

if TYPE_CHECKING:
    from kommcert.config import Settings

log = logging.getLogger("kommcert.incidents.deadlines")
# Who may mark a deadline done: the CERT and the affected organisation's writers (they send the report).
MARKERS = frozenset({workflow.Role.cert, workflow.Role.owner_writer})
# Incidents that are no incident (any more): no reminders.
QUIET_PHASES = frozenset({Phase.rejected, Phase.duplicate})
# The worst state wins in an incident's summary.
SEVERITY_OF_STATE = {"done": 0, "open": 1, "overdue": 2}
# Categories that are a malicious act by their nature (the rules' {malicious} placeholder).
MALICIOUS = frozenset(set(Category) - {Category.other})


@dataclass(frozen=True)
class RuleConfig:
    """What the deadlines need of the settings. The timeline hook runs inside any use case, which has no
    settings at hand: it reads the same two variables the settings read (``KOMMCERT_DEADLINE_RULES``,
    ``KOMMCERT_TIMEZONE``), as ``timefmt.zone_from_environment`` does for processes without settings."""

    rules: tuple[deadlines.Rule, ...]
    zone: ZoneInfo


def rule_config(settings: Settings | None = None) -> RuleConfig:
    if settings is not None:
        return RuleConfig(deadlines.load_rules(settings), settings.tz)
    extra = os.environ.get("KOMMCERT_DEADLINE_RULES", "").strip()
    return RuleConfig(deadlines.load_rule_files(extra or None), timefmt.zone_from_environment())


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _moments(deadline: IncidentDeadline) -> list[datetime]:
    return [datetime.fromisoformat(text) for text in deadline.remind_at or []]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _next_reminder(deadline: IncidentDeadline) -> datetime | None:
    """The first reminder moment after those already dealt with; none once the deadline is done."""
    if deadline.done_at is not None:
        return None
    after = _utc(deadline.reminded_until) if deadline.reminded_until is not None else None
    return next((m for m in _moments(deadline) if after is None or m > after), None)


def _stored(db: Session, incident_id: int) -> list[IncidentDeadline]:
    return list(db.scalars(select(IncidentDeadline).where(IncidentDeadline.incident_id == incident_id)
                          .order_by(IncidentDeadline.due_at, IncidentDeadline.rule_key)))


# ---------------------------------------------------------------- keeping them up to date

def recompute(db: Session, incident: Incident, *, settings: Settings | None = None) -> list[IncidentDeadline]:
    """Bring the stored deadlines in line with the rules and the incident as it is now; earliest first.

    A deadline done keeps its done time (and anchors the deadlines after it with it); an open one takes
    the new due time and reminders (reminders already dealt with are not sent again); one whose rule no
    longer applies is removed unless it was done.
    """
    from kommcert.incidents import service

    config = rule_config(settings)
    stored = {d.rule_key: d for d in _stored(db, incident.id)}
    anchors: dict[str, datetime | None] = dict(service.deadline_anchors(incident))
    anchors.update({f"{deadlines.DEADLINE_ANCHOR}{key}": d.done_at for key, d in stored.items() if d.done_at})
    dues = deadlines.evaluate(config.rules, service.deadline_attributes(db, incident), anchors, zone=config.zone)
    for due in dues:
        deadline = stored.pop(due.key, None)
        if deadline is None:
            deadline = IncidentDeadline(incident_id=incident.id, rule_key=due.key)
            db.add(deadline)
        deadline.title_de, deadline.title_en, deadline.basis = due.title_de, due.title_en, due.basis
        deadline.recipient_de, deadline.recipient_en = due.recipient_de, due.recipient_en
        if deadline.due_at is None or _utc(deadline.due_at) != due.due_at:
            deadline.due_at = due.due_at
        remind_at = [_iso(moment) for moment in due.remind_at]
        if deadline.remind_at != remind_at:
            deadline.remind_at = remind_at
        deadline.next_remind_at = _next_reminder(deadline)
    for gone in stored.values():
        if gone.done_at is None:
            db.delete(gone)
    db.flush()
    return _stored(db, incident.id)


def on_change(db: Session, incident: Incident, kind: EventKind) -> None:
    """The hook of ``service._record``: any change may touch an attribute or anchor the rules read.

    A broken rule file of the Land must not stop anyone from reporting or working an incident: the
    deadlines then stay as they are and the log says why (``kommcert incidents check-rules`` finds it)."""
    try:
        recompute(db, incident)
    except deadlines.DeadlineRuleError as exc:
        log.error("deadlines of incident %s not recomputed: %s", incident.id, exc.en)


def recompute_for_org(db: Session, org_id: int) -> int:
    """After a change of the organisation that rules read (``Organization.bsig_in_scope``, its kind): the
    deadlines of its open incidents follow. For whoever changes the flag; answers the incidents touched."""
    from kommcert.incidents.models import FINAL_PHASES

    incidents = db.scalars(select(Incident).where(Incident.owner_org_id == org_id,
                                                  Incident.phase.not_in([str(p) for p in FINAL_PHASES]))).all()
    for incident in incidents:
        recompute(db, incident)
    return len(incidents)


# ---------------------------------------------------------------- reading

@dataclass(frozen=True)
class DeadlineList:
    incident: Incident
    deadlines: list[IncidentDeadline]
    may_mark: bool  # the actor may mark them done (CERT, the affected organisation's writers)
    now: datetime


def may_mark(db: Session, actor: Actor, incident: Incident) -> bool:
    return bool(workflow.roles(db, actor, incident) & MARKERS)


def list_deadlines(db: Session, *, actor: Actor, incident_id: int, ip: str | None = None) -> DeadlineList:
    """The incident's deadlines, earliest first, for whoever may see the incident."""
    from kommcert.incidents import service

    incident = service.get_incident(db, actor=actor, incident_id=incident_id, ip=ip)
    return DeadlineList(incident, _stored(db, incident.id), may_mark(db, actor, incident), utcnow())


def _deadline(db: Session, incident: Incident, key: str) -> IncidentDeadline:
    found = db.scalar(select(IncidentDeadline).where(IncidentDeadline.incident_id == incident.id,
                                                     IncidentDeadline.rule_key == key))
    if found is None:
        raise NotFound("Diese Frist gibt es bei diesem Vorfall nicht.", "This incident has no such deadline.")
    return found


def summary(db: Session, incident_ids: Iterable[int], *, now: datetime | None = None) -> dict[int, str]:
    """The worst deadline state per incident (``overdue`` > ``open`` > ``done``), for lists such as the
    CERT's queue; incidents without deadlines are missing. The caller passes ids it fetched through the
    policy (nothing here checks visibility)."""
    ids = sorted(set(incident_ids))
    if not ids:
        return {}
    now = now or utcnow()
    out: dict[int, str] = {}
    rows = db.execute(select(IncidentDeadline.incident_id, IncidentDeadline.due_at, IncidentDeadline.done_at)
                      .where(IncidentDeadline.incident_id.in_(ids)))
    for incident_id, due_at, done_at in rows:
        found = deadlines.state(due_at, done_at, now)
        if SEVERITY_OF_STATE[found] >= SEVERITY_OF_STATE.get(out.get(incident_id, ""), -1):
            out[incident_id] = found
    return out


# ---------------------------------------------------------------- marking done

def set_done(db: Session, *, actor: Actor, incident_id: int, key: str, done: bool = True,
             done_at: datetime | None = None) -> IncidentDeadline:
    """Mark the deadline ``key`` done (the report was sent; ``done_at`` when it was, default now) or open
    again. For the CERT and the affected organisation's writers; a timeline entry either way."""
    from kommcert.incidents import service

    incident = service.get_incident(db, actor=actor, incident_id=incident_id)
    deadline = _deadline(db, incident, key)
    if not may_mark(db, actor, incident):
        raise PermissionDenied("Fristen hakt das CERT oder die betroffene Organisation ab.",
                               "Deadlines are marked done by the CERT or the affected organisation.")
    now = utcnow()
    if done_at is not None:
        done_at = _utc(done_at)
        if done_at > now + service.FUTURE_SLACK:
            raise InvalidInput("Der Erledigt-Zeitpunkt liegt in der Zukunft.", "The time done is in the future.")
        if done_at < _utc(incident.first_known_at) - service.FUTURE_SLACK:
            raise InvalidInput("Der Erledigt-Zeitpunkt liegt vor dem Vorfall.",
                               "The time done is before the incident.")
    if not done and not deadline.done:
        return deadline  # nothing changes, nothing to record
    if done and deadline.done and (done_at is None or _utc(deadline.done_at) == done_at):  # type: ignore[arg-type]
        return deadline
    deadline.done_at = (done_at or now) if done else None
    deadline.done_by_id = actor.user_id if done else None
    if not done:  # reminders whose moment passed while it was done are not sent late
        passed = [m for m in _moments(deadline) if m <= now]
        if deadline.reminded_until is not None:
            passed.append(_utc(deadline.reminded_until))
        deadline.reminded_until = max(passed, default=None)
    db.flush()
    # The timeline entry recomputes the deadlines (a done deadline anchors those after it).
    service._record(db, incident, EventKind.deadline_done if done else EventKind.deadline_reopened, actor,
                    {"key": deadline.rule_key, "done_at": _iso(deadline.done_at) if deadline.done_at else None})
    db.refresh(deadline)
    return deadline


# ---------------------------------------------------------------- the report to send

def text_context(db: Session, incident: Incident, deadline: IncidentDeadline | None = None, *,
                 settings: Settings | None = None) -> dict[str, object]:
    """The values of the rules' placeholders for this incident (``deadlines.PLACEHOLDERS``); what is not
    known stays out, so the text shows ``{name}`` for the writer to fill in."""
    from kommcert.incidents import service

    owner = db.get(Organization, incident.owner_org_id)
    answers = dict(incident.answers or {})
    systems = "\n".join(part for part in (answers.get("systems"), answers.get("location")) if part)
    base = settings.base_url.rstrip("/") if settings is not None else ""
    context: dict[str, object] = {
        **service.deadline_attributes(db, incident),
        "org_name": owner.name if owner else None, "incident_title": incident.title,
        "incident_url": f"{base}/incidents/{incident.id}" if base else None,
        "first_known_at": incident.first_known_at, "reported_at": incident.reported_at,
        "due_at": deadline.due_at if deadline is not None else None,
        "what_happened": answers.get("observed"), "systems": systems or None,
        "measures": answers.get("actions_taken"), "cause": None,
        "malicious": True if Category(incident.category) in MALICIOUS else None,
        "reporter_name": incident.reporter_name or None, "callback_phone": incident.callback_phone or None,
        "cert_name": _cert_name(db, incident),
    }
    return context


def _cert_name(db: Session, incident: Incident) -> str | None:
    """The CERT that handles the incident: the assignee's, else the Landes-CERT."""
    from kommcert.accounts.models import User

    if incident.assignee_id is not None:
        user = db.get(User, incident.assignee_id)
        if user is not None:
            return user.org.name
    return db.scalar(select(Organization.name).where(Organization.kind == OrgKind.land_cert)
                     .order_by(Organization.id).limit(1))


@dataclass(frozen=True)
class ReportText:
    deadline: IncidentDeadline
    text: str
    filename: str


def report_text(db: Session, *, actor: Actor, incident_id: int, key: str, lang: str = "de",
                settings: Settings | None = None) -> ReportText:
    """The pre-filled report of deadline ``key`` in German or English, for whoever may see the incident."""
    from kommcert.incidents import service

    incident = service.get_incident(db, actor=actor, incident_id=incident_id)
    deadline = _deadline(db, incident, key)
    lang = "en" if lang == "en" else "de"
    config = rule_config(settings)
    try:
        text = deadlines.report_text(config.rules, key, text_context(db, incident, deadline, settings=settings),
                                     lang, zone=config.zone)
    except KeyError:
        raise NotFound("Die Regel dieser Frist gibt es nicht mehr; ihr Text fehlt.",
                       "The rule of this deadline is gone, and with it its text.") from None
    return ReportText(deadline, text.rstrip("\n") + "\n", f"vorfall-{incident.id}-{key}-{lang}.txt")


# ---------------------------------------------------------------- reminders

def reminder_recipients(db: Session, incident: Incident) -> list[int]:
    """Who is reminded: the assignee, the CERT on call (the analysts and admins of every CERT organisation,
    as for a new incident) and the affected organisation's admins."""
    from kommcert.accounts.models import Role
    from kommcert.notifications.service import users_in_orgs
    from kommcert.orgs.models import CERT_KINDS

    cert_orgs = db.scalars(select(Organization.id).where(Organization.kind.in_([str(k) for k in CERT_KINDS]))).all()
    recipients = set(users_in_orgs(db, cert_orgs, roles=[Role.analyst, Role.admin]))
    recipients.update(users_in_orgs(db, [incident.owner_org_id], roles=[Role.admin]))
    if incident.assignee_id is not None:
        recipients.add(incident.assignee_id)
    return sorted(recipients)


def send_reminders(db: Session, *, now: datetime | None = None) -> dict[str, int]:
    """Notify about every open deadline whose next reminder moment has passed, once: the latest passed
    moment is sent (a worker that was down sends one reminder, not a burst), and the deadline then
    waits for its next moment. A reminder that comes due only after the deadline is not sent. The
    notification's key names the deadline and the moment, so a repeated run adds nothing."""
    from kommcert.notifications import notify

    now = now or utcnow()
    due = db.scalars(select(IncidentDeadline).where(IncidentDeadline.done_at.is_(None),
                                                    IncidentDeadline.next_remind_at.is_not(None),
                                                    IncidentDeadline.next_remind_at <= now)
                     .order_by(IncidentDeadline.id).with_for_update(skip_locked=True)).all()
    sent = skipped = 0
    for deadline in due:
        passed = [m for m in _moments(deadline) if m <= now]
        moment = max(passed) if passed else _utc(deadline.next_remind_at)  # type: ignore[arg-type]
        deadline.reminded_until = moment
        deadline.next_remind_at = _next_reminder(deadline)
        incident = db.get(Incident, deadline.incident_id)
        if incident is None or Phase(incident.phase) in QUIET_PHASES or _utc(deadline.due_at) <= now:
            skipped += 1
            continue
        notify(db, event="incident.deadline_reminder", subject_type=SUBJECT_TYPE, subject_id=deadline.id,
               recipients=reminder_recipients(db, incident), data={"key": deadline.rule_key},
               key=f"{deadline.rule_key}@{_iso(moment)}")
        sent += 1
    db.flush()
    return {"reminded": sent, "skipped": skipped}


SUBJECT_TYPE = "incident_deadline"


def state_labels(lang: str) -> Mapping[str, str]:
    from kommcert import i18n

    return {state: i18n.translate(label, lang) if lang != "de" else label
            for state, label in deadlines.STATE_LABELS_DE.items()}
