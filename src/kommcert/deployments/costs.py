"""The cost statement: lines from the rate card, the total, and its CSV and PDF forms.

Each confirmed time entry becomes one line (hours × hourly rate, or the daily flat rate once) and,
with ``travel``, one more line with the travel flat rate. Each line is rounded to the cent
(ROUND_HALF_UP); the total is the sum of the rounded lines, so lines, CSV and PDF always agree.
The CSV is what a German Kämmerei imports into its spreadsheet: UTF-8 with BOM, ``;`` between
fields, decimal comma, dates as TT.MM.JJJJ, CRLF, one self-contained row per line (no sum row).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert import timefmt
from kommcert.contracts import service as contracts_service
from kommcert.contracts.models import (
    UNIT_LABELS_DE,
    Contingent,
    ContingentEntry,
    ContingentUnit,
    EntryKind,
    FrameworkContract,
)
from kommcert.deployments.models import CostLine, CostStatement, Deployment, DeploymentMember, TimeEntry
from kommcert.errors import Conflict
from kommcert.incidents.models import Incident
from kommcert.orgs.models import Organization

if TYPE_CHECKING:
    from kommcert.config import Settings

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
KIND_LABELS_DE = {"hourly": "Stunden", "daily_flat": "Tagespauschale", "travel": "Reisepauschale"}
CSV_HEADER = ("Einsatz", "Kommune", "Vorfall", "Dienstleister", "Position", "Datum", "Person", "Rolle", "Art",
              "Menge", "Satz (EUR)", "Betrag (EUR)")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rates:
    hourly: Decimal
    daily_flat: Decimal
    travel: Decimal


def lines_for(entries: Sequence[tuple[date, str, str, Decimal, bool, bool, Rates]]) -> list[CostLine]:
    """Pure: (day, member, role, hours, daily_flat, travel, rates) per entry → rounded lines."""
    lines: list[CostLine] = []

    def add(day: date, member: str, role: str, kind: str, quantity: Decimal, rate: Decimal) -> None:
        lines.append(CostLine(position=len(lines) + 1, day=day, member=member, role=role, kind=kind,
                              quantity=quantity, rate=rate, amount=cents(quantity * rate)))

    for day, member, role, hours, daily_flat, travel, rates in entries:
        if daily_flat:
            add(day, member, role, "daily_flat", Decimal("1.00"), rates.daily_flat)
        else:
            add(day, member, role, "hourly", hours, rates.hourly)
        if travel:
            add(day, member, role, "travel", Decimal("1.00"), rates.travel)
    return lines


def _rates(db: Session, deployment: Deployment, role: str, day: date) -> Rates:
    if deployment.contract_id is None:  # the MIRT: no contract, nothing billed
        return Rates(ZERO, ZERO, ZERO)
    line = contracts_service.rate_for(db, contract_id=deployment.contract_id, role=role, day=day)
    if line is None:
        raise Conflict(f"Für „{role}“ am {day:%d.%m.%Y} gibt es keinen Satz im Preisblatt.",
                       f"The rate card has no rate for '{role}' on {day.isoformat()}.")
    return Rates(Decimal(line.hourly_rate), Decimal(line.daily_flat_rate), Decimal(line.travel_flat_rate))


def build_statement(db: Session, deployment: Deployment, entries: Sequence[TimeEntry], contingent_id: int | None,
                    user_id: int | None) -> CostStatement:
    names = {m.id: m.name for m in db.scalars(select(DeploymentMember).where(
        DeploymentMember.deployment_id == deployment.id))}
    rows = [(e.day, names.get(e.member_id, ""), e.role, Decimal(e.hours), e.daily_flat, e.travel,
             _rates(db, deployment, e.role, e.day)) for e in entries]
    lines = lines_for(rows)
    total = sum((line.amount for line in lines), ZERO)
    hours_total = sum((Decimal(e.hours) for e in entries), ZERO)
    contingent = db.get(Contingent, contingent_id) if contingent_id is not None else None
    if contingent is None:
        charged = ZERO
    else:
        charged = total if ContingentUnit(contingent.unit) == ContingentUnit.euros else hours_total
    statement = CostStatement(deployment_id=deployment.id, org_id=deployment.org_id, contingent_id=contingent_id,
                              hours_total=hours_total, total=total, charged=charged, created_by_id=user_id,
                              lines=lines)
    db.add(statement)
    db.flush()
    return statement


def ledger_reference(deployment: Deployment) -> str:
    return f"Einsatz {deployment.id} (Vorfall {deployment.incident_id})"


# ---------------------------------------------------------------- reading

@dataclass(frozen=True)
class CostView:
    deployment: Deployment
    statement: CostStatement
    org: Organization
    provider: Organization
    incident: Incident
    contract: FrameworkContract | None
    period_from: date | None
    period_until: date | None
    unit: ContingentUnit | None
    contingent_before: Decimal | None  # left before this help (its own reservation not counted)
    contingent_after: Decimal | None  # left right after them


def _left_until(db: Session, contingent: Contingent, last_id: int) -> Decimal:
    total = {k: ZERO for k in EntryKind}
    for kind, amount in db.execute(select(ContingentEntry.kind, ContingentEntry.amount).where(
            ContingentEntry.contingent_id == contingent.id, ContingentEntry.id <= last_id)):
        total[EntryKind(kind)] += Decimal(amount)
    return Decimal(contingent.amount) - total[EntryKind.charge] - total[EntryKind.reserve] + total[EntryKind.release]


def view(db: Session, deployment: Deployment, statement: CostStatement) -> CostView:
    org, provider = db.get(Organization, deployment.org_id), db.get(Organization, deployment.provider_org_id)
    incident = db.get(Incident, deployment.incident_id)
    assert org is not None and provider is not None and incident is not None
    contract = db.get(FrameworkContract, deployment.contract_id) if deployment.contract_id else None
    days = [line.day for line in statement.lines]
    before = after = None
    unit = None
    contingent = db.get(Contingent, statement.contingent_id) if statement.contingent_id else None
    if contingent is not None:
        unit = ContingentUnit(contingent.unit)
        ids = list(db.scalars(select(ContingentEntry.id).where(
            ContingentEntry.contingent_id == contingent.id,
            ContingentEntry.reference == ledger_reference(deployment)).order_by(ContingentEntry.id)))
        if ids:
            # The help's own reservation was never spent: "before" minus "after" is exactly what was charged.
            after = _left_until(db, contingent, ids[-1])
            before = after + Decimal(statement.charged)
    # The period covers the stay and every billed day (hours may be booked the day before arrival), in local days.
    zone = timefmt.zone_from_environment()
    stay = [timefmt.to_local(when, zone).date() for when in (deployment.arrived_at, deployment.departed_at) if when]
    start, end = (min([*stay, *days]), max([*stay, *days])) if stay or days else (None, None)
    return CostView(deployment, statement, org, provider, incident, contract, start, end, unit, before, after)


def german(value: Decimal) -> str:
    """1.234,56 — the decimal comma and the thousands dot a German reader expects."""
    return f"{Decimal(value):,.2f}".translate(str.maketrans(",.", ".,"))


def csv_bytes(cost: CostView) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_HEADER)
    for line in cost.statement.lines:
        writer.writerow((cost.deployment.id, cost.org.name, cost.incident.id, cost.provider.name, line.position,
                         f"{line.day:%d.%m.%Y}", line.member, line.role, KIND_LABELS_DE.get(line.kind, line.kind),
                         f"{Decimal(line.quantity):.2f}".replace(".", ","),
                         f"{Decimal(line.rate):.2f}".replace(".", ","),
                         f"{Decimal(line.amount):.2f}".replace(".", ",")))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def csv_name(cost: CostView) -> str:
    return f"kostenaufstellung-einsatz-{cost.deployment.id}.csv"


TEMPLATE = "deployments/costs_pdf.html"


def html(cost: CostView, *, lang: str, settings: Settings) -> str:
    from kommcert import i18n
    from kommcert.web.templating import environment

    gettext = i18n.gettext_for(lang)

    def _(text: str, **values: object) -> str:
        return gettext(text, **values)

    return environment().get_template(TEMPLATE).render(cost=cost, lang=lang, settings=settings, _=_,
                                                       money=money_text(lang), kinds=KIND_LABELS_DE,
                                                       units=UNIT_LABELS_DE)


def money_text(lang: str):  # noqa: ANN201 - a formatter for templates
    return german if lang == "de" else (lambda value: f"{Decimal(value):,.2f}")


def pdf(cost: CostView, *, lang: str, settings: Settings) -> bytes:
    from kommcert.pdf import render_pdf
    from kommcert.sharing.tlp import TLP

    return render_pdf(html(cost, lang=lang, settings=settings), tlp=TLP(cost.incident.tlp), lang=lang)
