"""The API against its own OpenAPI schema, tried as an attacker would (schemathesis, in process).

Every operation gets generated requests with a read-write token of a CERT admin (who may do the most),
valid ones and invalid ones (negative mode), once with generated ids and once with the ids of objects
that exist, so the handlers past the 404 are reached too. None may answer 5xx (or raise), and every
status that comes back must be in the schema. Bounded and derandomized so it runs in the suite on
SQLite and PostgreSQL in well under 90 s; everything written is rolled back with the test.
"""

from __future__ import annotations

import json
import os

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import status_code_conformance

OPENAPI = "/api/v1/openapi.json"
# per operation, generation mode and id source: ~1,900 requests; KOMMCERT_FUZZ_EXAMPLES=200 for a deep run
EXAMPLES = int(os.environ.get("KOMMCERT_FUZZ_EXAMPLES", "12"))
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def _seed(client, headers: dict[str, str], personas) -> dict[str, object]:  # noqa: ANN001
    """Objects of the persona's own organisation, named as the schema's path parameters name them."""
    org_id = personas.users["land_cert_admin"].org_id
    report = client.post("/api/v1/reports", headers=headers, json={"title": "Schemathesis", "tlp": "green"})
    assert report.status_code == 201, report.text
    report_id = report.json()["id"]
    imported = client.post("/api/v1/indicators/import", headers=headers, files={"file": ("l.txt", b"198.51.100.7\n")},
                           data={"format": "text", "report_id": str(report_id), "tlp": "green"})
    assert imported.status_code == 200, imported.text
    found = client.get("/api/v1/indicators", headers=headers, params={"q": "198.51.100.7"}).json()["items"]
    comment = client.post(f"/api/v1/reports/{report_id}/comments", headers=headers, data={"body": "gesehen"},
                          files={"files": ("log.txt", b"x", "text/plain")})
    assert comment.status_code == 201, comment.text
    contact = client.post(f"/api/v1/orgs/{org_id}/contacts", headers=headers,
                          json={"role": "it_leitung", "name": "IT-Leitung", "phone": "+49 1234"})
    assert contact.status_code == 201, contact.text
    token = client.post("/api/v1/tokens", headers=headers, json={"name": "Firewall"})
    assert token.status_code == 201, token.text
    return {"org_id": org_id, "report_id": report_id, "indicator_id": found[0]["id"],
            "comment_id": comment.json()["id"], "attachment_id": comment.json()["attachments"][0]["id"],
            "contact_id": contact.json()["id"], "token_id": token.json()["id"],
            "user_id": personas.users["land_cert_admin"].id, **_seed_incident(client, headers, personas)}


def _seed_incident(client, headers: dict[str, str], personas) -> dict[str, object]:  # noqa: ANN001
    """A Gemeinde's incident filed by the CERT hotline, with one part of each kind."""
    incident = client.post("/api/v1/incidents", headers=headers, json={
        "category": "ransomware", "reporter_name": "Hotline", "on_behalf_of_org_id": personas.orgs["gemeinde_a1"].id,
        "answers": {"systems": "Fileserver", "observed": "verschlüsselt"}})
    assert incident.status_code == 201, incident.text
    base = f"/api/v1/incidents/{incident.json()['id']}"
    task = client.post(f"{base}/tasks", headers=headers, json={"title": "Backups prüfen"})
    observable = client.post(f"{base}/observables", headers=headers, json={"type": "ip", "value": "203.0.113.9"})
    participant = client.post(f"{base}/participants", headers=headers, json={"org_id": personas.orgs["kreis_b"].id})
    assert {r.status_code for r in (task, observable, participant)} == {201}
    return {"incident_id": incident.json()["id"], "task_id": task.json()["id"],
            "observable_id": observable.json()["id"], "participant_id": participant.json()["id"]}


def _describe(case, outcome: str) -> str:  # noqa: ANN001
    body = case.body if not isinstance(case.body, bytes | type(None)) else None
    return (f"{case.operation.label}: {outcome} | path={case.path_parameters} query={case.query} "
            f"body={json.dumps(body, default=repr)[:200] if body is not None else '-'}")


def _fuzz(operation, mode: GenerationMode, fixed: dict[str, object], headers: dict[str, str],  # noqa: ANN001
          failures: list[str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed or None))
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:  # noqa: ANN001
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # noqa: BLE001 - in process, a crash arrives as the exception itself
            failures.append(_describe(case, f"raised {type(exc).__name__}: {exc}"[:300]))
            return
        if response.status_code >= 500:
            failures.append(_describe(case, f"{response.status_code} {response.text[:200]}"))
            return
        try:
            case.validate_response(response, checks=[status_code_conformance])
        except BaseException:  # noqa: BLE001 - schemathesis raises its failures as an exception group
            failures.append(_describe(case, f"{response.status_code} is not in the schema"))

    run()


def test_no_operation_answers_a_server_error_or_an_undocumented_status(app, client, personas) -> None:  # noqa: ANN001
    headers = personas.auth("land_cert_admin")
    known = _seed(client, headers, personas)
    schema = schemathesis.openapi.from_asgi(OPENAPI, app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 35  # the whole API, feeds included
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        existing = {name: known[name] for name in names if name in known}
        for mode in MODES:
            _fuzz(operation, mode, {}, headers, failures)
            if existing:
                _fuzz(operation, mode, existing, headers, failures)
    assert failures == []


def test_the_schema_describes_the_error_shape(client) -> None:  # noqa: ANN001
    schema = client.get(OPENAPI).json()
    assert set(schema["components"]["schemas"]["ErrorRead"]["required"]) == {"detail", "de", "en"}
    responses = schema["paths"]["/api/v1/reports/{report_id}"]["get"]["responses"]
    assert {"401", "404", "422"} <= set(responses)
    assert responses["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorRead"}
    assert "304" in schema["paths"]["/feeds/{fmt}"]["get"]["responses"]
    ids = schema["paths"]["/api/v1/reports/{report_id}"]["get"]["parameters"][0]["schema"]
    assert (ids["minimum"], ids["maximum"]) == (1, 2**31 - 1)
