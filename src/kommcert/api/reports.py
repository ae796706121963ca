from __future__ import annotations

from fastapi import APIRouter, Query, Request

from kommcert.api.auth import WriterActor
from kommcert.deps import CurrentActor, DbSession, client_ip
from kommcert.reports import service as reports_service
from kommcert.reports.schemas import ReportCreate, ReportPage, ReportRead

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get("", response_model=ReportPage)
def list_reports(
    db: DbSession, actor: CurrentActor, limit: int = Query(50, ge=1, le=500),
    before_id: int | None = None,
) -> ReportPage:
    items = reports_service.list_reports(db, actor=actor, limit=limit, before_id=before_id)
    return ReportPage(
        items=[ReportRead.model_validate(r) for r in items],
        next_before_id=items[-1].id if len(items) == limit else None,
    )


@router.post("", response_model=ReportRead, status_code=201)
def create_report(db: DbSession, actor: WriterActor, report_in: ReportCreate) -> ReportRead:
    return ReportRead.model_validate(reports_service.create_report(db, actor=actor, report_in=report_in))


@router.get("/{report_id}", response_model=ReportRead)
def read_report(report_id: int, request: Request, db: DbSession, actor: CurrentActor) -> ReportRead:
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    return ReportRead.model_validate(report)
