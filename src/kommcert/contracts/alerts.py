"""The CERTs are told when a contingent runs low: below 20 % of its amount left (used and reserved
counted). Called after every reservation and charge; each contingent warns once per threshold
crossing (the notification's key is the threshold, so a contingent topped up and drained again
warns again only when it was raised above the threshold in between: the key carries its amount).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.accounts.models import Role
from kommcert.contracts import service as contracts_service
from kommcert.contracts.models import UNIT_LABELS_DE, Contingent, ContingentUnit
from kommcert.notifications import registry
from kommcert.notifications import service as notifications_service
from kommcert.orgs.models import CERT_KINDS, Organization
from kommcert.sharing.actor import Actor

SUBJECT_TYPE = "contingent"
EVENT = "contingent_low"
THRESHOLD = Decimal("0.20")


def is_low(balance: contracts_service.Balance) -> bool:
    return balance.amount > 0 and balance.left < balance.amount * THRESHOLD


def check_low(db: Session, contingent_id: int) -> bool:
    """Notify the CERTs' analysts and admins if the contingent is below the threshold; True if low."""
    contingent = db.get(Contingent, contingent_id)
    if contingent is None:
        return False
    balance = contracts_service.balance(db, contingent)
    if not is_low(balance):
        return False
    cert_orgs = db.scalars(select(Organization.id).where(Organization.kind.in_([str(k) for k in CERT_KINDS])))
    recipients = notifications_service.users_in_orgs(db, cert_orgs, roles=(Role.admin, Role.analyst))
    notifications_service.notify(db, event=EVENT, subject_type=SUBJECT_TYPE, subject_id=contingent.id,
                                 recipients=recipients, key=f"{contingent.year}:{balance.amount}:below20")
    return True


def _load(db: Session, contingent_id: int) -> Contingent | None:
    return db.get(Contingent, contingent_id)


def _may_view(db: Session, actor: Actor, contingent: Contingent) -> bool:
    return actor.is_cert


def _render(contingent: Contingent, ctx: registry.RenderContext) -> registry.Rendered:
    _ = ctx._
    balance = contracts_service.balance(ctx.db, contingent)
    unit = UNIT_LABELS_DE[ContingentUnit(contingent.unit)]
    link = ctx.url(f"/contingents?year={contingent.year}")
    subject = _("Kontingent fast aufgebraucht: {org} ({year})", org=balance.org.name, year=contingent.year)
    body = [
        _("Vom Kontingent {year} von {org} sind weniger als 20 % übrig.", year=contingent.year, org=balance.org.name),
        "",
        _("Kontingent: {amount} {unit}", amount=balance.amount, unit=_(unit)),
        _("Verbraucht: {used} {unit}", used=balance.used, unit=_(unit)),
        _("Reserviert: {reserved} {unit}", reserved=balance.reserved, unit=_(unit)),
        _("Übrig: {left} {unit}", left=balance.left, unit=_(unit)),
        "", link,
    ]
    return registry.Rendered(subject=subject, text="\n".join(body) + "\n", link=link)


registry.register(SUBJECT_TYPE, _load, _render, check=_may_view)
