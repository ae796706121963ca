"""A certificate of participation as PDF: one organisation at one event, the counts per target group and,
where the organiser recorded names for the event, one line per name.

Read like the attendance itself (the organiser, and whoever may see the organisation's awareness facts);
printed by ``kommcert.pdf.render_pdf`` from ``awareness/certificate.html`` with the event's TLP (GREEN: a
certificate is meant to be shown), and logged as an export.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.awareness import access, attendance
from kommcert.awareness.models import FORMAT_LABELS_DE, TARGET_GROUP_LABELS_DE, Format, TargetGroup
from kommcert.config import Settings
from kommcert.db import utcnow
from kommcert.errors import NotFound
from kommcert.i18n import LOCALES
from kommcert.orgs.models import Organization
from kommcert.sharing.actor import Actor
from kommcert.sharing.tlp import TLP


@dataclass
class Certificate:
    data: bytes
    filename: str


def html(view: attendance.EventView, line: attendance.OrgLine, org: Organization, *, lang: str,
         settings: Settings) -> str:
    from kommcert import i18n
    from kommcert.web.templating import environment

    gettext = i18n.gettext_for(lang)
    groups = [(g.value, TARGET_GROUP_LABELS_DE[g]) for g in TargetGroup if line.attended.get(g.value)]
    names = [(label, n.strip()) for key, label in groups for n in line.names.get(key, "").splitlines() if n.strip()]
    return environment().get_template("awareness/certificate.html").render(
        view=view, event=view.event, line=line, org=org, groups=groups, names=names, lang=lang, settings=settings,
        _=gettext, format_label=FORMAT_LABELS_DE[Format(view.event.format)], made_at=utcnow())


def pdf(db: Session, *, actor: Actor, event_id: int, org_id: int, settings: Settings, lang: str = "de",
        ip: str | None = None) -> Certificate:
    from kommcert.pdf import render_pdf

    lang = lang if lang in LOCALES else "de"
    view = attendance.event_view(db, actor, event_id)
    line = next((ln for ln in view.lines if ln.org_id == org_id and ln.attended), None)
    org = db.get(Organization, org_id)
    if line is None or org is None or not (view.may_manage or access.sees_org(db, actor, org_id)):
        raise NotFound("Für diese Organisation ist keine Teilnahme eingetragen.",
                       "No attendance is recorded for this organisation.")
    data = render_pdf(html(view, line, org, lang=lang, settings=settings), tlp=TLP(view.event.tlp), lang=lang)
    audit_service.record(db, AuditEvent(events.EXPORTED, actor_user_id=actor.user_id, org_id=org_id,
                                        object_type="awareness_event", object_id=event_id, ip=ip,
                                        detail={"format": "pdf", "what": "certificate"}))
    name = "teilnahmebescheinigung" if lang == "de" else "certificate"
    return Certificate(data, f"{name}-{event_id}-{org_id}.pdf")
