"""Report pages (Meldungen): list, detail, create."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kommcert.deps import DbSession, client_ip
from kommcert.reports import service as reports_service
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()


@router.get("/reports")
def report_list(request: Request, db: DbSession, actor: PageActor) -> Response:
    return render(request, "reports/list.html",
                  {"reports": reports_service.list_reports(db, actor=actor, limit=100)})


@router.get("/reports/{report_id}")
def report_detail(report_id: int, request: Request, db: DbSession, actor: PageActor) -> Response:
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    return render(request, "reports/detail.html", {"report": report})
