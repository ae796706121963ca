"""The Lagebild page (``/lagebild``), its drill-down and a CSV export of each of its tables."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from kommcert import i18n, timefmt
from kommcert.audit import export as audit_export
from kommcert.db import utcnow
from kommcert.deps import DbSession, SettingsDep, client_ip
from kommcert.errors import NotFound
from kommcert.incidents import publish as incident_publish
from kommcert.indicators import picture
from kommcert.indicators.types import IndicatorType
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import KIND_LABELS_DE, OrgKind
from kommcert.sharing.actor import Actor
from kommcert.spreadsheet import safe_cell as _safe
from kommcert.validation import Id
from kommcert.web import charts
from kommcert.web.auth import PageActor
from kommcert.web.templating import locale_of, render

router = APIRouter()
TABLES = ("verlauf", "gebiete", "meistgesehen", "neue-indikatoren", "sichtungen")
HIDDEN = "für Sie nicht sichtbar"


def _type(value: str | None) -> str:
    try:
        return IndicatorType(str(value)).label
    except ValueError:
        return str(value)


def _data(db: DbSession, actor: Actor, days: int, org: int | None, tz: ZoneInfo,
          only: str | None = None) -> dict[str, Any]:
    """The page's tables (``only`` one of them, for its CSV export)."""
    area_id = org if org is not None else picture.root_area(db)
    if org is not None:
        orgs_service.get(db, org)  # 404 for an unknown area
    until = utcnow()
    since = until - timedelta(days=days)
    wanted = {
        "series": ("verlauf", lambda: picture.over_time(db, actor=actor, since=since, until=until, area_id=area_id,
                                                        tz=tz)),
        "areas": ("gebiete", lambda: picture.by_area(db, actor=actor, since=since, area_id=area_id)),
        "top": ("meistgesehen", lambda: picture.most_sighted(db, actor=actor, since=since, area_id=area_id)),
        "recent": ("sichtungen", lambda: picture.recent_sightings(db, actor=actor, since=since, area_id=area_id)),
        "newest": ("neue-indikatoren", lambda: picture.newest_indicators(db, actor=actor)),
    }
    data: dict[str, Any] = {"days": days, "area_id": area_id, "path": picture.area_path(db, area_id=area_id)}
    data.update({key: build() for key, (table, build) in wanted.items() if only in (None, table)})
    return data


def _query(days: int, org: int | None) -> str:
    return f"days={days}" + (f"&org={org}" if org is not None else "")


@router.get("/lagebild")
def picture_page(request: Request, db: DbSession, actor: PageActor, settings: SettingsDep,
                 days: int = Query(30, ge=1, le=365), org: Id | None = None) -> Response:
    data = _data(db, actor, days, org, settings.tz)
    _ = i18n.gettext_for(locale_of(request))
    series_total = sum(v for _day, v in data["series"])
    bars = [charts.Bar(r.name if not r.own else f"{r.name} ({_('selbst')})", r.sightings,
                       None if r.own or not r.has_children else f"/lagebild?days={days}&org={r.org_id}")
            for r in data["areas"]]
    return render(request, "picture/page.html", {
        **data, "query": _query(days, org), "kinds": KIND_LABELS_DE, "org": org,
        # Time to protection over the incidents the reader may see (always the last 90 days).
        "protection": incident_publish.protection_figures(db, actor=actor),
        # Warnings still open per Kreis, over organisations whose inventory the reader may see.
        **_warnings(db, actor, _),
        "time_svg": charts.time_chart(
            data["series"], ident="verlauf", title=_("Sichtungen je Tag"),
            description=_("{n} Sichtungen in {days} Tagen; die Zahlen stehen in der Tabelle darunter.",
                          n=series_total, days=days)),
        "area_svg": charts.bar_chart(
            bars, ident="gebiete", title=_("Sichtungen je Gebiet"),
            description=_("Balken je Gebiet, absteigend sortiert; die Zahlen stehen in der Tabelle darunter.")),
    })


def _warnings(db: DbSession, actor: Actor, gettext: Any) -> dict[str, Any]:
    from kommcert.advisories import picture as warnings_picture
    from kommcert.web.advisories import kreis_chart

    rows = warnings_picture.open_by_kreis(db, actor)
    return {"warnings_by_kreis": rows, "warnings_svg": kreis_chart(rows, gettext) if rows else None}


def _shown(indicator: picture.Shown, gettext: Any) -> tuple[str, str]:
    if indicator.value is None:
        return gettext(HIDDEN), gettext(HIDDEN)
    return gettext(_type(indicator.type)), indicator.value


def _rows(table: str, data: dict[str, Any], gettext: Any, tz: ZoneInfo) -> tuple[list[str], list[list[object]]]:
    def when(t: Any) -> str:
        return timefmt.spreadsheet_time(t, tz)

    if table == "verlauf":
        return [gettext("Tag"), gettext("Sichtungen")], [[d.isoformat(), n] for d, n in data["series"]]
    if table == "gebiete":
        return ([gettext("Gebiet"), gettext("Art"), gettext("Sichtungen"), gettext("Indikatoren"),
                 gettext("Organisationen"), gettext("Zuletzt")],
                [[r.name, gettext(KIND_LABELS_DE[OrgKind(r.kind)]), r.sightings, r.indicators, r.organisations,
                  when(r.last_seen)] for r in data["areas"]])
    if table == "meistgesehen":
        return ([gettext("Typ"), gettext("Wert"), gettext("Sichtungen"), gettext("Organisationen"),
                 gettext("Zuletzt")],
                [[*_shown(r.indicator, gettext), r.sightings, r.organisations, when(r.last_seen)] for r in data["top"]])
    if table == "neue-indikatoren":
        return ([gettext("Typ"), gettext("Wert"), "TLP", gettext("Meldungen")],
                [[gettext(_type(i.type)), i.value, str(i.tlp).upper(), i.reports]
                 for i in data["newest"]])
    return ([gettext("Organisation"), gettext("Typ"), gettext("Wert"), gettext("Zuletzt"), gettext("Anzahl")],
            [[r.org_name, *_shown(r.indicator, gettext), when(r.last_seen), r.count] for r in data["recent"]])


@router.get("/lagebild/{table}.csv")
def picture_csv(table: str, request: Request, db: DbSession, actor: PageActor, settings: SettingsDep,
                days: int = Query(30, ge=1, le=365), org: Id | None = None) -> Response:
    if table not in TABLES:
        raise NotFound("Diese Tabelle gibt es im Lagebild nicht.", "The situation picture has no such table.")
    data = _data(db, actor, days, org, settings.tz, only=table)
    header, rows = _rows(table, data, i18n.gettext_for(locale_of(request)), settings.tz)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows([[_safe(v) for v in row] for row in rows])
    audit_export.record_export(db, actor=actor, what=f"lagebild {table}", ip=client_ip(request),
                               detail={"rows": len(rows), "format": "csv"})
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="lagebild-{table}.csv"'})
