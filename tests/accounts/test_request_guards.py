from __future__ import annotations

from sqlalchemy import func, select

from kommcert.audit.models import AuditEntry
from kommcert.reports.models import Report
from tests.personas import PASSWORD


def test_it_refuses_a_form_post_with_a_forged_csrf_token(client, db, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    response = client.post("/tokens", data={"csrf_token": "forged", "name": "x"}, headers={"accept": "text/html"})
    assert response.status_code == 403
    assert "Sicherheitsprüfung fehlgeschlagen" in response.text
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "csrf_rejected")) is not None


def test_it_protects_the_login_form_itself(client, personas) -> None:  # noqa: ANN001
    client.get("/login")
    response = client.post("/login", data={"email": "kreis_a_admin@example.test", "password": PASSWORD},
                           follow_redirects=False)
    assert response.status_code == 403


def test_it_refuses_api_writes_by_cookie_without_the_header(client, db, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    response = client.post("/api/v1/reports", json={"title": "Über Cookie"})
    assert response.status_code == 403
    assert db.scalar(select(func.count()).select_from(Report)) == 0


def test_it_refuses_oversized_bodies_before_reading_them(client, db, personas, settings) -> None:  # noqa: ANN001
    body = b"x" * (settings.max_body_bytes + 1)
    response = client.post("/api/v1/reports", content=body, headers={
        **personas.auth("kreis_a_admin"), "content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["en"] == "Request body too large."
    assert db.scalar(select(func.count()).select_from(Report)) == 0


def test_it_refuses_oversized_chunked_bodies(client, personas, settings) -> None:  # noqa: ANN001
    def chunks():  # noqa: ANN202
        for _ in range(11):
            yield b"y" * (settings.max_body_bytes // 10)

    response = client.post("/api/v1/reports", content=chunks(), headers={
        **personas.auth("kreis_a_admin"), "content-type": "application/json"})
    assert response.status_code == 413
