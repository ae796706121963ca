"""Reminders before an incident's legal deadlines: the periodic job and what the notification says.

Every five minutes (``incident-deadline-reminders``) :func:`deadline_service.send_reminders` notifies the
assignee, the CERT on call (analysts and admins of the CERTs) and the affected organisation's admins
about each open deadline whose reminder moment has passed. The notification (subject type
``incident_deadline``) is checked against the incident when it is sent: whoever may no longer see the
incident is not told.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from kommcert.config import Settings
from kommcert.incidents import deadline_service
from kommcert.incidents.deadline_models import IncidentDeadline
from kommcert.incidents.models import Incident
from kommcert.jobs import handlers, schedule
from kommcert.notifications import registry
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor

KIND = "incidents.deadline_reminders"
EVERY = timedelta(minutes=5)


@handlers.register(KIND)
def _send_reminders(db: Session, payload: dict[str, Any], settings: Settings) -> dict[str, Any]:
    return deadline_service.send_reminders(db)


schedule.register(schedule.Periodic("incident-deadline-reminders", KIND, every=EVERY,
                                    description="Erinnerungen vor den Meldefristen der Vorfälle"))


def _load(db: Session, deadline_id: int) -> IncidentDeadline | None:
    return db.get(IncidentDeadline, deadline_id)


def _may_view(db: Session, actor: Actor, deadline: IncidentDeadline) -> bool:
    incident = db.get(Incident, deadline.incident_id)
    return incident is not None and policy.can(db, actor, policy.VIEW, incident)


def _render(deadline: IncidentDeadline, ctx: registry.RenderContext) -> registry.Rendered:
    from kommcert import timefmt

    _ = ctx._
    incident = ctx.db.get(Incident, deadline.incident_id)
    assert incident is not None
    link = ctx.url(f"/incidents/{incident.id}#fristen")
    due = timefmt.format_datetime(deadline.due_at, timefmt.zone_from_environment(), ctx.lang)
    title = deadline.title(ctx.lang)
    subject = _("Frist läuft ab: {title} (Vorfall {id})", title=title, id=incident.id)
    body = [
        _("Eine Meldefrist des Vorfalls „{incident}“ läuft ab.", incident=incident.title), "",
        f"{title} ({deadline.basis})",
        _("Fällig: {due}", due=due),
        _("An: {recipient}", recipient=deadline.recipient(ctx.lang)), "",
        _("Den vorausgefüllten Meldungstext finden Sie beim Vorfall. Ist die Meldung schon verschickt, "
          "haken Sie die Frist dort als erledigt ab."), "", link,
    ]
    return registry.Rendered(subject=subject, text="\n".join(body) + "\n", link=link)


registry.register(deadline_service.SUBJECT_TYPE, _load, _render, check=_may_view)
