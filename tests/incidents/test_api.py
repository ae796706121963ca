"""/api/v1/incidents: every endpoint answers its roles, and Seedorf's Kreis (Kreis B) gets 404 everywhere."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kommcert.accounts.models import TokenScope
from kommcert.incidents import service
from kommcert.incidents.models import Incident, IncidentEvent
from kommcert.incidents.schemas import IncidentCreate, ObservableCreate, TaskCreate

REPORT = {"category": "ransomware", "reporter_name": "Frau Beispiel", "callback_phone": "+49 1",
          "answers": {"systems": "Fileserver", "observed": "Dateien verschlüsselt"}, "ransom_note": True}


@pytest.fixture
def parts(personas, incident: Incident) -> dict[str, int]:  # noqa: ANN001
    """Ids of one part of each kind on Gemeinde A1's incident."""
    db, cert = personas.db, personas.actor("land_cert_admin")
    task = service.add_task(db, actor=cert, incident_id=incident.id, task_in=TaskCreate(title="Backups prüfen"))
    obs = service.add_observable(db, actor=cert, incident_id=incident.id,
                                 observable_in=ObservableCreate(type="ip", value="203.0.113.7"))
    participant = service.add_participant(db, actor=cert, incident_id=incident.id, org_id=personas.orgs["kreis_b"].id)
    from kommcert.files import Upload

    [attachment] = service.add_attachments(db, actor=cert, incident_id=incident.id,
                                           uploads=[Upload("note.txt", "text/plain", b"pay")], max_bytes=1000)
    # Kreis B takes part; Gemeinde B1 below it does not see the incident (no subtree): our outsider.
    return {"task": task.id, "observable": obs.id, "participant": participant.id, "attachment": attachment.id}


def _endpoints(i: int, p: dict[str, int], other: int) -> list[tuple[str, str, dict | None]]:
    return [
        ("GET", f"/api/v1/incidents/{i}", None),
        ("GET", f"/api/v1/incidents/{i}/case", None),
        ("GET", f"/api/v1/incidents/{i}/attachments/{p['attachment']}", None),
        ("POST", f"/api/v1/incidents/{i}/phase", {"phase": "triage"}),
        ("POST", f"/api/v1/incidents/{i}/classification", {"severity": "high"}),
        ("POST", f"/api/v1/incidents/{i}/claim", None),
        ("POST", f"/api/v1/incidents/{i}/assign", {"assignee_id": None}),
        ("POST", f"/api/v1/incidents/{i}/duplicate", {"duplicate_of_id": other}),
        ("POST", f"/api/v1/incidents/{i}/notes", {"body": "Hallo"}),
        ("POST", f"/api/v1/incidents/{i}/tasks", {"title": "Neu"}),
        ("PATCH", f"/api/v1/incidents/{i}/tasks/{p['task']}", {"done": True}),
        ("POST", f"/api/v1/incidents/{i}/observables", {"type": "domain", "value": "evil.example.com"}),
        ("PATCH", f"/api/v1/incidents/{i}/observables/{p['observable']}", {"share": True}),
        ("DELETE", f"/api/v1/incidents/{i}/observables/{p['observable']}", None),
        ("POST", f"/api/v1/incidents/{i}/evidence", {"description": "Platte", "location": "Tresor"}),
        ("POST", f"/api/v1/incidents/{i}/participants", {"org_id": p["vg_a"]}),
        ("DELETE", f"/api/v1/incidents/{i}/participants/{p['participant']}", None),
        ("POST", f"/api/v1/incidents/{i}/attachments", "files"),
    ]


def _call(client, method: str, url: str, body, headers: dict):  # noqa: ANN001, ANN202
    if body == "files":
        return client.post(url, headers=headers, files=[("files", ("s.png", b"\x89PNG", "image/png"))])
    return client.request(method, url, headers=headers, json=body)


