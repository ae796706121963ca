""""Meine Feeds" shows addresses of this server: the configured public URL, else the request's own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from kommcert.config import load_settings
from tests.conftest import SECRET
from tests.personas import web_login


@pytest.fixture
def unconfigured_client(database_url: str, session_factory) -> Iterator[TestClient]:  # noqa: ANN001
    """A server without KOMMCERT_BASE_URL, reached at another host and port than any default."""
    from kommcert.app import create_app

    settings = load_settings(env="test", secret_key=SECRET, database_url=database_url, secure_cookies=False,
                             feed_state_seconds=0)
    with TestClient(create_app(settings, sessionmaker=session_factory), base_url="http://kommcert.intern:8123") as c:
        yield c


def test_it_takes_the_addresses_from_the_request_when_no_public_url_is_set(unconfigured_client,  # noqa: ANN001
                                                                          personas) -> None:
    web_login(unconfigured_client, personas.users["gemeinde_a1_member"].email)
    page = unconfigured_client.get("/feeds").text
    assert "http://kommcert.intern:8123/feeds/rpz?token=TOKEN" in page
    assert "export KOMMCERT_SERVER=http://kommcert.intern:8123\n" in page
    assert "127.0.0.1:8000" not in page


def test_it_prefers_the_configured_public_url(client, personas, login, settings) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get("/feeds", headers={"Host": "elsewhere.example:9999"}).text
    assert f"{settings.base_url}/feeds/txt?type=email&amp;token=TOKEN" in page
    assert "elsewhere.example" not in page


def test_it_offers_a_copy_button_for_every_address_and_explains_the_token(client, personas, login) -> None:  # noqa: ANN001
    import re

    login("gemeinde_a1_member")
    page = client.get("/feeds").text
    targets = re.findall(r'data-copy="#([\w-]+)"', page)
    assert len(targets) == 18 and "scan-example" in targets and "taxii-root" in targets  # 9 feeds, scan, 8 TAXII
    assert all(f'id="{t}"' in page for t in targets)
    assert "Organisations-Token" in page and 'href="/tokens"' in page and "Treffer melden" in page
    assert "<script>" not in page and "onclick" not in page  # the CSP allows no inline script


def test_it_keeps_e_mails_on_the_configured_or_local_address() -> None:
    unset = load_settings(env="test", secret_key=SECRET)
    assert unset.base_url == "http://127.0.0.1:8000"  # invitations made by the CLI still carry an address
    assert unset.public_url("http://kommcert.intern:8123/") == "http://kommcert.intern:8123"
    configured = load_settings(env="test", secret_key=SECRET, base_url="https://kommcert.example.de/")
    assert configured.public_url("http://evil.example/") == "https://kommcert.example.de"


def test_it_sends_anonymous_visitors_to_the_login(client) -> None:  # noqa: ANN001
    response = client.get("/feeds", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
