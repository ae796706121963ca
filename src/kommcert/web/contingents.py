"""The contingent overview: used, reserved and left per organisation, rolled up per Kreis."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from kommcert.contracts import service
from kommcert.contracts.models import UNIT_LABELS_DE, ContingentUnit
from kommcert.db import utcnow
from kommcert.deps import DbSession
from kommcert.web.auth import PageActor
from kommcert.web.templating import locale_of, render

router = APIRouter()


def amount_text(value: Decimal, lang: str) -> str:
    """25.000,50 in German, 25,000.50 in English (never through float)."""
    text = f"{value:,.2f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "de" else text


def _row(label: str, unit: ContingentUnit, amount: Decimal, used: Decimal, reserved: Decimal, lang: str,
         total: bool = False) -> dict[str, object]:
    left = amount - used - reserved
    return {"label": label, "unit": UNIT_LABELS_DE[ContingentUnit(unit)], "total": total, "low": left < amount / 5,
            **{k: amount_text(v, lang) for k, v in (("amount", amount), ("used", used), ("reserved", reserved),
                                                    ("left", left))}}


@router.get("/contingents")
def contingent_overview(request: Request, db: DbSession, actor: PageActor,
                        year: int | None = Query(None, ge=2000, le=2100)) -> Response:
    the_year = year or utcnow().year
    lang = locale_of(request)
    kreise = []
    for rollup in service.overview(db, actor=actor, year=the_year):
        rows = [_row(b.org.name, b.contingent.unit, b.amount, b.used, b.reserved, lang) for b in rollup.balances]
        rows += [_row("", unit, a, u, r, lang, total=True) for unit, (a, u, r) in sorted(rollup.totals.items())]
        kreise.append({"name": rollup.kreis.name, "rows": rows})
    return render(request, "contingents/overview.html", {"year": the_year, "kreise": kreise})
