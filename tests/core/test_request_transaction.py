"""A page that renders an error keeps nothing the request wrote; a normal page keeps it all."""

from __future__ import annotations

import pytest
from fastapi import Request
from sqlalchemy import func, select

from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.audit.models import AuditEntry
from kommcert.deps import DbSession
from kommcert.web.templating import render_error


@pytest.mark.parametrize(("status", "kept"), [(200, 1), (303, 1), (404, 0), (422, 0), (500, 0)])
def test_an_error_page_rolls_back_what_the_request_wrote(app, client, session_factory, status: int,  # noqa: ANN001
                                                         kept: int) -> None:
    def write_then_answer(request: Request, db: DbSession):  # noqa: ANN202
        audit_service.record(db, AuditEvent("probe.write", object_type="probe", detail={"status": status}))
        db.flush()
        return render_error(request, status, "Probe", "Probe")

    app.add_api_route("/_probe", write_then_answer, methods=["POST"])
    response = client.post("/_probe")
    assert response.status_code == status
    with session_factory() as db:
        count = db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "probe.write"))
    assert count == kept


def test_a_denied_look_at_a_red_report_stays_in_the_audit_log(client, db, personas, login,  # noqa: ANN001
                                                              session_factory) -> None:  # noqa: ANN001
    # The 404 rolls the request back; the denial it audited must survive that.
    from kommcert.reports import service as reports_service
    from kommcert.reports.schemas import ReportCreate
    from kommcert.sharing.tlp import TLP

    report = reports_service.create_report(db, actor=personas.actor("kreis_a_admin"), report_in=ReportCreate(
        title="Nur für Kreis A", tlp=TLP.red, audience_users=[personas.users["kreis_a_admin"].id]))
    db.commit()
    login("gemeinde_b1_member")
    for accept in ("text/html", "application/json"):
        assert client.get(f"/reports/{report.id}", headers={"accept": accept}).status_code == 404
    assert client.get(f"/api/v1/reports/{report.id}").status_code == 404
    with session_factory() as fresh:
        denied = fresh.scalars(select(AuditEntry).where(AuditEntry.action == "access_denied")).all()
    assert [(d.object_id, d.detail["tlp"]) for d in denied] == [(str(report.id), "red")] * 3
