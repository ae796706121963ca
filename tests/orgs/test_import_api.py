from __future__ import annotations

import pytest

from kommcert.accounts.models import TokenScope
from tests.orgs.gv100ad_builder import musterland, text


def _upload(client, headers, body: str = text(musterland())):  # noqa: ANN001, ANN202
    return client.post("/api/v1/orgs/import/gv100ad", headers=headers, data={"land": "99"},
                       files={"file": ("gv.txt", body.encode(), "text/plain")})


def test_it_imports_a_gv100ad_upload_for_cert_admins(client, personas) -> None:  # noqa: ANN001
    response = _upload(client, personas.auth("land_cert_admin"))
    assert response.status_code == 200
    # The personas already hold five of the 27 orgs under the same ARS: they are updated, not doubled.
    assert response.json()["created"] == 22


def test_it_refuses_the_import_to_others(client, personas) -> None:  # noqa: ANN001
    assert _upload(client, personas.auth("kreis_a_admin")).status_code == 403
    assert _upload(client, personas.auth("land_cert_analyst")).status_code == 403
    assert _upload(client, personas.auth("land_cert_admin", TokenScope.read)).status_code == 403


def test_it_answers_a_bad_file_with_one_line(client, personas) -> None:  # noqa: ANN001
    response = _upload(client, personas.auth("land_cert_admin"), text(musterland()) + "99garbage\n")
    assert response.status_code == 422
    body = response.json()
    assert "gv.txt, line 32" in body["en"] and "\n" not in body["en"]
    assert "Zeile 32" in body["de"]


def test_it_refuses_a_file_that_is_not_utf8(client, personas) -> None:  # noqa: ANN001
    response = client.post("/api/v1/orgs/import/csv", headers=personas.auth("land_cert_admin"),
                           files={"file": ("orgs.csv", b"key;kind;name\n\xff\xfe;x;y\n", "text/csv")})
    assert response.status_code == 422 and "UTF-8" in response.json()["en"]


@pytest.mark.parametrize("body", [b"key;kind;name\n" + b"x" * 200_000 + b";kreis;y\n", b"x" * 200_000 + b";kind\n"])
def test_it_answers_an_overlong_csv_field_with_422(client, db, personas, body: bytes) -> None:  # noqa: ANN001
    from sqlalchemy import func, select

    from kommcert.orgs.models import Organization

    before = db.scalar(select(func.count(Organization.id)))
    response = client.post("/api/v1/orgs/import/csv", headers=personas.auth("land_cert_admin"),
                           files={"file": ("orgs.csv", body, "text/csv")})
    assert response.status_code == 422 and "orgs.csv, line" in response.json()["en"]
    assert db.scalar(select(func.count(Organization.id))) == before
