"""Who hears about a deployment (subject type ``deployment``), and what the mail says.

* the municipality (writers of the paying organisation) when the team arrives and when new time entries
  wait for confirmation — once a day per deployment;
* the provider's writers when the municipality disputes an entry;
* the CERTs' analysts and admins and the municipality when the hand-over waits for sign-off;
* all three when the deployment is closed.

Whether a recipient may see the deployment is checked again when the mail is sent (:func:`_check`, the
deployment's visibility). Mails carry no report text, only what happened and the link.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.accounts.models import Role
from kommcert.deployments.models import Deployment
from kommcert.notifications import registry
from kommcert.notifications import service as notifications_service
from kommcert.orgs.models import CERT_KINDS, Organization
from kommcert.sharing.actor import Actor

SUBJECT_TYPE = "deployment"
ARRIVED = "deployment_arrived"
ENTRIES_WAITING = "deployment_entries_waiting"
DISPUTED = "deployment_entry_disputed"
HANDOVER = "deployment_handover"
CLOSED = "deployment_closed"
WRITERS = (Role.admin, Role.analyst, Role.member)

SUBJECTS_DE = {
    ARRIVED: "Das Einsatzteam ist eingetroffen: Einsatz {id} bei {org}",
    ENTRIES_WAITING: "Stunden warten auf Ihre Bestätigung: Einsatz {id} bei {org}",
    DISPUTED: "Ein Zeiteintrag wurde bestritten: Einsatz {id} bei {org}",
    HANDOVER: "Die Übergabe wartet auf Zeichnung: Einsatz {id} bei {org}",
    CLOSED: "Einsatz {id} bei {org} ist abgeschlossen",
}


def _cert_people(db: Session) -> list[int]:
    orgs = db.scalars(select(Organization.id).where(Organization.kind.in_([str(k) for k in CERT_KINDS])))
    return notifications_service.users_in_orgs(db, orgs, roles=(Role.admin, Role.analyst))


def recipients(db: Session, deployment: Deployment, event: str) -> list[int]:
    municipality = notifications_service.users_in_orgs(db, [deployment.org_id], roles=WRITERS)
    provider = notifications_service.users_in_orgs(db, [deployment.provider_org_id], roles=WRITERS)
    who = {ARRIVED: municipality, ENTRIES_WAITING: municipality, DISPUTED: provider,
           HANDOVER: municipality + _cert_people(db),
           CLOSED: municipality + provider + _cert_people(db)}[event]
    return sorted(set(who))


def tell(db: Session, deployment: Deployment, event: str, *, key: str | None = None) -> None:
    """Notify in the caller's transaction; ``key`` names the occurrence (default: once per event)."""
    notifications_service.notify(db, event=event, subject_type=SUBJECT_TYPE, subject_id=deployment.id,
                                 recipients=recipients(db, deployment, event), key=key or event)


def _load(db: Session, deployment_id: int) -> Deployment | None:
    return db.get(Deployment, deployment_id)


def _check(db: Session, actor: Actor, deployment: Deployment) -> bool:
    from kommcert.deployments import access

    return access.may_view(db, actor, deployment)


def _render(deployment: Deployment, ctx: registry.RenderContext) -> registry.Rendered:
    _ = ctx._
    org = ctx.db.get(Organization, deployment.org_id)
    link = ctx.url(f"/deployments/{deployment.id}")
    template = SUBJECTS_DE.get(ctx.event, "Einsatz {id} bei {org}")
    subject = _(template, id=deployment.id, org=org.name if org else "")
    return registry.Rendered(subject=subject, text=f"{subject}\n\n{link}\n", link=link)


registry.register(SUBJECT_TYPE, _load, _render, check=_check)
