"""Who may open the pages of sources, quarantine and upload: CERT analysts and administrators only.
Anonymous visitors go to the login; Kreis, Gemeinde and provider get 403 and see nothing of them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.advisories.models import CsafSource, QuarantinedDocument
from tests.personas import csrf_from

GETS = ["/advisories/sources", "/advisories/sources/{s}", "/advisories/quarantine",
        "/advisories/quarantine/{q}/download", "/advisories/import"]
POSTS = ["/advisories/sources", "/advisories/sources/{s}", "/advisories/sources/{s}/enabled",
         "/advisories/sources/{s}/pull", "/advisories/quarantine/{q}/dismiss", "/advisories/import"]


def test_anonymous_visitors_go_to_the_login(client: TestClient, source: CsafSource,
                                            quarantined: QuarantinedDocument) -> None:
    for path in GETS:
        response = client.get(path.format(s=source.id, q=quarantined.id), follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), path


@pytest.mark.parametrize("name", ["kreis_a_admin", "kreis_b_admin", "gemeinde_a1_admin", "gemeinde_b1_member",
                                  "provider_x"])
def test_other_organisations_get_403_and_change_nothing(client: TestClient, login: Callable[[str], TestClient],
                                                        db: Session, source: CsafSource,
                                                        quarantined: QuarantinedDocument, name: str) -> None:
    login(name)
    token = csrf_from(client.get("/account").text)
    for path in GETS:
        response = client.get(path.format(s=source.id, q=quarantined.id))
        assert response.status_code == 403, (name, path)
        assert "Beispiel PSIRT" not in response.text and "EX-2026-0009" not in response.text
    for path in POSTS:
        response = client.post(path.format(s=source.id, q=quarantined.id), data={
            "csrf_token": token, "name": "Übernommen", "kind": "provider", "url": "https://evil.example/",
            "enabled": "0"}, files={"files": ("a.json", b"{}", "application/json")} if "import" in path else None)
        assert response.status_code == 403, (name, path)
    db.expire_all()
    assert db.scalars(select(CsafSource.name)).all() == ["Beispiel PSIRT"]
    assert db.get(CsafSource, source.id).enabled is True
    assert db.get(QuarantinedDocument, quarantined.id).dismissed_at is None


def test_writes_without_the_csrf_token_are_refused(client: TestClient, analyst: str, source: CsafSource,
                                                   db: Session) -> None:
    response = client.post(f"/advisories/sources/{source.id}/enabled", data={"enabled": "0"})
    assert response.status_code == 403
    db.expire_all()
    assert db.get(CsafSource, source.id).enabled is True


@pytest.mark.parametrize("name", ["land_cert_analyst", "land_cert_admin"])
def test_cert_analysts_and_administrators_open_every_page(client: TestClient, login: Callable[[str], TestClient],
                                                          source: CsafSource, quarantined: QuarantinedDocument,
                                                          name: str) -> None:
    login(name)
    for path in GETS:
        assert client.get(path.format(s=source.id, q=quarantined.id)).status_code == 200, path


def test_unknown_ids_answer_404(client: TestClient, analyst: str) -> None:
    assert client.get("/advisories/sources/999999").status_code == 404
    assert client.get("/advisories/quarantine/999999/download").status_code == 404
    assert client.post("/advisories/quarantine/999999/dismiss", data={"csrf_token": analyst}).status_code == 404


def test_my_warnings_links_the_cert_pages_only_for_cert_staff(client: TestClient,
                                                               login: Callable[[str], TestClient]) -> None:
    login("gemeinde_a1_admin")
    assert 'href="/advisories/quarantine"' not in client.get("/warnings").text
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/account").text)})
    login("land_cert_analyst")
    page = client.get("/warnings").text
    assert 'href="/advisories/sources"' in page and 'href="/advisories/import"' in page
