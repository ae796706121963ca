"""The awareness API against its OpenAPI schema (schemathesis, as tests/core/test_schemathesis.py does for the
whole API): no 5xx, no undocumented status, also past the 404 with ids of objects that exist."""

from __future__ import annotations

import schemathesis

from tests.awareness.conftest import begun, gophish_csv, plan
from tests.core.test_schemathesis import MODES, OPENAPI, _fuzz
from tests.personas import Personas


def test_awareness_operations_answer_no_server_error(app, client, personas: Personas) -> None:  # noqa: ANN001
    p = personas
    headers = p.auth("land_cert_admin")
    event = begun(p, plan(p))
    imported = client.post("/api/v1/awareness/phishing/import", headers=p.auth("gemeinde_a1_admin"),
                           files={"file": ("r.csv", gophish_csv({"Amt": [("Clicked Link", False)] * 7}))})
    assert imported.status_code == 201, imported.text
    known = {"event_id": event.id, "org_id": p.orgs["gemeinde_a1"].id, "campaign_id": imported.json()["id"],
             "table": "abdeckung"}
    schema = schemathesis.openapi.from_asgi(OPENAPI, app)
    operations = [r.ok() for r in schema.get_all_operations() if "/awareness" in r.ok().path]
    assert len(operations) >= 18
    failures: list[str] = []
    for operation in operations:
        existing = {p.name: known[p.name] for p in operation.path_parameters if p.name in known}
        for mode in MODES:
            _fuzz(operation, mode, {}, headers, failures)
            if existing:
                _fuzz(operation, mode, existing, headers, failures)
    assert failures == []
