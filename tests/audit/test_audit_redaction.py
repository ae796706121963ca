"""Administrators read the log without learning TLP:RED content they may not see."""

from __future__ import annotations

import pytest

from kommcert.audit import events
from kommcert.audit import export as audit_export
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.reports import service as reports_service
from kommcert.reports.schemas import ReportCreate

FILE_NAME = "vorfall-rathaus-kleinmusterdorf.json"


@pytest.fixture
def red(db, personas):  # noqa: ANN001, ANN201
    """A RED report of Gemeinde A1's admin and the log entries that name it."""
    owner = personas.actor("gemeinde_a1_admin")
    report = reports_service.create_report(db, actor=owner, report_in=ReportCreate(title="Vorfall", tlp="red"))
    audit_export.record_export(db, actor=owner, what=f"misp-event {report.uuid}", ip="192.0.2.1")
    audit_service.record(db, AuditEvent(events.SHARED, actor_user_id=owner.user_id, org_id=owner.org_id,
                                        object_type="indicator_import",
                                        detail={"source": FILE_NAME, "imported": 3, "reports": [report.id]}))
    audit_service.record(db, AuditEvent(events.ATTACHMENT_DOWNLOADED, actor_user_id=owner.user_id,
                                        org_id=owner.org_id, object_type="report", object_id=report.id,
                                        detail={"attachment_id": 1, "size": 10, "sha256": "ab" * 32, "tlp": "red"}))
    return report


def _log(client, personas, who: str) -> str:  # noqa: ANN001
    response = client.get("/api/v1/audit", headers=personas.auth(who))
    assert response.status_code == 200
    return response.text


def test_it_hides_red_uuids_and_file_names_from_cert_admins(client, personas, red) -> None:  # noqa: ANN001
    text = _log(client, personas, "land_cert_admin")
    assert str(red.uuid) not in text and FILE_NAME not in text and "ab" * 32 not in text
    items = client.get("/api/v1/audit", headers=personas.auth("land_cert_admin")).json()["items"]
    # The entries stay: who, when, from where and the TLP.
    assert "misp-event (verborgen)" in [i["object_id"] for i in items]
    download = next(i for i in items if i["action"] == events.ATTACHMENT_DOWNLOADED)
    assert download["detail"] == {"tlp": "red", "hidden": True} and download["object_id"] == str(red.id)


def test_it_hides_red_content_from_the_own_org_admin_who_is_not_addressed(client, personas, db, red) -> None:  # noqa: ANN001
    from kommcert.accounts.models import Role, User

    other_admin = User(org=personas.orgs["gemeinde_a1"], email="zweit@example.test", name="Zweit", role=Role.admin,
                       password_hash=None)
    db.add(other_admin)
    db.flush()
    personas.users["zweit"] = other_admin
    text = _log(client, personas, "zweit")
    assert str(red.uuid) not in text and FILE_NAME not in text


def test_it_shows_the_creator_everything(client, personas, red) -> None:  # noqa: ANN001
    text = _log(client, personas, "gemeinde_a1_admin")
    assert str(red.uuid) in text and FILE_NAME in text


def test_it_keeps_details_of_what_the_reader_may_see(client, db, personas) -> None:  # noqa: ANN001
    owner = personas.actor("gemeinde_a1_admin")
    report = reports_service.create_report(db, actor=owner, report_in=ReportCreate(title="Phishing", tlp="amber"))
    audit_export.record_export(db, actor=owner, what=f"misp-event {report.uuid}")
    assert str(report.uuid) in _log(client, personas, "land_cert_admin")


def test_it_hides_red_content_in_the_csv_export(client, personas, login, red) -> None:  # noqa: ANN001
    login("land_cert_admin")
    csv = client.get("/audit.csv")
    assert csv.status_code == 200 and "misp-event (verborgen)" in csv.text
    assert str(red.uuid) not in csv.text and FILE_NAME not in csv.text
    page = client.get("/audit")
    assert str(red.uuid) not in page.text and FILE_NAME not in page.text


def test_it_never_changes_the_stored_entries(client, db, personas, red) -> None:  # noqa: ANN001
    from sqlalchemy import select

    from kommcert.audit.models import AuditEntry

    _log(client, personas, "land_cert_admin")
    stored = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "feed")).all()
    assert f"misp-event {red.uuid}" in [e.object_id for e in stored]
