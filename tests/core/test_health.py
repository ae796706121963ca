from __future__ import annotations


def test_it_reports_health_without_login(client) -> None:  # noqa: ANN001
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_it_serves_openapi_docs(client) -> None:  # noqa: ANN001
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/reports" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


def test_it_sets_security_headers(client) -> None:  # noqa: ANN001
    response = client.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_it_answers_api_errors_as_json_in_both_languages(client) -> None:  # noqa: ANN001
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "de": "Nicht gefunden.", "en": "Not found."}


def test_it_serves_the_api_docs_without_a_cdn(client) -> None:  # noqa: ANN001
    html = client.get("/api/docs").text
    assert "http" not in html  # every asset is local
    assert client.get("/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js").status_code == 200
