from __future__ import annotations

from kommcert.accounts.models import TokenScope
from kommcert.sharing.service import Audience
from tests.indicators.conftest import stix_bundle


def _upload(client, headers, body: bytes, **form):  # noqa: ANN001, ANN003, ANN202
    return client.post("/api/v1/indicators/import", headers=headers, data={"format": "stix", **form},
                       files={"file": ("bundle.json", body, "application/json")})


def test_it_imports_a_bundle_through_the_api(client, personas) -> None:  # noqa: ANN001
    response = _upload(client, personas.auth("land_cert_analyst"),
                       stix_bundle(["[ipv4-addr:value = '198.51.100.7']"]), title="Kampagne X")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["imported"] == 1 and len(body["reports"]) == 1


def test_it_answers_a_bad_file_with_one_line_and_imports_nothing(client, personas) -> None:  # noqa: ANN001
    headers = personas.auth("land_cert_analyst")
    response = _upload(client, headers, b'{"type": "bundle", "objects": [{"type": "indicator", ')
    assert response.status_code == 422 and "bundle.json: invalid JSON" in response.json()["en"]
    assert client.get("/api/v1/indicators", headers=headers).json()["items"] == []


def test_it_lists_rejects_with_skip_invalid(client, personas) -> None:  # noqa: ANN001
    response = _upload(client, personas.auth("land_cert_analyst"),
                       stix_bundle(["[ipv4-addr:value = '198.51.100.7']", "[ipv4-addr:value = '999.1.1.1']"]),
                       skip_invalid="true")
    body = response.json()
    assert body["imported"] == 1 and "999.1.1.1" in body["rejects"][0]["en"] and body["rejected_count"] == 1


def test_it_names_what_it_skipped_and_still_imports_without_skip_invalid(client, personas) -> None:  # noqa: ANN001
    response = _upload(client, personas.auth("land_cert_analyst"),
                       stix_bundle(["[ipv4-addr:value = '198.51.100.7']", "[file:name = 'a.exe']"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["imported"] == 1 and body["rejects"] == [] and body["skipped_count"] == 1
    assert "file:name" in body["skipped"][0]["en"] and "indicator--" in body["skipped"][0]["where"]


def test_it_refuses_imports_without_write_rights(client, personas) -> None:  # noqa: ANN001
    body = stix_bundle(["[ipv4-addr:value = '198.51.100.7']"])
    assert _upload(client, {}, body).status_code in (401, 403)
    assert _upload(client, personas.auth("land_cert_analyst", TokenScope.read), body).status_code == 403


def test_it_answers_404_for_an_indicator_of_another_kreis(client, personas, import_stix) -> None:  # noqa: ANN001
    import_stix("kreis_a_admin", ["[ipv4-addr:value = '198.51.100.7']"],
                audience=Audience(orgs=(personas.orgs["kreis_a"].id,)))
    listing = client.get("/api/v1/indicators", headers=personas.auth("gemeinde_a1_member")).json()["items"]
    indicator_id = listing[0]["id"]
    assert client.get(f"/api/v1/indicators/{indicator_id}",
                      headers=personas.auth("gemeinde_a1_member")).status_code == 200
    assert client.get(f"/api/v1/indicators/{indicator_id}",
                      headers=personas.auth("gemeinde_b1_member")).status_code == 404
    assert client.get(f"/api/v1/indicators/{indicator_id}").status_code == 404


def test_it_takes_sightings_and_shows_counts(client, personas, import_stix) -> None:  # noqa: ANN001
    from kommcert.sharing.tlp import TLP

    import_stix("land_cert_analyst", ["[domain-name:value = 'evil.example']"], tlp=TLP.green)
    batch = {"sightings": [{"key": "scan-7", "type": "domain", "value": "evil.example", "count": 4,
                            "log_source": "bind"}]}
    first = client.post("/api/v1/sightings", json=batch, headers=personas.auth("gemeinde_a1_member")).json()
    again = client.post("/api/v1/sightings", json=batch, headers=personas.auth("gemeinde_a1_member")).json()
    assert (first["created"], again["created"], again["duplicates"]) == (1, 0, 1)
    items = client.get("/api/v1/indicators?seen=true", headers=personas.auth("gemeinde_b1_member")).json()["items"]
    detail = client.get(f"/api/v1/indicators/{items[0]['id']}", headers=personas.auth("gemeinde_b1_member")).json()
    assert detail["sightings"]["organisations"] == 1 and detail["sightings_visible"] == []  # counts only
    cert = client.get(f"/api/v1/indicators/{items[0]['id']}", headers=personas.auth("land_cert_analyst")).json()
    assert cert["sightings_visible"][0]["org_name"] == "Gemeinde A1"
    picture = client.get("/api/v1/sightings/picture", headers=personas.auth("land_cert_analyst")).json()
    assert picture[0]["kreis"] == "Kreis A" and picture[0]["sightings"] == 4


def test_it_refuses_sightings_from_read_only_tokens(client, personas) -> None:  # noqa: ANN001
    response = client.post("/api/v1/sightings", json={"sightings": []},
                           headers=personas.auth("gemeinde_a1_member", TokenScope.read))
    assert response.status_code == 403


def test_it_lets_only_cert_analysts_curate(client, personas, import_stix) -> None:  # noqa: ANN001
    from kommcert.sharing.tlp import TLP

    import_stix("land_cert_analyst", ["[ipv4-addr:value = '198.51.100.7']"], tlp=TLP.green)
    indicator_id = client.get("/api/v1/indicators", headers=personas.auth("kreis_a_admin")).json()["items"][0]["id"]
    denied = client.put(f"/api/v1/indicators/{indicator_id}/curation", json={"review_state": "false_positive"},
                        headers=personas.auth("kreis_a_admin"))
    assert denied.status_code == 403
    done = client.put(f"/api/v1/indicators/{indicator_id}/curation", json={"review_state": "false_positive"},
                      headers=personas.auth("land_cert_analyst"))
    assert done.json()["review_state"] == "false_positive"


def test_it_refuses_a_2_gb_upload_before_reading_it(client, personas) -> None:  # noqa: ANN001
    headers = {**personas.auth("land_cert_analyst"), "content-type": "multipart/form-data; boundary=x",
               "content-length": str(2 * 1024**3)}
    response = client.post("/api/v1/indicators/import", headers=headers, content=b"--x--")
    assert response.status_code == 413 and response.json()["de"] == "Die Anfrage ist zu groß."


def test_it_takes_uploads_larger_than_the_general_body_limit(client, personas, settings) -> None:  # noqa: ANN001
    patterns = [f"[domain-name:value = 'host-{n:06d}-with-a-rather-long-label.evil.example']" for n in range(40_000)]
    body = stix_bundle(patterns)
    assert len(body) > settings.max_body_bytes
    response = _upload(client, personas.auth("land_cert_analyst"), body)
    assert response.status_code == 200 and response.json()["imported"] == 40_000


def test_it_escapes_hostile_text_from_imports(client, personas, login) -> None:  # noqa: ANN001
    bundle = stix_bundle(["[ipv4-addr:value = '203.0.113.5']"], tlp=None)
    done = _upload(client, personas.auth("land_cert_analyst"), bundle, title="<script>alert('x')</script>",
                   tlp="green")
    assert done.status_code == 200, done.text
    login("gemeinde_a1_member")
    page = client.get("/reports")
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
