"""Authorization over every route the app has, so a new endpoint cannot forget it.

Per-domain tests check the details (which org sees what); these check the floor:
anonymous callers get nothing that needs a login, read-only tokens change nothing, and no
browser form is accepted without the CSRF token.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from kommcert.accounts.models import TokenScope

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Routes that answer anonymous callers on purpose, and why.
PUBLIC_API_GETS = {
    "/api/v1/reports",  # lists TLP:CLEAR reports only
    "/api/v1/indicators",  # lists TLP:CLEAR indicators only
}
# The feeds answer anonymous callers with TLP:CLEAR only (public exports); with a token, what its user may see.
PUBLIC_PAGES = {"/login", "/invitation", "/healthz", "/api/docs", "/feeds/{fmt}", "/feeds/misp/manifest.json",
                "/feeds/misp/hashes.csv", "/feeds/misp/{event_file}"}
# kommcert as a CSAF provider: the metadata, keys, security.txt and white/ are public (TLP:CLEAR); the other
# directories answer a token's (or session's) reader with what the policy shows it, anonymous lists 401, documents 404.
PUBLIC_PAGES |= {"/.well-known/csaf/provider-metadata.json", "/.well-known/csaf/openpgp/{fingerprint}",
                 "/.well-known/csaf/{directory}/index.txt", "/.well-known/csaf/{directory}/changes.csv",
                 "/.well-known/csaf/{directory}/{feed}", "/.well-known/csaf/{directory}/{year}/{name}",
                 "/.well-known/security.txt"}


# TAXII 2.1 answers machines, not browsers: anonymous callers get 401 (the public parts aside) and cookies
# are ignored, so no form can write there (tests/taxii/test_auth.py holds every TAXII route to it).
TAXII = "/taxii2/"


def _routes(app):  # noqa: ANN001, ANN202
    out = []

    for route in app.routes:
        if isinstance(route, APIRoute):
            out += [(m, route.path) for m in route.methods]
        elif hasattr(route, "effective_route_contexts"):  # an included router (FastAPI ≥ 0.16x)
            for ctx in route.effective_route_contexts():
                if isinstance(ctx.original_route, APIRoute):
                    out += [(m, ctx.path) for m in ctx.methods]
    return sorted(set(out))


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_it_finds_the_routes(app) -> None:  # noqa: ANN001
    routes = _routes(app)
    assert ("GET", "/api/v1/reports/{report_id}") in routes
    assert ("POST", "/login") in routes


def test_it_refuses_anonymous_api_reads(app, client) -> None:  # noqa: ANN001
    leaks = []
    for method, path in _routes(app):
        if not path.startswith("/api/v1") or method != "GET" or path in PUBLIC_API_GETS:
            continue
        response = client.get(_concrete(path))
        if response.status_code not in (401, 404):
            leaks.append((path, response.status_code))
    assert leaks == []


def test_it_refuses_every_api_write_with_a_read_only_token(app, client, personas) -> None:  # noqa: ANN001
    headers = personas.auth("land_cert_admin", TokenScope.read)
    allowed = []
    for method, path in _routes(app):
        if not path.startswith("/api/v1") or method not in UNSAFE:
            continue
        response = client.request(method, _concrete(path), headers=headers, json={})
        if response.status_code != 403:
            allowed.append((method, path, response.status_code))
    assert allowed == []


def test_it_refuses_every_api_write_without_credentials(app, client) -> None:  # noqa: ANN001
    allowed = []
    for method, path in _routes(app):
        if not path.startswith("/api/v1") or method not in UNSAFE:
            continue
        response = client.request(method, _concrete(path), json={})
        if response.status_code not in (401, 403):
            allowed.append((method, path, response.status_code))
    assert allowed == []


def test_it_sends_anonymous_visitors_of_pages_to_login(app, client) -> None:  # noqa: ANN001
    wrong = []
    for method, path in _routes(app):
        if method != "GET" or path.startswith(("/api/", TAXII)) or path in PUBLIC_PAGES:
            continue
        response = client.get(_concrete(path), follow_redirects=False)
        if not (response.status_code == 303 and response.headers["location"].startswith("/login")):
            wrong.append((path, response.status_code))
    assert wrong == []


@pytest.mark.parametrize("persona", ["land_cert_admin", "gemeinde_a1_member"])
def test_it_refuses_every_form_post_without_csrf_token(app, client, login, persona) -> None:  # noqa: ANN001
    login(persona)
    accepted = []
    for method, path in _routes(app):
        if method not in UNSAFE or path.startswith(("/api/", TAXII)):
            continue
        response = client.request(method, _concrete(path), data={"x": "1"}, follow_redirects=False)
        if response.status_code != 403:
            accepted.append((method, path, response.status_code))
    assert accepted == []
