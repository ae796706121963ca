"""Content negotiation (Accept with and without version, wildcards, q-values) and TAXII's error message
with its media type on every 4xx the TAXII endpoints give."""

from __future__ import annotations

import pytest

from kommcert.sharing.tlp import TLP
from kommcert.taxii import media
from kommcert.taxii.media import TAXII
from tests.taxii.conftest import ROOT, bearer, envelope, indicator, objects_url


@pytest.mark.parametrize(("accept", "ok"), [
    (None, True),
    ("application/taxii+json;version=2.1", True),
    ("application/taxii+json; version=2.1", True),
    ('application/taxii+json;version="2.1"', True),
    ("application/taxii+json", True),
    ("APPLICATION/TAXII+JSON;VERSION=2.1", True),
    ("*/*", True),
    ("application/*", True),
    ("text/html, */*;q=0.1", True),
    ("application/json, application/taxii+json;q=0.5", True),
    ("application/taxii+json;version=2.0", False),
    ("application/taxii+json;version=2.0, */*;q=0.2", True),  # the wildcard still takes ours
    ("application/taxii+json;q=0", False),
    ("application/taxii+json;version=2.1;q=0, */*", False),  # the most specific range decides
    ("*/*;q=0", False),
    ("application/json", False),
    ("text/html", False),
    ("application/stix+json;version=2.1", False),
    ("application/taxii+json;q=abc", False),
])
def test_accept_matrix(accept, ok) -> None:  # noqa: ANN001
    assert media.accepts_taxii(accept) is ok


def test_opencti_and_misp_accept_headers(client, personas) -> None:  # noqa: ANN001
    """OpenCTI sends the exact 2.1 type; MISP's taxii2 client (taxii2-client) too; older OpenCTI
    versions the type without version; curl sends */*."""
    for accept in ("application/taxii+json;version=2.1", "application/taxii+json", "*/*",
                   "application/taxii+json;version=2.1,application/json;q=0.9"):
        response = client.get(f"{ROOT}/collections/", headers={"Accept": accept})
        assert response.status_code == 200, accept
        assert response.headers["content-type"] == TAXII


@pytest.mark.parametrize("accept", ["application/json", "text/html", "application/taxii+json;version=2.0"])
def test_a_refused_accept_is_406_as_taxii_error(client, accept) -> None:  # noqa: ANN001
    response = client.get("/taxii2/", headers={"Accept": accept})
    assert response.status_code == 406
    _is_taxii_error(response, 406)


def _is_taxii_error(response, status: int) -> None:  # noqa: ANN001
    assert response.headers["content-type"] == TAXII, response.headers
    body = response.json()
    assert body["http_status"] == str(status)
    assert body["title"] and body["description"]


def test_every_error_status_is_the_taxii_error_message(client, personas, settings, app) -> None:  # noqa: ANN001
    admin = bearer(personas.token("gemeinde_a1_admin"))
    member = bearer(personas.token("gemeinde_a1_member"))
    post = {"Content-Type": TAXII}
    cases = {
        400: client.get(objects_url("community"), headers={**admin, "Accept": TAXII}, params={"limit": "x"}),
        401: client.get(objects_url("community"), headers={"Accept": TAXII}),
        403: client.post(objects_url("own"), headers={**member, **post}, content=envelope(indicator("a.example"))),
        404: client.get(f"{ROOT}/collections/00000000-0000-4000-8000-000000000000/", headers=admin),
        405: client.delete(objects_url("own"), headers=admin),
        406: client.get(objects_url("own"), headers={**admin, "Accept": "application/xml"}),
        415: client.post(objects_url("own"), headers={**admin, "Content-Type": "application/json"},
                         content=envelope(indicator("a.example"))),
        422: client.post(objects_url("own"), headers={**admin, **post}, content=b"{not json"),
    }
    for status, response in cases.items():
        assert response.status_code == status, (status, response.text)
        _is_taxii_error(response, status)
    assert cases[401].headers["WWW-Authenticate"] == 'Basic realm="kommcert"'
    unknown = client.get("/taxii2/nowhere/", headers={"Accept": TAXII})
    assert unknown.status_code == 404
    _is_taxii_error(unknown, 404)


def test_an_oversized_envelope_is_413_as_taxii_error(client, personas, settings) -> None:  # noqa: ANN001
    admin = bearer(personas.token("gemeinde_a1_admin"))
    body = envelope(*[indicator(f"x{n}.example", tlp=TLP.green) for n in range(10)])
    body = body[:-2] + b" " * (settings.max_body_bytes + 1) + body[-2:]
    response = client.post(objects_url("own"), headers={**admin, "Content-Type": TAXII}, content=body)
    assert response.status_code == 413
    _is_taxii_error(response, 413)
    assert "objects" not in client.get(objects_url("own"), headers=admin).json()  # nothing stored


def test_a_server_error_is_a_500_taxii_error(client, personas, monkeypatch) -> None:  # noqa: ANN001
    from kommcert.taxii import objects

    def broken(self, query):  # noqa: ANN001, ANN202
        raise RuntimeError("boom")

    monkeypatch.setattr(objects.Reader, "page", broken)
    response = client.get(objects_url("community"), headers=bearer(personas.token("gemeinde_a1_admin")))
    assert response.status_code == 500
    _is_taxii_error(response, 500)
    assert "boom" not in response.text


@pytest.mark.parametrize("params", [
    {"limit": "0"}, {"limit": "-1"}, {"limit": "ten"}, {"next": "garbage"}, {"next": "A" * 40},
    {"added_after": "yesterday"}, {"added_after": "2026-13-01T00:00:00Z"}, {"added_after": "2026-01-01T00:00:00"},
    {"match[id]": "not-an-id"}, {"match[type]": "Indicator!"}, {"match[version]": "newest"},
    {"match[spec_version]": "two"},
])
def test_malformed_parameters_are_400(client, personas, params) -> None:  # noqa: ANN001
    response = client.get(objects_url("community"), headers=bearer(personas.token("gemeinde_a1_admin")),
                          params=params)
    assert response.status_code == 400, params
    _is_taxii_error(response, 400)


def test_a_post_needs_the_taxii_content_type(client, personas) -> None:  # noqa: ANN001
    admin = bearer(personas.token("gemeinde_a1_admin"))
    for content_type, status in (("application/taxii+json", 202), ("application/taxii+json;version=2.1", 202),
                                 ("application/taxii+json;version=2.0", 415), ("text/plain", 415),
                                 ("application/stix+json;version=2.1", 415)):
        response = client.post(objects_url("own"), headers={**admin, "Content-Type": content_type},
                               content=envelope(indicator("ct.example", tlp=TLP.green)))
        assert response.status_code == status, content_type
        assert response.headers["content-type"] == TAXII


@pytest.mark.parametrize("body", [b"[]", b'{"objects": []}', b'{"objects": [1]}', b'{"objects": [{"type": "x"}]}',
                                  b'{"more": false}', b"\xff\xfe"])
def test_a_body_that_is_no_envelope_is_422(client, personas, body) -> None:  # noqa: ANN001
    response = client.post(objects_url("own"), headers={**bearer(personas.token("gemeinde_a1_admin")),
                                                         "Content-Type": TAXII}, content=body)
    assert response.status_code == 422
    _is_taxii_error(response, 422)
