"""A warning of the Land-CERT to Kreis A (TLP:AMBER, with subtree), made directly in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kommcert.advisories.models import Advisory, AdvisoryAttachment, AdvisoryComment
from kommcert.sharing import service as sharing_service
from kommcert.sharing.tlp import TLP

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8


def make_warning(personas, *, tlp: TLP = TLP.amber, state: str = "published", tracking_id: str = "KC-WID-1",  # noqa: ANN001
                 audience_org: str | None = "kreis_a") -> Advisory:
    db = personas.db
    advisory = Advisory(origin="own", state=state, tlp=tlp, owner_org_id=personas.orgs["land_cert"].id,
                        created_by_id=personas.users["land_cert_analyst"].id,
                        publisher_namespace="https://cert.land.example", tracking_id=tracking_id,
                        title="Kritische Lücke in Exchange Server 2019")
    db.add(advisory)
    db.flush()
    if audience_org:
        sharing_service.set_audience(db, advisory, sharing_service.Audience(orgs=(personas.orgs[audience_org].id,)))
        db.flush()
    return advisory


@pytest.fixture
def warning(personas) -> Advisory:  # noqa: ANN001
    return make_warning(personas)


def counts(db) -> tuple[int, int]:  # noqa: ANN001
    return db.scalar(select(func.count(AdvisoryComment.id))), db.scalar(select(func.count(AdvisoryAttachment.id)))


def comment(client, personas, who: str, advisory_id: int, body: str = "Bei uns im Einsatz, wird gepatcht.",  # noqa: ANN001, ANN201
            files=(), scope=None):  # noqa: ANN001
    headers = personas.auth(who) if scope is None else personas.auth(who, scope)
    return client.post(f"/api/v1/advisories/{advisory_id}/comments", headers=headers, data={"body": body},
                       files=[("files", f) for f in files])
