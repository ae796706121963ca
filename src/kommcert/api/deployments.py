"""Deployments under /api/v1/deployments: team, status reports, evidence, hand-over, time sheets, costs.

A deployment is visible when its incident is and the caller is not another provider or MIRT; anything
else answers 404 on the deployment and on every part. Who may change what is ``deployments.service``.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request, Response

from kommcert.api.auth import UserActor, WriterActor
from kommcert.deployments import costs, service
from kommcert.deployments.schemas import (
    CostLineRead,
    CostStatementRead,
    DepartIn,
    DeploymentDetail,
    DeploymentRead,
    DisputeIn,
    EvidenceRead,
    HandoverItemIn,
    HandoverItemRead,
    HandoverItemUpdate,
    MemberIn,
    MemberRead,
    MemberTimes,
    SignoffRead,
    StatusReportIn,
    StatusReportRead,
    TimeEntryIn,
    TimeEntryRead,
    TimeEntryUpdate,
)
from kommcert.deps import DbSession, SettingsDep, client_ip
from kommcert.incidents import final_report
from kommcert.incidents.schemas import EvidenceCreate
from kommcert.validation import Id

router = APIRouter(prefix="/deployments", tags=["deployments"])
Lang = Literal["de", "en"]


def statement_read(cost: costs.CostView) -> CostStatementRead:
    s = cost.statement
    return CostStatementRead(
        deployment_id=cost.deployment.id, org_name=cost.org.name, incident_id=cost.incident.id,
        provider_name=cost.provider.name, contract_title=cost.contract.title if cost.contract else "",
        period_from=cost.period_from, period_until=cost.period_until, hours_total=s.hours_total, total=s.total,
        charged=s.charged, unit=cost.unit, contingent_before=cost.contingent_before,
        contingent_after=cost.contingent_after, lines=[CostLineRead.model_validate(line) for line in s.lines])


def detail_read(found: service.Detail) -> DeploymentDetail:
    d = found.deployment
    return DeploymentDetail(
        **DeploymentRead.model_validate(d).model_dump(),
        members=[MemberRead.model_validate(m) for m in d.members],
        status_reports=[StatusReportRead.model_validate(r) for r in found.status_reports],
        evidence=[EvidenceRead.model_validate(e) for e in found.evidence],
        handover_items=[HandoverItemRead.model_validate(i) for i in found.handover_items],
        signoffs=[SignoffRead.model_validate(s) for s in found.signoffs],
        time_entries=[TimeEntryRead.model_validate(e) for e in found.time_entries],
        cost_statement=statement_read(found.cost) if found.cost else None)


@router.get("", response_model=list[DeploymentRead])
def list_deployments(db: DbSession, actor: UserActor,
                     open_only: bool = Query(False, description="Without closed deployments.")) -> list[DeploymentRead]:
    """The deployments the caller may see: a provider or the MIRT its own, the CERT all, a municipality its own."""
    return [DeploymentRead.model_validate(d) for d in service.list_deployments(db, actor=actor, open_only=open_only)]


@router.get("/{deployment_id}", response_model=DeploymentDetail)
def read_deployment(deployment_id: Id, request: Request, db: DbSession, actor: UserActor) -> DeploymentDetail:
    """Team, status reports, evidence, hand-over, time entries and (once closed) the cost statement."""
    return detail_read(service.detail(db, actor=actor, deployment_id=deployment_id, ip=client_ip(request)))


@router.post("/{deployment_id}/members", response_model=MemberRead, status_code=201)
def add_member(deployment_id: Id, member_in: MemberIn, db: DbSession, actor: WriterActor) -> MemberRead:
    """A person of the team (from the provider's registry or by name) in a role of the rate card."""
    return MemberRead.model_validate(service.add_member(db, actor=actor, deployment_id=deployment_id,
                                                        member_in=member_in))


@router.patch("/{deployment_id}/members/{member_id}", response_model=MemberRead)
def set_member_times(deployment_id: Id, member_id: Id, times: MemberTimes, db: DbSession,
                     actor: WriterActor) -> MemberRead:
    """Arrival and departure of one person."""
    return MemberRead.model_validate(service.set_member_times(db, actor=actor, deployment_id=deployment_id,
                                                              member_id=member_id, times=times))


@router.delete("/{deployment_id}/members/{member_id}", status_code=204)
def remove_member(deployment_id: Id, member_id: Id, db: DbSession, actor: WriterActor) -> Response:
    service.remove_member(db, actor=actor, deployment_id=deployment_id, member_id=member_id)
    return Response(status_code=204)


@router.post("/{deployment_id}/status-reports", response_model=StatusReportRead, status_code=201)
def report_status(deployment_id: Id, report_in: StatusReportIn, db: DbSession, actor: WriterActor
                  ) -> StatusReportRead:
    """The day's Lage / Maßnahmen / Bedarf; a second report for the same day revises it."""
    return StatusReportRead.model_validate(service.report_status(db, actor=actor, deployment_id=deployment_id,
                                                                 report_in=report_in))


@router.post("/{deployment_id}/evidence", response_model=EvidenceRead, status_code=201)
def hand_over_evidence(deployment_id: Id, evidence_in: EvidenceCreate, db: DbSession, actor: WriterActor
                       ) -> EvidenceRead:
    """Evidence handed over: a record in the incident's chain of custody, linked to this deployment."""
    return EvidenceRead.model_validate(service.hand_over_evidence(db, actor=actor, deployment_id=deployment_id,
                                                                  evidence_in=evidence_in))


@router.post("/{deployment_id}/depart", response_model=DeploymentRead)
def depart(deployment_id: Id, db: DbSession, actor: WriterActor, depart_in: DepartIn | None = None
           ) -> DeploymentRead:
    """The team leaves; the hand-over begins with the default checklist."""
    return DeploymentRead.model_validate(service.depart(
        db, actor=actor, deployment_id=deployment_id, departed_at=depart_in.departed_at if depart_in else None))


@router.post("/{deployment_id}/handover-items", response_model=HandoverItemRead, status_code=201)
def add_handover_item(deployment_id: Id, item_in: HandoverItemIn, db: DbSession, actor: WriterActor
                      ) -> HandoverItemRead:
    return HandoverItemRead.model_validate(service.add_handover_item(db, actor=actor, deployment_id=deployment_id,
                                                                     item_in=item_in))


@router.patch("/{deployment_id}/handover-items/{item_id}", response_model=HandoverItemRead)
def update_handover_item(deployment_id: Id, item_id: Id, update: HandoverItemUpdate, db: DbSession,
                         actor: WriterActor) -> HandoverItemRead:
    """Tick a checklist item as done, naming the person who confirms it."""
    return HandoverItemRead.model_validate(service.update_handover_item(
        db, actor=actor, deployment_id=deployment_id, item_id=item_id, update=update))


@router.post("/{deployment_id}/signoff", response_model=SignoffRead, status_code=201)
def sign_off(deployment_id: Id, db: DbSession, actor: WriterActor) -> SignoffRead:
    """The municipality and the CERT each sign once; with both and every hour confirmed, it closes."""
    return SignoffRead.model_validate(service.sign_off(db, actor=actor, deployment_id=deployment_id))


@router.post("/{deployment_id}/close", response_model=CostStatementRead)
def close_deployment(deployment_id: Id, db: DbSession, actor: WriterActor) -> CostStatementRead:
    """Close by hand (both signed, no entry open or disputed): cost statement and contingent charge."""
    service.close_deployment(db, actor=actor, deployment_id=deployment_id)
    return statement_read(service.cost_view(db, actor=actor, deployment_id=deployment_id))


@router.post("/{deployment_id}/time-entries", response_model=TimeEntryRead, status_code=201)
def record_time(deployment_id: Id, entry_in: TimeEntryIn, db: DbSession, actor: WriterActor) -> TimeEntryRead:
    """Hours of a team member on a day in a role (the provider's staff)."""
    return TimeEntryRead.model_validate(service.record_time(db, actor=actor, deployment_id=deployment_id,
                                                            entry_in=entry_in))


@router.patch("/{deployment_id}/time-entries/{entry_id}", response_model=TimeEntryRead)
def correct_time(deployment_id: Id, entry_id: Id, update: TimeEntryUpdate, db: DbSession,
                 actor: WriterActor) -> TimeEntryRead:
    """The provider corrects an open or disputed entry (open again); confirmed entries are final."""
    return TimeEntryRead.model_validate(service.correct_time(db, actor=actor, deployment_id=deployment_id,
                                                             entry_id=entry_id, update=update))


@router.post("/{deployment_id}/time-entries/{entry_id}/confirm", response_model=TimeEntryRead)
def confirm_time(deployment_id: Id, entry_id: Id, db: DbSession, actor: WriterActor) -> TimeEntryRead:
    return TimeEntryRead.model_validate(service.confirm_time(db, actor=actor, deployment_id=deployment_id,
                                                             entry_id=entry_id))


@router.post("/{deployment_id}/time-entries/{entry_id}/dispute", response_model=TimeEntryRead)
def dispute_time(deployment_id: Id, entry_id: Id, dispute: DisputeIn, db: DbSession,
                 actor: WriterActor) -> TimeEntryRead:
    return TimeEntryRead.model_validate(service.dispute_time(db, actor=actor, deployment_id=deployment_id,
                                                             entry_id=entry_id, reason=dispute.reason))


@router.get("/{deployment_id}/cost-statement", response_model=CostStatementRead)
def cost_statement(deployment_id: Id, request: Request, db: DbSession, actor: UserActor) -> CostStatementRead:
    """The cost statement of a closed deployment (municipality and above, provider, CERT)."""
    return statement_read(service.cost_view(db, actor=actor, deployment_id=deployment_id, ip=client_ip(request)))


def _export(fmt: str, deployment_id: int, request: Request, db: DbSession, actor: UserActor,
            settings: SettingsDep, lang: Lang | None) -> Response:
    made = service.export_costs(db, actor=actor, deployment_id=deployment_id, fmt=fmt, settings=settings,
                                lang=lang or final_report.language_of(db, actor, settings), ip=client_ip(request))
    return Response(made.data, media_type=made.media_type, headers={
        "Content-Disposition": f'attachment; filename="{made.filename}"', "Cache-Control": "private, no-store"})


@router.get("/{deployment_id}/cost-statement.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
def cost_statement_pdf(deployment_id: Id, request: Request, db: DbSession, actor: UserActor,
                       settings: SettingsDep, lang: Lang | None = Query(None)) -> Response:
    return _export("pdf", deployment_id, request, db, actor, settings, lang)


@router.get("/{deployment_id}/cost-statement.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def cost_statement_csv(deployment_id: Id, request: Request, db: DbSession, actor: UserActor,
                       settings: SettingsDep) -> Response:
    """Semicolon-separated, decimal comma, UTF-8 with BOM (for a Kämmerei's spreadsheet)."""
    return _export("csv", deployment_id, request, db, actor, settings, "de")
