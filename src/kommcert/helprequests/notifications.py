"""Who hears about a help request (subject type ``help_request``), and what the mail says.

* on a request: the CERTs' analysts and admins (the on-call group);
* on assignment: the provider's (or the MIRT's) admins and members, with its on-call number;
* on acceptance and on arrival: the requesting organisation's writers.

When the mail is sent, the check applies the same rule as the lists (``service.may_see``): the incident
is visible, and a provider sees only what is assigned to it. Mails carry no contingent numbers and no
description (that is read after login).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.accounts.models import Role
from kommcert.helprequests.models import HELP_MODE_LABELS_DE, URGENCY_LABELS_DE, HelpMode, HelpRequest, Urgency
from kommcert.incidents.models import Incident
from kommcert.notifications import registry
from kommcert.notifications import service as notifications_service
from kommcert.orgs.models import CERT_KINDS, Organization
from kommcert.providers.models import ProviderProfile
from kommcert.sharing.actor import Actor

SUBJECT_TYPE = "help_request"
REQUESTED = "help_requested"
ASSIGNED = "help_assigned"
ACCEPTED = "help_accepted"
DEPLOYED = "help_deployed"
WRITERS = (Role.admin, Role.analyst, Role.member)


def cert_on_call(db: Session) -> list[int]:
    cert_orgs = db.scalars(select(Organization.id).where(Organization.kind.in_([str(k) for k in CERT_KINDS])))
    return notifications_service.users_in_orgs(db, cert_orgs, roles=(Role.admin, Role.analyst))


def provider_on_call(db: Session, org_id: int) -> list[int]:
    return notifications_service.users_in_orgs(db, [org_id], roles=(Role.admin, Role.member))


def requesters(db: Session, org_id: int) -> list[int]:
    return notifications_service.users_in_orgs(db, [org_id], roles=WRITERS)


def tell(db: Session, request: HelpRequest, event: str, recipients: list[int], key: object) -> None:
    notifications_service.notify(db, event=event, subject_type=SUBJECT_TYPE, subject_id=request.id,
                                 recipients=recipients, key=f"{event}:{key}")


def _load(db: Session, help_request_id: int) -> HelpRequest | None:
    return db.get(HelpRequest, help_request_id)


def _may_view(db: Session, actor: Actor, request: HelpRequest) -> bool:
    from kommcert.helprequests import service

    return service.may_see(db, actor, request)


def _render(request: HelpRequest, ctx: registry.RenderContext) -> registry.Rendered:
    _ = ctx._
    db = ctx.db
    incident = db.get(Incident, request.incident_id)
    org = db.get(Organization, request.org_id)
    org_name = org.name if org else "?"
    assignee = db.get(Organization, request.assignee_org_id) if request.assignee_org_id else None
    link = ctx.url(f"/incidents/{request.incident_id}#hilfe")
    mode = _(HELP_MODE_LABELS_DE[HelpMode(request.mode)])
    urgency = _(URGENCY_LABELS_DE[Urgency(request.urgency)])
    lines: list[str]
    if ctx.event == ASSIGNED:
        profile = db.get(ProviderProfile, request.assignee_org_id) if request.assignee_org_id else None
        subject = _("Einsatzauftrag: Hilfe für {org}", org=org_name)
        lines = [_("Das CERT beauftragt Sie mit Hilfe für {org} ({mode}, Dringlichkeit: {urgency}).",
                   org=org_name, mode=mode, urgency=urgency),
                 _("Bitte nehmen Sie den Auftrag mit Team und Ankunftszeit an oder geben Sie ihn zurück.")]
        if profile is not None and profile.on_call_phone:
            lines.append(_("Ihre Rufbereitschaft: {phone}", phone=profile.on_call_phone))
    elif ctx.event == ACCEPTED:
        subject = _("Hilfe zugesagt: {provider}", provider=assignee.name if assignee else "?")
        lines = [_("{provider} hat den Auftrag angenommen.", provider=assignee.name if assignee else "?")]
        if request.planned_arrival_at is not None:
            lines.append(_("Geplante Ankunft: {when} (UTC)",
                           when=request.planned_arrival_at.strftime("%d.%m.%Y %H:%M")))
    elif ctx.event == DEPLOYED:
        subject = _("Helfer eingetroffen: {provider}", provider=assignee.name if assignee else "?")
        lines = [_("Das Team von {provider} ist im Einsatz.", provider=assignee.name if assignee else "?")]
    else:
        subject = _("Hilfe angefordert: {org}", org=org_name)
        lines = [_("{org} fordert Hilfe an ({mode}, Dringlichkeit: {urgency}).", org=org_name, mode=mode,
                   urgency=urgency),
                 _("Bitte prüfen und genehmigen oder ablehnen.")]
    if incident is not None:
        lines.insert(0, _("Vorfall: {title}", title=incident.title))
    return registry.Rendered(subject=subject, text="\n".join([*lines, "", link]) + "\n", link=link)


registry.register(SUBJECT_TYPE, _load, _render, check=_may_view)
