"""Each person's choice for warnings: from which risk on, how (at once, daily digest, not at all) and
which (only those affecting the own organisation, or every warning the person may see).

Without a row the defaults hold: from "mittel", at once, only those affecting the own organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from kommcert.advisories.models import Risk, WarningPreference
from kommcert.errors import InvalidInput, PermissionDenied
from kommcert.sharing.actor import Actor

DELIVERIES = ("immediate", "digest", "none")
SCOPES = ("affected", "all")
DELIVERY_LABELS_DE = {"immediate": "sofort, eine E-Mail je Warnung",
                      "digest": "einmal täglich in der Zusammenfassung",
                      "none": "keine E-Mails (nur auf der Seite „Meine Warnungen“)"}
SCOPE_LABELS_DE = {"affected": "nur Warnungen, die meine Organisation betreffen (auch möglicherweise)",
                   "all": "alle Warnungen, die ich sehen darf"}


@dataclass(frozen=True)
class Preference:
    min_risk: Risk = Risk.mittel
    delivery: str = "immediate"
    scope: str = "affected"

    def wants(self, risk: Risk | str) -> bool:
        return self.delivery != "none" and Risk(risk).rank >= Risk(self.min_risk).rank


DEFAULT = Preference()


def of(row: WarningPreference | None) -> Preference:
    if row is None:
        return DEFAULT
    return Preference(Risk(row.min_risk), row.delivery, row.scope)


def get(db: Session, *, user_id: int) -> Preference:
    return of(db.get(WarningPreference, user_id))


def for_users(db: Session, user_ids: list[int]) -> dict[int, Preference]:
    """Everyone asked for gets an answer (the defaults where no row exists)."""
    from sqlalchemy import select

    rows = {r.user_id: r for r in db.scalars(select(WarningPreference).where(WarningPreference.user_id.in_(user_ids)))}
    return {u: of(rows.get(u)) for u in user_ids}


def set_preference(db: Session, *, actor: Actor, min_risk: str, delivery: str, scope: str) -> Preference:
    """The acting person's own choice."""
    if actor.user_id is None:
        raise PermissionDenied("Nur eine Person kann Warnungen einstellen.", "Only a person can choose warnings.")
    try:
        risk = Risk(min_risk)
    except ValueError:
        raise InvalidInput("Unbekannte Risikostufe (niedrig, mittel, hoch, kritisch).",
                           "Unknown risk (niedrig, mittel, hoch, kritisch).") from None
    if delivery not in DELIVERIES:
        raise InvalidInput("Zustellung: sofort, täglich oder keine.", "Delivery: immediate, digest or none.")
    if scope not in SCOPES:
        raise InvalidInput("Umfang: betroffene oder alle Warnungen.", "Scope: affected or all warnings.")
    row = db.get(WarningPreference, actor.user_id)
    if row is None:
        row = WarningPreference(user_id=actor.user_id)
        db.add(row)
    row.min_risk, row.delivery, row.scope = risk, delivery, scope
    db.flush()
    return of(row)