def test_another_kreis_gets_404_on_the_incident_and_every_part(client, personas, incident, parts) -> None:  # noqa: ANN001
    other = service.report_incident(personas.db, actor=personas.actor("gemeinde_b1_member"),
                                    incident_in=IncidentCreate.model_validate(REPORT), max_bytes=1000)
    headers = personas.auth("gemeinde_b1_member")
    events = personas.db.scalar(select(func.count(IncidentEvent.id)))
    wrong = []
    for method, url, body in _endpoints(incident.id, {**parts, "vg_a": personas.orgs["vg_a"].id}, other.id):
        response = _call(client, method, url, body, headers)
        if response.status_code != 404:
            wrong.append((method, url, response.status_code))
    assert wrong == []
    assert personas.db.scalar(select(func.count(IncidentEvent.id))) == events
    assert client.get("/api/v1/incidents", headers=headers).json()["items"][0]["id"] == other.id


def test_anonymous_and_read_only_tokens_get_nothing(client, personas, incident, parts) -> None:  # noqa: ANN001
    read_only = personas.auth("land_cert_admin", TokenScope.read)
    for method, url, body in _endpoints(incident.id, {**parts, "vg_a": personas.orgs["vg_a"].id}, incident.id):
        assert _call(client, method, url, body, {}).status_code in ((401,) if method == "GET" else (401, 403)), url
        if method != "GET":
            assert _call(client, method, url, body, read_only).status_code == 403, url
    assert client.get("/api/v1/incidents").status_code == 401
    assert client.post("/api/v1/incidents", json=REPORT).status_code in (401, 403)  # 403: no CSRF token
    assert client.post("/api/v1/incidents", json=REPORT, headers=read_only).status_code == 403


# endpoint index -> (persona, expected status): the owner's member, the Kreis above (reads only), the CERT
ROLE_CASES = [
    ("POST", "phase", {"phase": "triage"}, {"gemeinde_a1_member": 403, "kreis_a_admin": 403, "land_cert_analyst": 200}),
    ("POST", "classification", {"severity": "high"},
     {"gemeinde_a1_member": 403, "kreis_a_admin": 403, "land_cert_analyst": 200}),
    ("POST", "claim", None, {"gemeinde_a1_member": 403, "kreis_a_admin": 403, "land_cert_analyst": 200}),
    ("POST", "assign", {"assignee_id": None}, {"gemeinde_a1_member": 403, "land_cert_analyst": 200}),
    ("POST", "notes", {"body": "Netz getrennt"}, {"gemeinde_a1_member": 201, "kreis_a_admin": 403,
                                                  "kreis_b_admin": 201, "land_cert_analyst": 201}),
    ("POST", "tasks", {"title": "Backups"},
     {"gemeinde_a1_member": 201, "kreis_b_admin": 403, "land_cert_analyst": 201}),
    ("POST", "observables", {"type": "domain", "value": "evil.example.com"},
     {"gemeinde_a1_member": 201, "kreis_a_admin": 403, "kreis_b_admin": 201}),
    ("POST", "evidence", {"description": "Platte", "location": "Tresor"},
     {"gemeinde_a1_member": 201, "kreis_a_admin": 403, "land_cert_admin": 201}),
    ("POST", "participants", "vg_a", {"kreis_a_admin": 403, "kreis_b_admin": 403, "gemeinde_a1_admin": 201}),
]


@pytest.mark.parametrize(("method", "sub", "body", "expected"), ROLE_CASES, ids=[c[1] for c in ROLE_CASES])
def test_each_endpoint_answers_each_role(client, personas, incident, parts, method, sub, body, expected) -> None:  # noqa: ANN001
    for persona, status in expected.items():
        payload = {"org_id": personas.orgs["vg_a"].id} if body == "vg_a" else body
        if sub == "observables":  # one value each: the same value twice is a conflict
            payload = {**body, "value": f"{persona.replace('_', '-')}.example.com"}
        response = client.request(method, f"/api/v1/incidents/{incident.id}/{sub}", json=payload,
                                  headers=personas.auth(persona))
        assert response.status_code == status, (persona, response.text)
        if status == 403:
            assert set(response.json()) >= {"detail", "de", "en"}
        if sub == "participants" and status == 201:  # the next persona would meet a conflict
            break


