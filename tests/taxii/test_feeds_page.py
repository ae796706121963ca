""""Meine Feeds" names the TAXII 2.1 server: discovery, API root and the collections the person may
read, on the server's public address (the same rule as the feed addresses), and the addresses work."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from kommcert.accounts.models import TokenScope
from kommcert.config import load_settings
from kommcert.sharing.tlp import TLP
from kommcert.taxii.media import TAXII
from tests.conftest import SECRET
from tests.personas import web_login
from tests.taxii.conftest import IDS, ROOT, basic

PUBLIC = "https://kommcert.example.de"


@pytest.fixture
def serve(database_url: str, session_factory) -> Callable:  # noqa: ANN001
    """``serve(at=…, **settings)``: a TestClient reaching ``at``, of an app with these settings on the test's
    database."""
    from kommcert.app import create_app

    @contextmanager
    def _serve(at: str = "http://testserver", **overrides: object) -> Iterator[TestClient]:
        values = {"env": "test", "secret_key": SECRET, "database_url": database_url, "secure_cookies": False,
                  "feed_state_seconds": 0, "token_use_seconds": 0, "job_runner": "inline", **overrides}
        with TestClient(create_app(load_settings(**values), sessionmaker=session_factory), base_url=at) as c:
            yield c

    return _serve


def _page(client: TestClient, personas, who: str) -> str:  # noqa: ANN001
    web_login(client, personas.users[who].email)
    response = client.get("/feeds")
    assert response.status_code == 200
    return response.text


def _listed(page: str) -> list[str]:
    """The collection ids the page shows, in order."""
    return re.findall(r'<code id="taxii-id-\w+">([0-9a-f-]{36})</code>', page)


def test_the_page_lists_the_collections_on_the_configured_public_address(serve, personas, db,  # noqa: ANN001
                                                                          publish) -> None:
    publish("land_cert_analyst", ["feeds-page.example"], tlp=TLP.green)
    token = personas.token("gemeinde_a1_member", TokenScope.read)
    db.commit()
    with serve(at="http://kommcert.intern:8123", base_url=PUBLIC) as client:
        page = _page(client, personas, "gemeinde_a1_member")
        page_elsewhere = client.get("/feeds", headers={"Host": "elsewhere.example:9999"}).text
        assert f'<code id="taxii-discovery">{PUBLIC}/taxii2/</code>' in page
        assert f'<code id="taxii-root">{PUBLIC}{ROOT}/</code>' in page
        for key, collection_id in IDS.items():
            assert f'<code id="taxii-id-{key}">{collection_id}</code>' in page
            assert f"{PUBLIC}{ROOT}/collections/{collection_id}/objects/" in page
            assert f'data-copy="#taxii-objects-{key}"' in page and f'data-copy="#taxii-id-{key}"' in page
        assert "Benutzername ist Ihre E-Mail-Adresse, Passwort ein API-Token" in page
        assert "Authorization: Bearer TOKEN" in page
        assert "kommcert.intern" not in page
        assert "elsewhere.example" not in page_elsewhere and f"{PUBLIC}/taxii2/" in page_elsewhere

        # What the page names answers: the community collection's objects with Basic (e-mail, token).
        objects = client.get(f"{ROOT}/collections/{IDS['community']}/objects/",
                             headers=basic(token, personas.users["gemeinde_a1_member"].email))
        assert objects.status_code == 200 and objects.headers["content-type"].startswith(TAXII)
        assert "feeds-page.example" in objects.text


def test_without_a_configured_address_the_page_uses_the_one_the_request_came_to(serve, personas) -> None:  # noqa: ANN001
    with serve(at="http://kommcert.intern:8123") as client:
        page = _page(client, personas, "gemeinde_a1_member")
    assert "http://kommcert.intern:8123/taxii2/" in page and "http://testserver" not in page
    assert f"http://kommcert.intern:8123{ROOT}/collections/{IDS['clear']}/objects/" in page


@pytest.mark.parametrize("who", ["gemeinde_b1_member", "land_cert_analyst"])
def test_the_page_lists_exactly_the_collections_the_server_lists_for_the_persons_token(serve, personas, db,  # noqa: ANN001
                                                                                       who: str) -> None:
    token = personas.token(who, TokenScope.read)
    db.commit()
    with serve() as client:
        page = _page(client, personas, who)
        served = client.get(f"{ROOT}/collections/", headers=basic(token)).json()["collections"]
    assert _listed(page) == [c["id"] for c in served]
    assert set(_listed(page)) <= set(IDS.values())


def test_a_seedorf_member_is_offered_no_collection_that_gives_it_a_beispielkreis_amber_object(  # noqa: ANN201
        serve, personas, db, publish):  # noqa: ANN001
    """The page offers collections only; each of them, fetched with the member's token, holds nothing
    of Kreis A's AMBER report (the collections narrow the policy, never widen it)."""
    from kommcert.sharing.service import Audience

    publish("kreis_a_admin", ["beispielkreis-amber.example"], tlp=TLP.amber,
            audience=Audience(orgs=(personas.orgs["kreis_a"].id,)))
    token = personas.token("gemeinde_b1_member", TokenScope.read)
    db.commit()
    with serve() as client:
        page = _page(client, personas, "gemeinde_b1_member")
        assert _listed(page)
        for collection_id in _listed(page):
            body = client.get(f"{ROOT}/collections/{collection_id}/objects/", headers=basic(token))
            assert body.status_code == 200 and "beispielkreis-amber.example" not in body.text
        insider = client.get(f"{ROOT}/collections/{IDS['community']}/objects/",
                             headers=basic(personas.token("gemeinde_a1_member", TokenScope.read)))
        assert "beispielkreis-amber.example" in insider.text  # the object exists and is served to its audience


@pytest.mark.parametrize("public", [True, False])
def test_the_page_says_what_is_readable_without_credentials_as_the_server_does(serve, personas, db,  # noqa: ANN001
                                                                               publish, public: bool) -> None:
    publish("land_cert_analyst", ["clear-for-all.example"], tlp=TLP.clear)
    db.commit()
    with serve(taxii_public=public) as client:
        page = _page(client, personas, "gemeinde_a1_member")
        anonymous = TestClient(client.app, base_url="http://testserver")  # no session cookie
        clear = anonymous.get(f"{ROOT}/collections/{IDS['clear']}/objects/", headers={"Accept": TAXII})
        community = anonymous.get(f"{ROOT}/collections/{IDS['community']}/objects/", headers={"Accept": TAXII})
    assert community.status_code == 401
    if public:
        assert "sind auch ohne Anmeldung lesbar" in page and "nur mit Token" not in page
        assert clear.status_code == 200 and "clear-for-all.example" in clear.text
    else:
        assert "Dieser Server beantwortet TAXII nur mit Token" in page and "ohne Anmeldung lesbar" not in page
        assert clear.status_code == 401
