"""The authoring pages: write, preview, publish, edit; only CERT writers; drafts hidden from others."""

from __future__ import annotations

import re

from sqlalchemy import select

from kommcert.advisories.models import Advisory, AdvisoryState
from tests.advisories.own.conftest import CVSS3, CVSS4
from tests.personas import csrf_from

FORM = {"title": "Lücke in Exchange Server", "risk": "hoch", "description": "Angreifer übernehmen den Server.",
        "measures": "Sofort patchen.", "products": "Microsoft | Exchange Server | <2019 CU14 | 2019 CU14",
        "cves": f"CVE-2026-12345 | {CVSS3} | {CVSS4}", "references": "https://example.org/x Hersteller",
        "tlp": "green"}


def _post(client, path: str, data: dict, page: str = "/advisories/new"):  # noqa: ANN001, ANN202
    token = csrf_from(client.get(page).text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def test_it_writes_previews_and_publishes_a_warning(client, login, db) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    form = client.get("/advisories/new")
    assert form.status_code == 200 and "Neue Warnung" in form.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", form.text)  # no inline script
    created = _post(client, "/advisories/new", FORM)
    assert created.status_code == 303
    preview_url = created.headers["location"]
    preview = client.get(preview_url)
    assert "So sehen die Empfänger die Warnung" in preview.text
    assert "9.8" in preview.text and "9.3" in preview.text  # CVSS 3.1 and 4.0 scores
    assert "csaf_security_advisory" in preview.text
    assert "Entwurf" in client.get("/advisories/drafts").text
    advisory_id = int(preview_url.split("/")[2])
    published = _post(client, f"/advisories/{advisory_id}/publish", {}, page=preview_url)
    assert published.status_code == 303 and published.headers["location"] == f"/advisories/{advisory_id}"
    advisory = db.get(Advisory, advisory_id)
    db.refresh(advisory)
    assert advisory.state == AdvisoryState.published and advisory.tlp == "green"
    assert advisory.tracking_id.startswith("KOMMCERT-")


def test_it_shows_a_clear_error_for_a_bad_vector(client, login) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    answer = _post(client, "/advisories/new", {**FORM, "cves": "CVE-2026-12345 | CVSS:3.1/AV:Q"})
    assert answer.status_code == 422
    assert "Ungültiger CVSS-3.1-Vektor bei CVE-2026-12345" in answer.text


def test_it_refuses_to_publish_naming_what_is_missing(client, login) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    created = _post(client, "/advisories/new", {**FORM, "description": ""})
    preview_url = created.headers["location"]
    assert "Beschreibung fehlt" in client.get(preview_url).text
    advisory_id = int(preview_url.split("/")[2])
    answer = _post(client, f"/advisories/{advisory_id}/publish", {}, page=preview_url)
    assert answer.status_code == 422 and "Beschreibung fehlt" in answer.text


def test_it_searches_the_catalogue_without_script(client, login, db) -> None:  # noqa: ANN001
    from kommcert.inventory.models import CatalogProduct

    db.add(CatalogProduct(name="Microsoft Exchange Server 2019", vendor="Microsoft", product="Exchange Server",
                          version="2019", vendor_key="microsoft", product_key="exchange_server"))
    db.flush()
    login("land_cert_analyst")
    answer = _post(client, "/advisories/new", {**FORM, "q": "exchange", "action": "search"})
    assert answer.status_code == 200 and "Microsoft Exchange Server 2019" in answer.text
    entry = db.scalar(select(CatalogProduct).where(CatalogProduct.product_key == "exchange_server"))
    created = _post(client, "/advisories/new", {**FORM, "products": "", "catalog": str(entry.id)})
    assert created.status_code == 303
    advisory = db.get(Advisory, int(created.headers["location"].split("/")[2]))
    assert advisory.draft["form"]["products"][0]["product"] == "Exchange Server"


def test_municipal_users_cannot_author(client, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    assert client.get("/advisories/new").status_code == 403
    assert client.get("/advisories/drafts").status_code == 403


def test_another_organisation_does_not_find_a_draft(client, login, write) -> None:  # noqa: ANN001
    draft = write()
    login("kreis_a_admin")
    for path in (f"/advisories/{draft.id}/preview", f"/advisories/{draft.id}/edit", f"/advisories/{draft.id}"):
        assert client.get(path).status_code == 404, path


def test_it_edits_a_published_warning_into_version_two(client, login, write, publish, db) -> None:  # noqa: ANN001
    advisory = publish(write())
    login("land_cert_analyst")
    edit_page = client.get(f"/advisories/{advisory.id}/edit")
    assert "neue Version" in edit_page.text
    changed = _post(client, f"/advisories/{advisory.id}/edit", {**FORM, "measures": "Neue Maßnahme."},
                    page=f"/advisories/{advisory.id}/edit")
    assert changed.status_code == 303
    assert "unveröffentlichten Änderungen" in client.get(f"/advisories/{advisory.id}/preview").text
    published = _post(client, f"/advisories/{advisory.id}/publish", {"change_summary": "Maßnahme ergänzt"},
                      page=f"/advisories/{advisory.id}/preview")
    assert published.status_code == 303
    db.refresh(advisory)
    assert advisory.version == "2" and advisory.measures == "Neue Maßnahme."
