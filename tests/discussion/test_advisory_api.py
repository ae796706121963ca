"""A warning's discussion through the API: the report's rules, on advisories (kommcert.discussion)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from kommcert.accounts.models import TokenScope
from kommcert.advisories.models import AdvisoryAttachment
from kommcert.audit.models import AuditEntry
from kommcert.sharing.tlp import TLP
from tests.discussion.conftest import PDF, comment, counts, make_warning


def test_a_gemeinde_answers_with_a_file_and_its_kreis_and_the_cert_read_it(client, db, personas, warning) -> None:  # noqa: ANN001
    posted = comment(client, personas, "gemeinde_a1_member", warning.id,
                     files=[("patch-plan.pdf", PDF, "application/pdf")])
    assert posted.status_code == 201, posted.text
    assert posted.json()["org_name"] == "Gemeinde A1"
    [meta] = posted.json()["attachments"]
    assert meta["size"] == len(PDF) and meta["sha256"] == hashlib.sha256(PDF).hexdigest()

    for reader in ("kreis_a_admin", "land_cert_analyst"):
        seen = client.get(f"/api/v1/advisories/{warning.id}/comments", headers=personas.auth(reader))
        assert seen.status_code == 200
        assert [c["body"] for c in seen.json()["comments"]] == ["Bei uns im Einsatz, wird gepatcht."]
        assert seen.json()["files"] == []
    download = client.get(f"/api/v1/advisories/{warning.id}/attachments/{meta['id']}",
                          headers=personas.auth("kreis_a_admin"))
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith('attachment; filename="patch-plan.pdf"')
    assert "sandbox" in download.headers["content-security-policy"]


def test_another_kreis_gets_404_everywhere_and_changes_nothing(client, db, personas, warning) -> None:  # noqa: ANN001
    posted = comment(client, personas, "gemeinde_a1_member", warning.id, files=[("a.txt", b"x", "text/plain")]).json()
    before = counts(db)
    for outsider in ("gemeinde_b1_member", "kreis_b_admin"):
        headers = personas.auth(outsider)
        assert client.get(f"/api/v1/advisories/{warning.id}/comments", headers=headers).status_code == 404
        assert client.get(f"/api/v1/advisories/{warning.id}/attachments/{posted['attachments'][0]['id']}",
                          headers=headers).status_code == 404
        assert comment(client, personas, outsider, warning.id).status_code == 404
        assert client.post(f"/api/v1/advisories/{warning.id}/attachments", headers=headers,
                           files=[("files", ("b.txt", b"y", "text/plain"))]).status_code == 404
        assert client.delete(f"/api/v1/advisories/{warning.id}/comments/{posted['id']}",
                             headers=headers).status_code == 404
        assert client.delete(f"/api/v1/advisories/{warning.id}/attachments/{posted['attachments'][0]['id']}",
                             headers=headers).status_code == 404
    assert counts(db) == before


def test_an_outsider_cannot_tell_a_discussed_warning_from_a_missing_one(client, db, personas, warning) -> None:  # noqa: ANN001
    """The comment count must not move with hidden data: the answer is the same 404 with or without
    comments, and the same as for an id that does not exist."""
    headers = personas.auth("gemeinde_b1_member")
    quiet = client.get(f"/api/v1/advisories/{warning.id}/comments", headers=headers)
    for n in range(3):
        comment(client, personas, "gemeinde_a1_member", warning.id, body=f"Kommentar {n}")
    busy = client.get(f"/api/v1/advisories/{warning.id}/comments", headers=headers)
    missing = client.get(f"/api/v1/advisories/{warning.id + 1000}/comments", headers=headers)
    assert quiet.status_code == busy.status_code == missing.status_code == 404
    assert quiet.json() == busy.json() == missing.json()
    assert client.get(f"/api/v1/advisories/{warning.id}/comments",
                      headers=personas.auth("kreis_a_admin")).json()["comments"].__len__() == 3


def test_it_wants_a_logged_in_writer(client, db, personas, warning) -> None:  # noqa: ANN001
    assert client.post(f"/api/v1/advisories/{warning.id}/comments", data={"body": "x"}).status_code in (401, 403)
    assert comment(client, personas, "gemeinde_a1_member", warning.id, scope=TokenScope.read).status_code == 403
    assert client.post(f"/api/v1/advisories/{warning.id}/attachments", headers=personas.auth(
        "land_cert_admin", TokenScope.read), files=[("files", ("a.txt", b"x", "text/plain"))]).status_code == 403
    assert client.get(f"/api/v1/advisories/{warning.id}/comments").status_code == 404  # AMBER: not there
    assert counts(db) == (0, 0)


def test_a_clear_warning_is_read_by_anyone_and_written_by_members_only(client, db, personas) -> None:  # noqa: ANN001
    clear = make_warning(personas, tlp=TLP.clear, audience_org=None, tracking_id="KC-WID-CLEAR")
    assert comment(client, personas, "gemeinde_b1_member", clear.id, body="Auch hier.").status_code == 201
    anonymous = client.get(f"/api/v1/advisories/{clear.id}/comments")
    assert anonymous.status_code == 200 and [c["body"] for c in anonymous.json()["comments"]] == ["Auch hier."]
    assert client.post(f"/api/v1/advisories/{clear.id}/comments", data={"body": "anonym"}).status_code in (401, 403)
    assert counts(db) == (1, 0)


def test_a_draft_is_not_open_for_discussion(client, db, personas) -> None:  # noqa: ANN001
    draft = make_warning(personas, state="draft", tracking_id="KC-WID-DRAFT")
    assert client.get(f"/api/v1/advisories/{draft.id}/comments",
                      headers=personas.auth("gemeinde_a1_member")).status_code == 404
    assert comment(client, personas, "gemeinde_a1_member", draft.id).status_code == 404
    assert comment(client, personas, "land_cert_analyst", draft.id, body="Noch prüfen.").status_code == 201


def test_files_on_the_warning_itself_are_for_its_owner(client, db, personas, warning) -> None:  # noqa: ANN001
    files = [("files", ("workaround.txt", b"Dienst abschalten", "text/plain"))]
    assert client.post(f"/api/v1/advisories/{warning.id}/attachments", headers=personas.auth("gemeinde_a1_member"),
                       files=files).status_code == 403
    added = client.post(f"/api/v1/advisories/{warning.id}/attachments", headers=personas.auth("land_cert_analyst"),
                        files=files)
    assert added.status_code == 201 and added.json()[0]["comment_id"] is None
    seen = client.get(f"/api/v1/advisories/{warning.id}/comments", headers=personas.auth("gemeinde_a1_member"))
    assert [f["filename"] for f in seen.json()["files"]] == ["workaround.txt"]


@pytest.mark.parametrize("remover, allowed", [
    ("gemeinde_a1_member", True),  # the author
    ("gemeinde_a1_admin", True),  # an admin of the author's organisation
    ("land_cert_admin", True),  # a CERT admin (moderation)
    ("kreis_a_admin", False),  # sees it, but is neither
    ("land_cert_analyst", False),  # the warning's owner organisation, not an admin
])
def test_who_may_remove_a_comment(client, db, personas, warning, remover, allowed) -> None:  # noqa: ANN001
    posted = comment(client, personas, "gemeinde_a1_member", warning.id, files=[("a.txt", b"x", "text/plain")]).json()
    response = client.delete(f"/api/v1/advisories/{warning.id}/comments/{posted['id']}", headers=personas.auth(remover))
    assert response.status_code == (204 if allowed else 403)
    assert counts(db) == ((0, 0) if allowed else (1, 1))  # the comment's files go with it


def test_it_refuses_bad_uploads_whole(client, db, personas, warning, settings) -> None:  # noqa: ANN001
    too_big = b"x" * (settings.max_attachment_bytes + 1)
    cases = [
        (comment(client, personas, "gemeinde_a1_member", warning.id, body="  "), 422,
         "Please write a text or choose a file."),
        # the good file and the comment go with the bad one
        (comment(client, personas, "gemeinde_a1_member", warning.id,
                 files=[("ok.txt", b"fine", "text/plain"), ("leer.txt", b"", "text/plain")]), 422,
         "The file 'leer.txt' is empty."),
        (comment(client, personas, "gemeinde_a1_member", warning.id,
                 files=[("ok.txt", b"fine", "text/plain"), ("gross.bin", too_big, "x/y")]), 413,
         "The file 'gross.bin' is larger than 20 MiB."),
        (comment(client, personas, "gemeinde_a1_member", warning.id,
                 files=[(f"{n}.txt", b"x", "text/plain") for n in range(11)]), 422, "At most 10 files at once."),
        (comment(client, personas, "gemeinde_a1_member", warning.id, body="x" * 20_001), 422,
         "The comment is longer than 20,000 characters."),
    ]
    for response, status, message in cases:
        assert (response.status_code, response.json()["en"]) == (status, message)
        assert "\n" not in response.json()["de"]
    assert counts(db) == (0, 0)


def test_a_body_over_the_upload_limit_is_cut_off_before_the_handler(client, db, personas, warning, settings) -> None:  # noqa: ANN001
    huge = b"x" * (settings.max_attachment_bytes + 2 * 2**20)
    response = comment(client, personas, "gemeinde_a1_member", warning.id, files=[("riesig.iso", huge, "x/y")])
    assert response.status_code == 413 and response.json()["en"] == "Request body too large."
    # just under the cap passes the middleware and reaches the file check
    fits = b"x" * settings.max_attachment_bytes
    assert comment(client, personas, "gemeinde_a1_member", warning.id,
                   files=[("passt.bin", fits, "x/y")]).status_code == 201
    assert counts(db) == (1, 1)


@pytest.mark.parametrize("given, kept", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\Admin\\Desktop\\bericht.pdf", "bericht.pdf"),
    ("evil\u202ename\u200b.txt", "evilname.txt"),
    ("<img src=x onerror=alert(1)>.html", "<img src=x onerror=alert(1)>.html"),  # kept, but never rendered
    ("a\r\nContent-Type: text/html.txt", None),  # the client sends it escaped; no line break survives
])
def test_it_keeps_only_a_harmless_file_name(client, db, personas, warning, given, kept) -> None:  # noqa: ANN001
    posted = comment(client, personas, "gemeinde_a1_member", warning.id, files=[(given, b"x", "text/html")])
    assert posted.status_code == 201, posted.text
    stored = db.scalars(select(AdvisoryAttachment)).one()
    assert "/" not in stored.filename and "\\" not in stored.filename
    assert all(ord(ch) >= 32 for ch in stored.filename)
    download = client.get(f"/api/v1/advisories/{warning.id}/attachments/{stored.id}",
                          headers=personas.auth("kreis_a_admin"))
    assert download.headers["content-type"] == "application/octet-stream"  # never text/html
    disposition = download.headers["content-disposition"]
    assert "\r" not in disposition and "\n" not in disposition and disposition.startswith("attachment;")
    if kept is not None:
        assert stored.filename == kept


def test_the_audit_log_names_files_by_hash_not_by_name(client, db, personas, warning) -> None:  # noqa: ANN001
    posted = comment(client, personas, "gemeinde_a1_member", warning.id,
                     files=[("Kennwörter-Verwaltung.xlsx", b"geheim", "application/vnd.ms-excel")]).json()
    client.get(f"/api/v1/advisories/{warning.id}/attachments/{posted['attachments'][0]['id']}",
               headers=personas.auth("land_cert_analyst"))
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action.in_(
        ["comment_added", "attachment_added", "attachment_downloaded"]))).all()
    assert sorted(e.action for e in entries) == ["attachment_added", "attachment_downloaded", "comment_added"]
    assert {(e.object_type, e.object_id) for e in entries} == {("advisory", str(warning.id))}
    assert all("Kennw" not in str(e.detail) and "geheim" not in str(e.detail) for e in entries)
    downloaded = next(e for e in entries if e.action == "attachment_downloaded")
    assert downloaded.detail["sha256"] == hashlib.sha256(b"geheim").hexdigest()
