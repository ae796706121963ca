"""Who is told about an incident, and what the mail says (subject type ``incident``).

Every change of an incident writes one timeline entry (``service._record``), and that function calls
:func:`announce` with the entry. :data:`WHO_IS_TOLD` names, per kind of entry, the groups of people who
hear about it; :func:`recipients` turns them into user ids, never the person who made the change.
``kommcert.notifications.notify`` then stores one notification per recipient, keyed by the timeline
entry's id (so nobody is told twice about one entry), in the caller's transaction: a change that is
rolled back tells nobody. When the mail is due, the notification job checks again that the recipient
may still see the incident (``sharing.policy``), renders it in the recipient's language and sends it at
once or in the daily digest, as the recipient chose.

The groups:

* ``on_call`` — the CERT on call: the analysts and admins of every CERT organisation (Landes-CERT,
  Kommunal-CERT). There is no separate on-call roster; all of them are the on-call group. Told about a
  new incident at or above ``KOMMCERT_INCIDENT_ALERT_SEVERITY`` (default ``medium``).
* ``case_team`` — the CERT user the incident is assigned to (on a reassignment also the previous one, on
  a new task also the person it is for) and the writers of every participating organisation.
* ``municipality`` — the affected (reporting) organisation: the person who reported it and the
  organisation's writers. Told about every phase change, and when the CERT published the incident's
  indicators for everyone.

Mails carry the title, category, severity and phase, who made the change and what it was, and the link —
never the report's answers, a note's text or a task's text (those are read after login).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.accounts.models import Role, User
from kommcert.incidents.models import (
    CATEGORY_LABELS_DE,
    EVENT_LABELS_DE,
    PARTICIPANT_ROLE_LABELS_DE,
    PHASE_LABELS_DE,
    SEVERITY_LABELS_DE,
    Category,
    EventKind,
    Incident,
    IncidentEvent,
    IncidentParticipant,
    ParticipantRole,
    Phase,
    Severity,
)
from kommcert.notifications import registry
from kommcert.notifications import service as notifications_service
from kommcert.notifications.models import Notification
from kommcert.notifications.registry import RenderContext, Rendered
from kommcert.orgs.models import CERT_KINDS, Organization

log = logging.getLogger("kommcert.incidents")

SUBJECT_TYPE = "incident"
ALERT_SEVERITY_ENV = "KOMMCERT_INCIDENT_ALERT_SEVERITY"
DEFAULT_ALERT_SEVERITY = Severity.medium
# Who writes for an organisation (readers are kept out of the alerts; they see the incident on its page).
WRITER_ROLES = (Role.admin, Role.analyst, Role.member)
ON_CALL_ROLES = (Role.analyst, Role.admin)


class Audience(StrEnum):
    on_call = "on_call"
    case_team = "case_team"
    municipality = "municipality"


ON_CALL, CASE_TEAM, MUNICIPALITY = Audience.on_call, Audience.case_team, Audience.municipality

# Timeline entry kind -> who is told. Kinds not listed (tasks done, observables, evidence, files,
# deadlines, publication …) tell nobody: they are on the case page. ``reported`` reaches the on-call
# group only at or above the alert severity.
WHO_IS_TOLD: dict[EventKind, frozenset[Audience]] = {
    EventKind.reported: frozenset({ON_CALL}),
    EventKind.assigned: frozenset({CASE_TEAM}),
    EventKind.phase_changed: frozenset({CASE_TEAM, MUNICIPALITY}),
    EventKind.marked_duplicate: frozenset({CASE_TEAM, MUNICIPALITY}),  # a phase change to "Duplikat"
    EventKind.participant_added: frozenset({CASE_TEAM}),
    EventKind.task_added: frozenset({CASE_TEAM}),
    EventKind.severity_changed: frozenset({CASE_TEAM}),
    EventKind.category_changed: frozenset({CASE_TEAM}),
    EventKind.note: frozenset({CASE_TEAM}),
    # Closing the loop: the municipality learns that what it reported now protects everyone else.
    EventKind.observables_published: frozenset({CASE_TEAM, MUNICIPALITY}),
}

PHASE_KINDS = frozenset({EventKind.phase_changed, EventKind.marked_duplicate})

_SILENCED: ContextVar[bool] = ContextVar("incident_notifications_silenced", default=False)


@contextmanager
def silenced() -> Iterator[None]:
    """Changes made inside tell nobody: for writing a history that is not news (the demo data's
    incident, an import), never for real work on a case. Every other notification is held back too
    (``notifications.service.silenced``)."""
    token = _SILENCED.set(True)
    try:
        with notifications_service.silenced():
            yield
    finally:
        _SILENCED.reset(token)


def alert_severity() -> Severity:
    """The lowest severity of a new incident that alerts the CERT on call. The timeline hook runs inside
    any use case, without settings at hand: it reads the variable the settings validate at start."""
    raw = os.environ.get(ALERT_SEVERITY_ENV, "").strip().lower()
    if not raw:
        return DEFAULT_ALERT_SEVERITY
    try:
        return Severity(raw)
    except ValueError:
        log.error("%s=%r is no severity (low, medium, high, critical); using %s", ALERT_SEVERITY_ENV, raw,
                  DEFAULT_ALERT_SEVERITY.value)
        return DEFAULT_ALERT_SEVERITY


def _users(db: Session, org_ids: Iterable[int], roles: Iterable[Role]) -> set[int]:
    from kommcert.notifications.service import users_in_orgs

    orgs = list(org_ids)
    return set(users_in_orgs(db, orgs, roles=[str(r) for r in roles])) if orgs else set()


def _on_call(db: Session) -> set[int]:
    cert_orgs = db.scalars(select(Organization.id).where(Organization.kind.in_([str(k) for k in CERT_KINDS])))
    return _users(db, cert_orgs, ON_CALL_ROLES)


def _case_team(db: Session, incident: Incident, event: IncidentEvent) -> set[int]:
    found: set[int] = set()
    data = event.data or {}
    extra = [incident.assignee_id]
    if event.kind == EventKind.assigned:
        extra.append(data.get("from"))  # the previous assignee hears that the case moved on
    if event.kind == EventKind.task_added:
        extra.append(data.get("assignee_id"))  # the person the new task is for
    found.update(int(u) for u in extra if u is not None)
    participants = db.scalars(select(IncidentParticipant.org_id).where(IncidentParticipant.incident_id == incident.id))
    found |= _users(db, participants, WRITER_ROLES)
    return found


def _municipality(db: Session, incident: Incident) -> set[int]:
    found = _users(db, [incident.owner_org_id], WRITER_ROLES)
    if incident.reporter_id is not None:
        found.add(incident.reporter_id)
    return found


def recipients(db: Session, incident: Incident, event: IncidentEvent) -> list[int]:
    """The user ids told about this timeline entry (:data:`WHO_IS_TOLD`), without its author. Whether each
    of them may see the incident is checked again when the mail is sent."""
    audiences = WHO_IS_TOLD.get(EventKind(event.kind), frozenset())
    found: set[int] = set()
    if ON_CALL in audiences and Severity(incident.severity).rank >= alert_severity().rank:
        found |= _on_call(db)
    if CASE_TEAM in audiences:
        found |= _case_team(db, incident, event)
    if MUNICIPALITY in audiences:
        found |= _municipality(db, incident)
    found.discard(event.actor_id)  # type: ignore[arg-type]
    return sorted(found)


def announce(db: Session, incident: Incident, event: IncidentEvent) -> list[Notification]:
    """The hook of ``service._record``: tell whoever should hear about this timeline entry, once each."""
    from kommcert.notifications import notify

    if _SILENCED.get():
        return []
    users = recipients(db, incident, event)
    if not users:
        return []
    return notify(db, event=f"incident.{event.kind}", subject_type=SUBJECT_TYPE, subject_id=incident.id,
                  recipients=users, data={"event_id": event.id, "kind": str(event.kind)}, key=f"event.{event.id}")


# ---------------------------------------------------------------- what the mail says

def _load(db: Session, incident_id: int) -> Incident | None:
    return db.get(Incident, incident_id)


def _label(ctx: RenderContext, labels: dict, value: object, enum: type[StrEnum]) -> str:
    try:
        return ctx._(labels[enum(str(value))])
    except (KeyError, ValueError):
        return str(value)


def _names(db: Session, user_id: object, org_id: object) -> tuple[str | None, str | None]:
    user = db.get(User, int(user_id)) if user_id is not None else None  # type: ignore[call-overload]
    org = db.get(Organization, int(org_id)) if org_id is not None else None  # type: ignore[call-overload]
    return (user.name if user else None), (org.name if org else None)


def _due(text: object, lang: str) -> str:
    from kommcert import timefmt

    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return ""
    return timefmt.format_datetime(moment, timefmt.zone_from_environment(), lang)


def _change(incident: Incident, event: IncidentEvent | None, ctx: RenderContext) -> tuple[str, str]:
    """(the subject's headline, the sentence saying what changed) for the recipient's language."""
    _ = ctx._
    db = ctx.db
    kind = EventKind(event.kind) if event is not None else None
    data = dict(event.data or {}) if event is not None else {}
    owner = db.get(Organization, incident.owner_org_id)
    owner_name = owner.name if owner else ""
    if kind == EventKind.reported:
        if incident.on_behalf:
            _user, filer = _names(db, None, incident.filed_by_org_id)
            text = _("{filer} hat für {org} einen Vorfall gemeldet.", filer=filer or "CERT", org=owner_name)
        else:
            text = _("{org} hat einen Vorfall gemeldet.", org=owner_name)
        return _("Neuer Vorfall"), text
    if kind in PHASE_KINDS:
        to = _label(ctx, PHASE_LABELS_DE, data.get("to", incident.phase), Phase)
        before = _label(ctx, PHASE_LABELS_DE, data.get("from", ""), Phase)
        return (_("Vorfall jetzt „{phase}“", phase=to),
                _("Neue Phase: {to} (vorher: {before}).", to=to, before=before))
    if kind == EventKind.severity_changed:
        to = _label(ctx, SEVERITY_LABELS_DE, data.get("to"), Severity)
        before = _label(ctx, SEVERITY_LABELS_DE, data.get("from"), Severity)
        return (_("Vorfall: Schweregrad {severity}", severity=to),
                _("Neuer Schweregrad: {to} (vorher: {before}).", to=to, before=before))
    if kind == EventKind.category_changed:
        to = _label(ctx, CATEGORY_LABELS_DE, data.get("to"), Category)
        before = _label(ctx, CATEGORY_LABELS_DE, data.get("from"), Category)
        return (_("Vorfall: Kategorie {category}", category=to),
                _("Neue Kategorie: {to} (vorher: {before}).", to=to, before=before))
    if kind == EventKind.assigned:
        headline = _("Vorfall: Bearbeitung zugewiesen")
        to = data.get("to")
        if to is None:
            return headline, _("Die Bearbeitung ist niemandem mehr zugewiesen.")
        if to == ctx.user.id:
            return headline, _("Die Bearbeitung des Vorfalls liegt jetzt bei Ihnen.")
        name, _org = _names(db, to, None)
        if data.get("claimed"):
            return headline, _("{name} hat die Bearbeitung übernommen.", name=name or "?")
        return headline, _("Die Bearbeitung liegt jetzt bei {name}.", name=name or "?")
    if kind == EventKind.participant_added:
        _user, org_name = _names(db, None, data.get("org_id"))
        role = _label(ctx, PARTICIPANT_ROLE_LABELS_DE, data.get("role"), ParticipantRole)
        if org_name is not None and ctx.user.org_id == data.get("org_id"):
            text = _("Ihre Organisation ist jetzt an diesem Vorfall beteiligt ({role}).", role=role)
        else:
            text = _("{org} ist jetzt beteiligt ({role}).", org=org_name or "?", role=role)
        return _("Vorfall: Beteiligte Organisation hinzugefügt"), text
    if kind == EventKind.task_added:
        due = _due(data["due_at"], ctx.lang) if data.get("due_at") else ""
        if data.get("assignee_id") == ctx.user.id:
            text = _("Eine neue Aufgabe ist für Sie.")
        else:
            text = _("Eine neue Aufgabe wurde angelegt.")
        if due:
            text += " " + _("Fällig: {due}", due=due)
        return _("Vorfall: neue Aufgabe"), text
    if kind == EventKind.note:
        return _("Vorfall: neue Notiz"), _("Eine neue Notiz steht im Verlauf des Vorfalls.")
    if kind == EventKind.observables_published:
        count = len(data.get("published") or [])
        return (_("Vorfall: Indikatoren für alle veröffentlicht"),
                _("Der CERT hat Indikatoren aus diesem Vorfall (Anzahl: {count}) ohne Namen der betroffenen "
                  "Organisation veröffentlicht; sie stehen jetzt in den Sperrlisten aller Kommunen.", count=count))
    label = _(EVENT_LABELS_DE[kind]) if kind is not None else _("Neuigkeit")
    return _("Vorfall: {change}", change=label), label + "."


def _render(incident: Incident, ctx: RenderContext) -> Rendered:
    _ = ctx._
    db = ctx.db
    event_id = ctx.data.get("event_id")
    event = db.get(IncidentEvent, int(event_id)) if event_id is not None else None
    if event is not None and event.incident_id != incident.id:
        event = None
    headline, change = _change(incident, event, ctx)
    owner = db.get(Organization, incident.owner_org_id)
    owner_name = owner.name if owner else ""
    category = _label(ctx, CATEGORY_LABELS_DE, incident.category, Category)
    severity = _label(ctx, SEVERITY_LABELS_DE, incident.severity, Severity)
    phase = _label(ctx, PHASE_LABELS_DE, incident.phase, Phase)
    link = ctx.url(f"/incidents/{incident.id}")
    subject = f"[kommcert] {headline}: {category} – {owner_name} ({severity})"
    body = [change]
    if event is not None and event.actor_id is not None and EventKind(event.kind) != EventKind.reported:
        name, org_name = _names(db, event.actor_id, event.actor_org_id)
        if name:
            body.append(_("Von: {name} ({org})", name=name, org=org_name or "?"))
    body += [
        "",
        _("Vorfall: {title}", title=incident.title),
        _("Betroffen: {org}", org=owner_name),
        _("Kategorie: {category}", category=category),
        _("Schweregrad: {severity}", severity=severity),
        _("Phase: {phase}", phase=phase),
        "",
        _("Alles Weitere sehen Sie nach der Anmeldung:"),
        link,
        "",
        _("Ob Sie sofort oder einmal täglich benachrichtigt werden, stellen Sie unter „Mein Konto“ ein: {link}",
          link=ctx.url("/account")),
    ]
    return Rendered(subject=subject, text="\n".join(body) + "\n", link=link)


registry.register(SUBJECT_TYPE, _load, _render)
