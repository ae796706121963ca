"""Pages are never cached; behind TLS browsers are told to stay on HTTPS."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_it_forbids_caching_of_pages(client, personas, login) -> None:  # noqa: ANN001
    assert client.get("/login").headers["cache-control"] == "no-store"
    login("kreis_a_admin")
    for path in ("/", "/account", "/tokens", "/users"):
        response = client.get(path, follow_redirects=False)
        assert response.headers["content-type"].startswith("text/html"), path
        assert response.headers["cache-control"] == "no-store", path


def test_it_keeps_the_cache_policy_a_route_chose(client, personas) -> None:  # noqa: ANN001
    feed = client.get("/feeds/txt")
    assert feed.status_code == 200 and feed.headers["cache-control"] == "no-cache"


def test_it_sends_no_hsts_over_plain_http(client) -> None:  # noqa: ANN001
    assert "strict-transport-security" not in client.get("/login").headers


def test_it_sends_hsts_when_the_request_came_over_tls(app) -> None:  # noqa: ANN001
    with TestClient(app, base_url="https://testserver") as tls:
        response = tls.get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


def test_it_sends_hsts_when_the_public_address_is_https(settings, session_factory) -> None:  # noqa: ANN001
    from kommcert.app import create_app

    app = create_app(settings.model_copy(update={"base_url": "https://kommcert.example"}),
                     sessionmaker=session_factory)
    with TestClient(app, base_url="http://testserver") as behind_proxy:
        assert "strict-transport-security" in behind_proxy.get("/login").headers
