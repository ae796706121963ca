"""A warning's discussion on pages: the shared partial, German errors, 404 to another Kreis."""

from __future__ import annotations

from sqlalchemy import select

from kommcert.advisories.models import AdvisoryAttachment
from tests.discussion.conftest import PDF, comment, counts
from tests.personas import csrf_from


def test_a_gemeinde_comments_on_the_page_and_hostile_text_stays_text(client, db, personas, warning, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get(f"/advisories/{warning.id}/discussion")
    assert page.status_code == 200 and "Kommentare (0)" in page.text
    assert "Kommentar und Dateien sieht, wer diese Warnung sieht (TLP:AMBER)." in page.text
    answered = client.post(f"/advisories/{warning.id}/comments", data={
        "csrf_token": csrf_from(page.text), "body": "<script>alert(1)</script> Gepatcht."},
        files=[("files", ("<img src=x onerror=alert(1)>.txt", b"log", "text/plain"))], follow_redirects=False)
    assert answered.status_code == 303
    assert answered.headers["location"].startswith(f"/advisories/{warning.id}#comment-")
    page = client.get(f"/advisories/{warning.id}/discussion")
    assert "Kommentare (1)" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Gepatcht." in page.text and "<script>alert(1)" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page.text and "<img src=x" not in page.text
    stored = db.scalars(select(AdvisoryAttachment)).one()
    link = f"/advisories/{warning.id}/files/{stored.id}"
    assert f'href="{link}"' in page.text
    download = client.get(link)
    assert download.content == b"log" and download.headers["content-type"] == "application/octet-stream"
    assert "sandbox" in download.headers["content-security-policy"]


def test_the_english_page_says_warning(client, db, personas, warning, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    page = client.get(f"/advisories/{warning.id}/discussion?lang=en")
    assert "Whoever sees this warning sees the comment and its files (TLP:AMBER)." in page.text
    assert "Back to the warning" in page.text


def test_a_bad_upload_shows_in_german_keeps_the_text_and_stores_nothing(client, db, personas, warning, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get(f"/advisories/{warning.id}/discussion")
    response = client.post(f"/advisories/{warning.id}/comments",
                           data={"csrf_token": csrf_from(page.text), "body": "Mein Text"},
                           files=[("files", ("gut.pdf", PDF, "application/pdf")), ("files", ("leer.txt", b"", "x/y"))])
    assert response.status_code == 422
    assert "Die Datei „leer.txt“ ist leer." in response.text and ">Mein Text</textarea>" in response.text
    assert counts(db) == (0, 0)


def test_a_page_body_over_the_cap_is_refused_before_the_handler(client, db, personas, warning, login,  # noqa: ANN001
                                                                settings) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get(f"/advisories/{warning.id}/discussion")
    huge = b"x" * (settings.max_attachment_bytes + 2 * 2**20)
    response = client.post(f"/advisories/{warning.id}/comments", data={"csrf_token": csrf_from(page.text)},
                           files=[("files", ("riesig.iso", huge, "x/y"))])
    assert response.status_code == 413 and counts(db) == (0, 0)


def test_pages_answer_404_to_another_kreis(client, db, personas, warning, login) -> None:  # noqa: ANN001
    posted = comment(client, personas, "gemeinde_a1_member", warning.id, files=[("a.txt", b"x", "text/plain")]).json()
    file_id = posted["attachments"][0]["id"]
    login("gemeinde_b1_member")
    csrf = csrf_from(client.get("/reports").text)
    assert client.get(f"/advisories/{warning.id}/discussion").status_code == 404
    assert client.get(f"/advisories/{warning.id}/files/{file_id}").status_code == 404
    assert client.post(f"/advisories/{warning.id}/comments", data={"csrf_token": csrf, "body": "x"}).status_code == 404
    assert client.post(f"/advisories/{warning.id}/comments/{posted['id']}/delete",
                       data={"csrf_token": csrf}).status_code == 404
    assert client.post(f"/advisories/{warning.id}/files/{file_id}/delete", data={"csrf_token": csrf}).status_code == 404
    assert counts(db) == (1, 1)


def test_anonymous_visitors_go_to_the_login(client, db, personas, warning) -> None:  # noqa: ANN001
    response = client.get(f"/advisories/{warning.id}/discussion", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_the_page_offers_removal_only_to_who_may_remove(client, db, personas, warning, login) -> None:  # noqa: ANN001
    posted = comment(client, personas, "gemeinde_a1_member", warning.id, files=[("a.txt", b"x", "text/plain")]).json()
    login("kreis_a_admin")  # sees it, is neither author nor its organisation's admin
    page = client.get(f"/advisories/{warning.id}/discussion").text
    assert "Kommentar löschen" not in page and "/delete" not in page
    assert f'action="/advisories/{warning.id}/files"' not in page  # files on the warning: its owner only
    client.cookies.clear()
    login("gemeinde_a1_member")  # the author
    page = client.get(f"/advisories/{warning.id}/discussion").text
    assert "Kommentar löschen" in page
    removed = client.post(f"/advisories/{warning.id}/comments/{posted['id']}/delete",
                          data={"csrf_token": csrf_from(page)}, follow_redirects=False)
    assert removed.status_code == 303 and removed.headers["location"] == f"/advisories/{warning.id}#comments"
    assert counts(db) == (0, 0)


def test_the_owner_attaches_files_to_the_warning_on_the_page(client, db, personas, warning, login) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    page = client.get(f"/advisories/{warning.id}/discussion")
    assert f'action="/advisories/{warning.id}/files"' in page.text
    added = client.post(f"/advisories/{warning.id}/files", data={"csrf_token": csrf_from(page.text)},
                        files=[("files", ("workaround.pdf", PDF, "application/pdf"))], follow_redirects=False)
    assert added.status_code == 303 and added.headers["location"] == f"/advisories/{warning.id}#files"
    page = client.get(f"/advisories/{warning.id}/discussion").text
    assert "Anhänge" in page and "workaround.pdf" in page
    assert counts(db) == (0, 1)


def test_the_warning_page_itself_carries_the_discussion(client, db, personas, warning, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get(f"/advisories/{warning.id}")
    assert page.status_code == 200 and "Kommentare (0)" in page.text
    client.post(f"/advisories/{warning.id}/comments", data={"csrf_token": csrf_from(page.text),
                                                             "body": "Update eingespielt."})
    page = client.get(f"/advisories/{warning.id}")
    assert "Kommentare (1)" in page.text and "Update eingespielt." in page.text
    login("gemeinde_b1_member")
    assert client.get(f"/advisories/{warning.id}").status_code == 404
