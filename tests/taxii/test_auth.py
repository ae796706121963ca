"""Credentials on TAXII: Basic with an API token as password (never the account password), Bearer,
Token; anonymous only where public; the switch that closes the public part; the token cache."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from kommcert.accounts.models import TokenScope
from kommcert.audit.models import AuditEntry
from kommcert.sharing.tlp import TLP
from kommcert.taxii.media import TAXII
from tests.personas import PASSWORD
from tests.taxii.conftest import IDS, ROOT, basic, envelope, indicator, objects_url


def _get(client, url: str, authorization: str | None = None):  # noqa: ANN001, ANN202
    headers = {"Accept": TAXII}
    if authorization:
        headers["Authorization"] = authorization
    return client.get(url, headers=headers)


def test_basic_with_a_token_as_password(client, personas, publish) -> None:  # noqa: ANN001
    publish("land_cert_analyst", ["basic.example"], tlp=TLP.green)
    token = personas.token("gemeinde_a1_member")
    for user in ("siem", "", personas.users["gemeinde_a1_member"].email):  # the user name is not checked
        response = client.get(objects_url("community"), headers=basic(token, user))
        assert response.status_code == 200, user
        assert [o["name"] for o in response.json()["objects"]] == ["domain: basic.example"]


def test_basic_with_the_account_password_is_refused(client, personas, db) -> None:  # noqa: ANN001
    email = personas.users["gemeinde_a1_member"].email
    header = "Basic " + base64.b64encode(f"{email}:{PASSWORD}".encode()).decode()
    response = _get(client, objects_url("community"), header)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="kommcert"'
    assert response.json()["http_status"] == "401"
    rejected = db.scalars(select(AuditEntry).where(AuditEntry.action == "token_rejected")).all()
    assert rejected  # audited like any wrong token, and the password is not in the entry
    assert all(PASSWORD not in str(e.detail) for e in rejected)


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer", "token"])
def test_bearer_and_token_schemes(client, personas, scheme) -> None:  # noqa: ANN001
    token = personas.token("gemeinde_a1_member")
    assert _get(client, objects_url("community"), f"{scheme} {token}").status_code == 200


@pytest.mark.parametrize("header", ["Bearer kc_wrong", "Token kc_wrong",
                                    "Basic " + base64.b64encode(b"x:kc_wrong").decode(), "Basic !!!",
                                    "Basic " + base64.b64encode(b"no-colon").decode(), "Digest abc", "Bearer"])
def test_a_wrong_credential_is_401_never_anonymous(client, header) -> None:  # noqa: ANN001
    # even on the public parts: a wrong token is an error, not a silent downgrade to anonymous
    for url in ("/taxii2/", objects_url("clear")):
        response = _get(client, url, header)
        assert response.status_code == 401, (header, url)
        assert response.headers["content-type"] == TAXII


def test_anonymous_reads_discovery_root_and_clear_but_not_community(client, publish) -> None:  # noqa: ANN001
    publish("land_cert_analyst", ["public.example"], tlp=TLP.clear)
    for url in ("/taxii2/", f"{ROOT}/", f"{ROOT}/collections/", f"{ROOT}/collections/{IDS['clear']}/",
                objects_url("clear"), f"{ROOT}/collections/{IDS['clear']}/manifest/"):
        assert _get(client, url).status_code == 200, url
    for key in ("community", "own"):
        response = _get(client, objects_url(key))
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Basic realm="kommcert"'
    assert _get(client, f"{ROOT}/status/00000000-0000-4000-8000-000000000000/").status_code == 401


def test_the_public_part_can_be_switched_off(settings, session_factory, personas, publish) -> None:  # noqa: ANN001
    from fastapi.testclient import TestClient

    from kommcert.app import create_app

    publish("land_cert_analyst", ["closed.example"], tlp=TLP.clear)
    token = personas.token("gemeinde_a1_member")
    closed = create_app(settings.model_copy(update={"taxii_public": False}), sessionmaker=session_factory)
    with TestClient(closed) as client:
        for url in ("/taxii2/", f"{ROOT}/", f"{ROOT}/collections/", objects_url("clear")):
            response = _get(client, url)
            assert response.status_code == 401, url
            assert response.json()["http_status"] == "401"
        assert _get(client, objects_url("clear"), f"Bearer {token}").status_code == 200


def test_a_browser_session_does_not_authenticate_taxii(client, login, publish) -> None:  # noqa: ANN001
    """Cookies are ignored: API tokens only, so no page can make a logged-in browser POST here."""
    login("gemeinde_a1_admin")
    assert _get(client, objects_url("own")).status_code == 401
    response = client.post(objects_url("own"), headers={"Content-Type": TAXII, "Accept": TAXII},
                           content=envelope(indicator("csrf.example")))
    assert response.status_code == 401


def test_feed_and_read_tokens_read_but_never_write(client, personas, db) -> None:  # noqa: ANN001
    from kommcert.accounts import service as accounts_service

    feed, _ = accounts_service.create_service_token(db, actor=personas.actor("gemeinde_a1_admin"), name="SIEM",
                                                     expires_at=None, scope=TokenScope.feed)
    read = personas.token("gemeinde_a1_admin", TokenScope.read)
    for token in (feed, read):
        assert _get(client, objects_url("own"), f"Bearer {token}").status_code == 200
        response = client.post(objects_url("own"), content=envelope(indicator("ro.example")),
                               headers={"Authorization": f"Bearer {token}", "Content-Type": TAXII, "Accept": TAXII})
        assert response.status_code == 403
        assert response.json()["http_status"] == "403"


def test_revocation_takes_effect_within_the_cache_time(client, app, personas, db) -> None:  # noqa: ANN001
    from kommcert.accounts import service as accounts_service
    from kommcert.accounts.models import ApiToken

    text = personas.token("gemeinde_a1_member")
    assert _get(client, objects_url("community"), f"Bearer {text}").status_code == 200
    token = db.scalars(select(ApiToken).where(ApiToken.user_id == personas.users["gemeinde_a1_member"].id)).first()
    accounts_service.revoke_token(db, actor=None, token=token)
    db.flush()
    # Kept for KOMMCERT_TAXII_TOKEN_CACHE_SECONDS (documented); once it lapses, refused.
    assert _get(client, objects_url("community"), f"Bearer {text}").status_code == 200
    app.state.taxii_tokens.clear()
    assert _get(client, objects_url("community"), f"Bearer {text}").status_code == 401


def test_without_the_cache_a_revocation_is_at_once(settings, session_factory, personas, db) -> None:  # noqa: ANN001
    from fastapi.testclient import TestClient

    from kommcert.accounts import service as accounts_service
    from kommcert.accounts.models import ApiToken
    from kommcert.app import create_app

    text = personas.token("gemeinde_a1_member")
    uncached = create_app(settings.model_copy(update={"taxii_token_cache_seconds": 0}), sessionmaker=session_factory)
    with TestClient(uncached) as client:
        assert _get(client, objects_url("community"), f"Token {text}").status_code == 200
        token = db.scalars(select(ApiToken).where(ApiToken.user_id == personas.users["gemeinde_a1_member"].id)).first()
        accounts_service.revoke_token(db, actor=None, token=token)
        db.flush()
        assert _get(client, objects_url("community"), f"Token {text}").status_code == 401


def test_every_export_answer_is_audited_once(client, personas, db, publish) -> None:  # noqa: ANN001
    publish("land_cert_analyst", ["audit.example"], tlp=TLP.green)
    token = personas.token("gemeinde_a1_member")

    def exports() -> list[AuditEntry]:
        return db.scalars(select(AuditEntry).where(AuditEntry.action == "exported",
                                                   AuditEntry.object_id.like("taxii-%"))).all()

    before = len(exports())
    manifest = client.get(f"{ROOT}/collections/{IDS['community']}/manifest/", headers=basic(token)).json()
    oid = manifest["objects"][0]["id"]
    client.get(objects_url("community"), headers=basic(token))
    client.get(f"{objects_url('community')}{oid}/", headers=basic(token))
    client.get(f"{objects_url('community')}{oid}/versions/", headers=basic(token))
    entries = exports()[before:]
    assert [e.object_id for e in entries] == ["taxii-manifest", "taxii-objects", "taxii-object", "taxii-versions"]
    assert all(e.actor_user_id == personas.users["gemeinde_a1_member"].id for e in entries)


PUBLIC = {"/taxii2/", "/taxii2/root/", "/taxii2/root/collections/", "/taxii2/root/collections/{collection_id}/",
          "/taxii2/root/collections/{collection_id}/objects/", "/taxii2/root/collections/{collection_id}/manifest/",
          "/taxii2/root/collections/{collection_id}/objects/{object_id}/",
          "/taxii2/root/collections/{collection_id}/objects/{object_id}/versions/"}


def test_every_taxii_route_refuses_anonymous_callers_outside_the_public_part(app, client, login) -> None:  # noqa: ANN001
    """Over every route the app has under /taxii2/: anonymous (and a logged-in browser, whose cookie is
    ignored) gets 401 for everything but discovery, the root, the list and the CLEAR collection; the
    collection-specific routes of the other collections say 401 as well."""
    from tests.core.test_route_authorization import _routes

    routes = [(m, p) for m, p in _routes(app) if p.startswith("/taxii2/")]
    assert len(routes) >= 10
    login("land_cert_admin")
    for method, path in routes:
        for collection in (IDS["community"], IDS["own"], IDS["clear"]):
            url = path.replace("{collection_id}", collection).replace(
                "{object_id}", "indicator--00000000-0000-4000-8000-000000000000").replace("{status_id}", "x")
            response = client.request(method, url, headers={"Accept": TAXII, "Content-Type": TAXII},
                                       content=b'{"objects": []}' if method == "POST" else None)
            public = method == "GET" and path in PUBLIC and (
                "{collection_id}" not in path or collection == IDS["clear"])
            expected = (200, 404) if public else (401,)
            assert response.status_code in expected, (method, url, response.status_code)
