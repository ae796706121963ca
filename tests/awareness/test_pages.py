"""Awareness pages: the calendar, planning, registration, attendance, coverage with charts, phishing import,
readiness, CSV, iCalendar, the certificate; who may (authorization) and Kreis B never seeing Kreis A."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from kommcert.awareness import profiles
from kommcert.awareness.models import AwarenessEvent
from kommcert.db import utcnow
from tests.awareness.conftest import begun, gophish_csv
from tests.personas import Personas, csrf_from


def _post(client, url: str, data: dict, files: dict | None = None):  # noqa: ANN001, ANN202
    token = csrf_from(client.get("/awareness").text)
    return client.post(url, data={**data, "csrf_token": token}, files=files, follow_redirects=False)


def _local(delta: timedelta) -> str:
    from kommcert import timefmt

    return (utcnow() + delta).astimezone(timefmt.zone(timefmt.DEFAULT_ZONE)).strftime("%Y-%m-%dT%H:%M")


def test_plan_register_attend_and_the_charts_move(client, personas: Personas, login) -> None:  # noqa: ANN001
    p = personas
    a1 = p.orgs["gemeinde_a1"].id
    profiles.set_headcount(p.db, actor=p.actor("gemeinde_a1_admin"), org_id=a1, counts={"beschaeftigte": 8})
    login("kreis_a_admin")
    bad = _post(client, "/awareness/events", {"title": "Alt", "format": "praesenz", "groups": ["beschaeftigte"],
                                              "starts_at": _local(-timedelta(days=2)), "capacity": "10", "place": "X"})
    assert bad.status_code == 422 and "Vergangenheit" in bad.text
    made = _post(client, "/awareness/events", {"title": "Passwörter und Phishing", "format": "praesenz",
                                               "groups": ["beschaeftigte", "fuehrung"],
                                               "starts_at": _local(timedelta(days=5)), "capacity": "20",
                                               "place": "Kreishaus"})
    assert made.status_code == 303, made.text
    event_id = int(made.headers["location"].rsplit("/", 1)[1])
    before = client.get("/awareness/coverage").text
    client.cookies.clear()
    login("gemeinde_a1_member")
    assert "Passwörter und Phishing" in client.get("/awareness").text
    reg = _post(client, f"/awareness/events/{event_id}/register", {"reg_beschaeftigte": "5"})
    assert reg.status_code == 303
    too_many = _post(client, f"/awareness/events/{event_id}/register", {"reg_beschaeftigte": "9"})
    assert too_many.status_code == 422 and "Personalzahl" in too_many.text
    event = p.db.scalar(select(AwarenessEvent).where(AwarenessEvent.id == event_id))
    begun(p, event)
    refused = _post(client, f"/awareness/events/{event_id}/attendance", {"org": str(a1), "att_beschaeftigte": "5"})
    assert refused.status_code == 403
    client.cookies.clear()
    login("kreis_a_admin")
    over = _post(client, f"/awareness/events/{event_id}/attendance", {"org": str(a1), "att_beschaeftigte": "21"})
    assert over.status_code == 422 and "Plätzen" in over.text
    done = _post(client, f"/awareness/events/{event_id}/attendance", {"org": str(a1), "att_beschaeftigte": "5"})
    assert done.status_code == 303
    after = client.get("/awareness/coverage").text
    assert "<svg" in after and after != before
    assert re.search(r"Gemeinde A1.*?62 %", after, re.S)
    pdf = client.get(f"/awareness/events/{event_id}/certificate.pdf?org={a1}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    ics = client.get(f"/awareness/events/{event_id}/event.ics")
    assert ics.status_code == 200 and "BEGIN:VEVENT" in ics.text and "\r\n" in ics.text
    csv_text = client.get("/awareness/export/teilnahme.csv").text
    assert "Gemeinde A1" in csv_text and "Beschäftigte" in csv_text


def test_kreis_b_sees_no_coverage_of_kreis_a(client, personas: Personas, login) -> None:  # noqa: ANN001
    p = personas
    a1 = p.orgs["gemeinde_a1"].id
    profiles.set_headcount(p.db, actor=p.actor("gemeinde_a1_admin"), org_id=a1, counts={"beschaeftigte": 8})
    login("gemeinde_b1_member")
    assert client.get(f"/awareness/coverage/{a1}").status_code == 404
    assert "Gemeinde A1" not in client.get("/awareness/coverage").text
    assert "Gemeinde A1" not in client.get("/awareness/export/abdeckung.csv").text
    assert "Gemeinde A1" not in client.get("/awareness/readiness").text
    assert client.post(f"/awareness/coverage/{a1}/headcount", data={
        "csrf_token": csrf_from(client.get("/awareness").text), "head_rat": "3"}).status_code == 404
    client.cookies.clear()
    login("kreis_a_admin")
    assert "Gemeinde A1" in client.get(f"/awareness/coverage/{a1}").text


def test_anonymous_is_sent_to_login(client) -> None:  # noqa: ANN001
    for url in ("/awareness", "/awareness/coverage", "/awareness/phishing", "/awareness/export/abdeckung.csv"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303 and "/login" in response.headers["location"]


def test_phishing_import_page_hides_a_group_of_four(client, personas: Personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_admin")
    data = gophish_csv({"Bauamt": [("Clicked Link", False)] * 3 + [("Email Opened", True)] * 5,
                        "Kasse": [("Submitted Data", False)] * 2 + [("Email Sent", True)] * 5,
                        "Bürgermeisterbüro": [("Clicked Link", False)] * 4})
    response = _post(client, "/awareness/phishing/import", {"name": "Herbst"}, files={"file": ("r.csv", data)})
    assert response.status_code == 303, response.text
    page = client.get("/awareness/phishing").text
    assert "Bauamt" in page and "Kasse" not in page and "Bürgermeisterbüro" not in page
    assert "weitere Gruppen (zusammengefasst)" in page and "person1@" not in page
    events = b"campaign_id,email,time,message,details\n"
    wrong = _post(client, "/awareness/phishing/import", {}, files={"file": ("e.csv", events)})
    assert wrong.status_code == 422 and "Ereignis-Export" in wrong.text
    client.cookies.clear()
    login("gemeinde_b1_member")
    assert "Herbst" not in client.get("/awareness/phishing").text
    assert "Herbst" not in client.get("/awareness/export/phishing.csv").text
