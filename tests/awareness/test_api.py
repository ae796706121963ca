"""/api/v1/awareness: plan, register, attend, coverage, readiness, GoPhish import; authorization (readers and
other organisations refused) and Kreis B never seeing Kreis A's facts; bad input as one German 4xx."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from kommcert.accounts.models import TokenScope
from kommcert.awareness.models import AwarenessEvent
from kommcert.db import utcnow
from tests.awareness.conftest import begun, gophish_csv
from tests.personas import Personas


def _event(client, p: Personas, **change) -> dict:  # noqa: ANN001
    body = {"title": "Social Engineering", "format": "online", "target_groups": ["beschaeftigte", "rat"],
            "starts_at": (utcnow() + timedelta(days=3)).isoformat(), "capacity": 10,
            "link": "https://lernen.example.test/se", **change}
    return client.post("/api/v1/awareness/events", json=body, headers=p.auth("kreis_a_admin"))


def test_the_whole_path_over_the_api(client, personas: Personas) -> None:  # noqa: ANN001
    p = personas
    a1, b1 = p.orgs["gemeinde_a1"].id, p.orgs["gemeinde_b1"].id
    created = _event(client, p)
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    head = client.put(f"/api/v1/awareness/coverage/{a1}/headcount", json={"counts": {"beschaeftigte": 4, "rat": 2}},
                      headers=p.auth("gemeinde_a1_member"))
    assert head.status_code == 200 and head.json()["share"] == 0
    reg = client.put(f"/api/v1/awareness/events/{event_id}/registration", json={"counts": {"beschaeftigte": 3}},
                     headers=p.auth("gemeinde_a1_member"))
    assert reg.status_code == 200 and reg.json()["registered"] == 3
    begun(p, p.db.scalar(select(AwarenessEvent).where(AwarenessEvent.id == event_id)))
    att = client.put(f"/api/v1/awareness/events/{event_id}/attendance",
                     json={"org_id": a1, "counts": {"beschaeftigte": 3, "rat": 2}}, headers=p.auth("kreis_a_admin"))
    assert att.status_code == 200, att.text
    cov = client.get(f"/api/v1/awareness/coverage/{a1}", headers=p.auth("land_cert_analyst")).json()
    assert (cov["share"], cov["status"]) == (83, "ok")
    land = client.get("/api/v1/awareness/coverage", headers=p.auth("land_cert_analyst")).json()
    kreise = {k["name"]: k["share"] for k in land["kreise"]}
    assert land["land"]["share"] == 83 and kreise == {"Kreis A": 83, "Kreis B": None}
    # Kreis B and its Gemeinde: 404 for Kreis A's organisation, nothing of it in lists.
    for who in ("gemeinde_b1_member", "kreis_b_admin"):
        assert client.get(f"/api/v1/awareness/coverage/{a1}", headers=p.auth(who)).status_code == 404
        assert client.get(f"/api/v1/awareness/readiness/{a1}", headers=p.auth(who)).status_code == 404
        listed = client.get("/api/v1/awareness/coverage", headers=p.auth(who)).json()
        assert a1 not in [o["org_id"] for o in listed["organisations"]]
        detail = client.get(f"/api/v1/awareness/events/{event_id}", headers=p.auth(who)).json()
        assert detail["lines"] == [] and detail["registered"] == 3  # GREEN event, totals only
    assert client.get(f"/api/v1/awareness/coverage/{b1}", headers=p.auth("kreis_b_admin")).status_code == 200


def test_authorization(client, personas: Personas) -> None:  # noqa: ANN001
    p = personas
    a1 = p.orgs["gemeinde_a1"].id
    assert client.get("/api/v1/awareness/events").status_code == 401
    assert _event(client, p).status_code == 201
    refused = client.post("/api/v1/awareness/events", json={
        "title": "x", "format": "online", "target_groups": ["rat"],
        "starts_at": (utcnow() + timedelta(days=1)).isoformat(), "capacity": 3,
        "link": "https://x.example.test"}, headers=p.auth("gemeinde_a1_member"))
    assert refused.status_code == 403
    read_only = p.auth("gemeinde_a1_member", TokenScope.read)
    assert client.put(f"/api/v1/awareness/coverage/{a1}/headcount", json={"counts": {"rat": 1}},
                      headers=read_only).status_code == 403
    assert client.put(f"/api/v1/awareness/coverage/{a1}/headcount", json={"counts": {"rat": 1}},
                      headers=p.auth("kreis_a_admin")).status_code == 403  # the Kreis reads, never writes
    assert client.put(f"/api/v1/awareness/readiness/{a1}", json={"wiba_done": 3},
                      headers=p.auth("gemeinde_b1_member")).status_code == 404


def test_bad_input_is_one_german_message(client, personas: Personas) -> None:  # noqa: ANN001
    p = personas
    past = _event(client, p, starts_at=(utcnow() - timedelta(days=1)).isoformat())
    assert past.status_code == 422 and "Vergangenheit" in past.json()["de"]
    a1 = p.orgs["gemeinde_a1"].id
    negative = client.put(f"/api/v1/awareness/coverage/{a1}/headcount", json={"counts": {"rat": -1}},
                          headers=p.auth("gemeinde_a1_member"))
    assert negative.status_code == 422
    small = client.post("/api/v1/awareness/phishing/import", headers=p.auth("gemeinde_a1_member"),
                        files={"file": ("r.csv", gophish_csv({"Rat": [("Clicked Link", False)] * 5}))})
    assert small.status_code == 422 and "sechs" in small.json()["de"]
    wrong = client.post("/api/v1/awareness/phishing/import", headers=p.auth("gemeinde_a1_member"),
                        files={"file": ("r.json", json.dumps({"campaign": 1}).encode())})
    assert wrong.status_code == 422 and "GoPhish" in wrong.json()["de"]
    assert client.get("/api/v1/awareness/phishing", headers=p.auth("gemeinde_a1_member")).json() == []
