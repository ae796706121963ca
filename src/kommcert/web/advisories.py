"""Pages of the warnings for readers: "Meine Warnungen" (``/warnings``), one warning
(``/advisories/{id}``) with the own inventory lines and the status form, the Land's/Kreis's overview
(``/warnings/overview``) and the person's warning settings (``/warnings/settings``).

Every page reads through ``kommcert.advisories.service``/``picture`` (policy on the advisory; matches and
statuses only of organisations whose inventory the reader may see). Numeric path converters keep these
routes from shadowing the authoring pages' literal paths under ``/advisories/``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from kommcert import i18n
from kommcert.advisories import picture, preferences, service, status
from kommcert.advisories.models import RISK_ORDER
from kommcert.deps import DbSession, client_ip
from kommcert.errors import DomainError
from kommcert.sharing.actor import Actor
from kommcert.validation import Id
from kommcert.web import charts
from kommcert.web.auth import PageActor
from kommcert.web.templating import locale_of, render

router = APIRouter()
LABELS = {"result_labels": service.RESULT_LABELS_DE, "status_labels": service.STATUS_LABELS_DE,
          "risks": [r.value for r in RISK_ORDER]}


@router.get("/warnings")
def my_warnings(request: Request, db: DbSession, actor: PageActor, risk: str = "", status: str = "",
                relevance: str = Query("all", pattern="^(all|relevant)$"),
                page: int = Query(1, ge=1, le=100000)) -> Response:
    found = service.my_warnings(db, actor, risk=risk or None, status=status or None, relevance=relevance,
                                page=page)
    query = "&".join(f"{k}={v}" for k, v in (("risk", risk), ("status", status), ("relevance", relevance)) if v)
    return render(request, "advisories/list.html", {
        "page": found, "risk": risk, "status": status, "relevance": relevance, "query": query,
        "statuses": list(service.STATUS_LABELS_DE.items()), **LABELS})


def kreis_chart(rows: list[picture.KreisCount], gettext: Any, ident: str = "warnungen-kreise") -> Any:  # noqa: ANN401
    bars = [charts.Bar(gettext(r.name) if r.kreis_id is None else r.name, r.open) for r in rows]
    return charts.bar_chart(bars, ident=ident, title=gettext("Offene Warnungen je Kreis"),
                            description=gettext("Je Kreis die betroffenen Organisationen und Warnungen, die noch "
                                                "offen sind; die Zahlen stehen in der Tabelle darunter."))


@router.get("/warnings/overview")
def overview(request: Request, db: DbSession, actor: PageActor) -> Response:
    by_kreis = picture.open_by_kreis(db, actor)
    return render(request, "advisories/overview.html", {
        "advisories": picture.overview(db, actor), "by_kreis": by_kreis,
        "organisations": picture.open_by_org(db, actor),
        "chart": kreis_chart(by_kreis, i18n.gettext_for(locale_of(request))), **LABELS})


def _settings_page(request: Request, db: Session, actor: Actor, status_code: int = 200, **extra: object) -> Response:
    return render(request, "advisories/settings.html", {
        "pref": preferences.get(db, user_id=actor.user_id),  # type: ignore[arg-type]
        "deliveries": list(preferences.DELIVERY_LABELS_DE.items()),
        "scopes": list(preferences.SCOPE_LABELS_DE.items()), **LABELS, **extra}, status_code=status_code)


@router.get("/warnings/settings")
def settings_form(request: Request, db: DbSession, actor: PageActor) -> Response:
    return _settings_page(request, db, actor)


@router.post("/warnings/settings")
def settings_save(request: Request, db: DbSession, actor: PageActor, min_risk: str = Form(""),
                  delivery: str = Form(""), scope: str = Form("")) -> Response:
    try:
        preferences.set_preference(db, actor=actor, min_risk=min_risk, delivery=delivery, scope=scope)
    except DomainError as exc:
        return _settings_page(request, db, actor, exc.status_code, error=exc)
    return _settings_page(request, db, actor, notice="Ihre Einstellungen für Warnungen wurden gespeichert.")


def _detail_page(request: Request, db: Session, actor: Actor, advisory_id: int, status_code: int = 200,
                 **extra: object) -> Response:
    d = service.detail(db, actor, advisory_id)
    # The per-organisation table is for those above others (Kreis, VG, the CERTs); a Gemeinde sees itself.
    rows = picture.organisations(db, actor, advisory_id)
    others = [r for r in rows if r.org_id != actor.org_id]
    from kommcert.web import advisory_discussion

    return render(request, "advisories/detail.html", {
        "d": d, "a": d.advisory, "org_rows": rows if others else [], "statuses": list(service.STATUS_LABELS_DE.items()),
        **advisory_discussion.thread_context(db, actor=actor, advisory=d.advisory), **LABELS, **extra},
        status_code=status_code)


@router.get("/advisories/{advisory_id:int}")
def detail(advisory_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return _detail_page(request, db, actor, advisory_id)


@router.post("/advisories/{advisory_id:int}/status")
def set_status(advisory_id: Id, request: Request, db: DbSession, actor: PageActor, status_value: str = Form(
        "", alias="status"), comment: str = Form("")) -> Response:
    try:
        status.set_status(db, actor=actor, advisory_id=advisory_id, status=status_value or "", comment=comment,
                          ip=client_ip(request))
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        return _detail_page(request, db, actor, advisory_id, exc.status_code, error=exc)
    return RedirectResponse(f"/advisories/{advisory_id}?saved=1#status", status_code=303)