def test_a_gemeinde_reports_through_the_api_and_the_cert_works_the_queue(client, personas) -> None:  # noqa: ANN001
    created = client.post("/api/v1/incidents", json=REPORT, headers=personas.auth("gemeinde_a1_member"))
    assert created.status_code == 201, created.text
    incident = created.json()
    assert incident["tlp"] == "amber+strict" and incident["upward"] and incident["phase"] == "reported"
    cert = personas.auth("land_cert_analyst")
    queue = client.get("/api/v1/incidents/queue", headers=cert).json()
    assert [(q["incident"]["id"], q["new"], q["unassigned"], q["owner_name"]) for q in queue] == [
        (incident["id"], True, True, "Gemeinde A1")]
    assert client.get("/api/v1/incidents/queue", headers=personas.auth("kreis_a_admin")).status_code == 403
    assert client.post(f"/api/v1/incidents/{incident['id']}/claim", headers=cert).json()["assignee_id"] == \
        personas.users["land_cert_analyst"].id
    case = client.get(f"/api/v1/incidents/{incident['id']}/case", headers=personas.auth("kreis_a_admin")).json()
    assert [e["kind"] for e in case["timeline"]] == ["reported", "assigned"]
    assert case["allowed_phases"] == []
    listed = client.get("/api/v1/incidents?mine=true", headers=personas.auth("gemeinde_a1_admin")).json()
    assert [i["id"] for i in listed["items"]] == [incident["id"]]


@pytest.mark.parametrize(("body", "status", "de"), [
    ({**REPORT, "tlp": "red"}, 422, "TLP:RED ist für Vorfälle nicht möglich"),
    ({**REPORT, "answers": {"systems": "x"}}, 422, "Bitte beantworten"),
    ({**REPORT, "on_behalf_of_org_id": 1}, 403, "Nur die Hotline eines CERT"),
])
def test_bad_reports_are_refused_in_both_languages_and_nothing_is_written(client, personas, body, status,  # noqa: ANN001
                                                                            de) -> None:
    response = client.post("/api/v1/incidents", json=body, headers=personas.auth("gemeinde_a1_member"))
    assert response.status_code == status
    assert de in response.json()["de"] and response.json()["en"]
    assert personas.db.scalar(select(func.count(Incident.id))) == 0


def test_an_invalid_observable_and_a_forbidden_phase_are_4xx(client, personas, incident) -> None:  # noqa: ANN001
    headers = personas.auth("gemeinde_a1_member")
    bad = client.post(f"/api/v1/incidents/{incident.id}/observables", json={"type": "ip", "value": "999.1.1.1"},
                      headers=headers)
    assert bad.status_code == 422 and "keine gültige IP-Adresse" in bad.json()["de"]
    skip = client.post(f"/api/v1/incidents/{incident.id}/phase", json={"phase": "closed"},
                       headers=personas.auth("land_cert_admin"))
    assert skip.status_code == 422 and skip.json()["en"] == "An incident cannot move from 'reported' to 'closed'."


def test_files_are_downloaded_as_attachments_and_the_limit_holds(client, personas, incident, settings) -> None:  # noqa: ANN001
    headers = personas.auth("gemeinde_a1_member")
    posted = client.post(f"/api/v1/incidents/{incident.id}/attachments", headers=headers,
                         files=[("files", ("erpresserschreiben.html", b"<script>x</script>", "text/html"))])
    assert posted.status_code == 201, posted.text
    [meta] = posted.json()
    download = client.get(f"/api/v1/incidents/{incident.id}/attachments/{meta['id']}",
                          headers=personas.auth("kreis_a_admin"))
    assert download.status_code == 200 and download.content == b"<script>x</script>"
    assert download.headers["content-type"] == "application/octet-stream"
    big = client.post(f"/api/v1/incidents/{incident.id}/attachments", headers=headers,
                      files=[("files", ("big.bin", b"x" * (settings.max_attachment_bytes + 1), "application/x"))])
    assert big.status_code == 413
