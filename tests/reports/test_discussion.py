"""Comments and files on a report: who may see, write and remove them, and what bad input does."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from kommcert.accounts.models import TokenScope
from kommcert.audit.models import AuditEntry
from kommcert.reports import service as reports_service
from kommcert.reports.discussion import safe_filename
from kommcert.reports.models import Attachment, ReportComment
from kommcert.reports.schemas import ReportCreate
from kommcert.sharing.tlp import TLP
from tests.personas import csrf_from

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8


@pytest.fixture
def report(personas):  # noqa: ANN001, ANN201
    """Kreis A's AMBER note to its own subtree."""
    return reports_service.create_report(personas.db, actor=personas.actor("kreis_a_admin"), report_in=ReportCreate(
        title="Phishing gegen Bauämter", tlp=TLP.amber, audience_orgs=[personas.orgs["kreis_a"].id]))


def _comment(client, personas, who: str, report_id: int, body: str = "Bei uns auch gesehen.",  # noqa: ANN001, ANN202
             files: list[tuple[str, bytes, str]] = ()):
    return client.post(f"/api/v1/reports/{report_id}/comments", headers=personas.auth(who), data={"body": body},
                       files=[("files", f) for f in files])


def _counts(db) -> tuple[int, int]:  # noqa: ANN001
    return db.scalar(select(func.count(ReportComment.id))), db.scalar(select(func.count(Attachment.id)))


def test_a_gemeinde_answers_with_a_file_and_its_kreis_reads_it(client, db, personas, report) -> None:  # noqa: ANN001
    response = _comment(client, personas, "gemeinde_a1_member", report.id,
                        files=[("mail-header.pdf", PDF, "application/pdf")])
    assert response.status_code == 201, response.text
    posted = response.json()
    assert posted["org_name"] == "Gemeinde A1" and posted["body"] == "Bei uns auch gesehen."
    [meta] = posted["attachments"]
    assert meta["size"] == len(PDF) and meta["sha256"] == hashlib.sha256(PDF).hexdigest()

    seen = client.get(f"/api/v1/reports/{report.id}/discussion", headers=personas.auth("kreis_a_admin")).json()
    assert [c["body"] for c in seen["comments"]] == ["Bei uns auch gesehen."] and seen["files"] == []
    download = client.get(f"/api/v1/reports/{report.id}/attachments/{meta['id']}",
                          headers=personas.auth("kreis_a_admin"))
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith('attachment; filename="mail-header.pdf"')
    assert "sandbox" in download.headers["content-security-policy"]


def test_another_kreis_sees_nothing_and_writes_nothing(client, db, personas, report) -> None:  # noqa: ANN001
    posted = _comment(client, personas, "gemeinde_a1_member", report.id, files=[("a.txt", b"x", "text/plain")])
    attachment_id = posted.json()["attachments"][0]["id"]
    before = _counts(db)
    outsider = personas.auth("gemeinde_b1_member")
    assert client.get(f"/api/v1/reports/{report.id}/discussion", headers=outsider).status_code == 404
    assert client.get(f"/api/v1/reports/{report.id}/attachments/{attachment_id}", headers=outsider).status_code == 404
    assert _comment(client, personas, "gemeinde_b1_member", report.id).status_code == 404
    assert client.post(f"/api/v1/reports/{report.id}/attachments", headers=outsider,
                       files=[("files", ("b.txt", b"y", "text/plain"))]).status_code == 404
    assert client.delete(f"/api/v1/reports/{report.id}/comments/{posted.json()['id']}",
                         headers=personas.auth("kreis_b_admin")).status_code == 404
    assert _counts(db) == before


def test_it_wants_a_logged_in_writer(client, db, personas, report) -> None:  # noqa: ANN001
    assert client.post(f"/api/v1/reports/{report.id}/comments", data={"body": "x"}).status_code in (401, 403)
    read_only = personas.auth("gemeinde_a1_member", TokenScope.read)
    assert client.post(f"/api/v1/reports/{report.id}/comments", data={"body": "x"},
                       headers=read_only).status_code == 403
    assert client.get(f"/api/v1/reports/{report.id}/discussion").status_code == 404  # anonymous: AMBER is not there
    assert _counts(db) == (0, 0)


def test_files_on_the_report_itself_are_for_its_owner(client, db, personas, report) -> None:  # noqa: ANN001
    upload = [("files", ("ioc-liste.csv", b"value\nevil.example\n", "text/csv"))]
    url = f"/api/v1/reports/{report.id}/attachments"
    assert client.post(url, headers=personas.auth("gemeinde_a1_member"), files=upload).status_code == 403
    response = client.post(url, headers=personas.auth("kreis_a_admin"), files=upload)
    assert response.status_code == 201 and response.json()[0]["filename"] == "ioc-liste.csv"
    seen = client.get(f"/api/v1/reports/{report.id}/discussion", headers=personas.auth("gemeinde_a1_member")).json()
    assert [f["filename"] for f in seen["files"]] == ["ioc-liste.csv"]


def test_a_tlp_red_discussion_stays_with_the_named_people(client, db, personas) -> None:  # noqa: ANN001
    red = reports_service.create_report(db, actor=personas.actor("land_cert_analyst"), report_in=ReportCreate(
        title="Vorfall", tlp=TLP.red, audience_users=[personas.users["kreis_a_admin"].id]))
    assert _comment(client, personas, "kreis_a_admin", red.id, body="Danke").status_code == 201
    assert client.get(f"/api/v1/reports/{red.id}/discussion",
                      headers=personas.auth("land_cert_admin")).status_code == 404  # same CERT, not named
    assert _comment(client, personas, "gemeinde_a1_admin", red.id).status_code == 404


@pytest.mark.parametrize("remover, allowed", [
    ("gemeinde_a1_member", True),   # the author
    ("gemeinde_a1_admin", True),    # an admin of the author's organisation
    ("land_cert_admin", True),      # moderation by the CERT
    ("kreis_a_admin", False),       # the report's owner does not edit what others wrote
])
def test_who_may_remove_a_comment(client, db, personas, report, remover, allowed) -> None:  # noqa: ANN001
    posted = _comment(client, personas, "gemeinde_a1_member", report.id, files=[("a.txt", b"x", "text/plain")]).json()
    response = client.delete(f"/api/v1/reports/{report.id}/comments/{posted['id']}", headers=personas.auth(remover))
    assert response.status_code == (204 if allowed else 403)
    assert _counts(db) == ((0, 0) if allowed else (1, 1))  # the comment's files go with it
    if allowed:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "comment_deleted")).one()
        assert entry.actor_user_id == personas.users[remover].id


def test_it_refuses_bad_uploads_whole(client, db, personas, report, settings) -> None:  # noqa: ANN001
    too_big = b"x" * (settings.max_attachment_bytes + 1)
    cases = [
        (_comment(client, personas, "gemeinde_a1_member", report.id, body="  "), 422,
         "Please write a text or choose a file."),
        (_comment(client, personas, "gemeinde_a1_member", report.id,
                  files=[("ok.txt", b"fine", "text/plain"), ("leer.txt", b"", "text/plain")]), 422,
         "The file 'leer.txt' is empty."),
        (_comment(client, personas, "gemeinde_a1_member", report.id, files=[("gross.bin", too_big, "x/y")]), 413,
         "The file 'gross.bin' is larger than 20 MiB."),
        (_comment(client, personas, "gemeinde_a1_member", report.id,
                  files=[(f"{n}.txt", b"x", "text/plain") for n in range(11)]), 422, "At most 10 files at once."),
        (_comment(client, personas, "gemeinde_a1_member", report.id, body="x" * 20_001), 422,
         "The comment is longer than 20,000 characters."),
    ]
    for response, status, message in cases:
        assert (response.status_code, response.json()["en"]) == (status, message)
        assert "\n" not in response.json()["de"]
    assert _counts(db) == (0, 0)


def test_a_body_over_the_upload_limit_is_cut_off_before_the_handler(client, db, personas, report, settings) -> None:  # noqa: ANN001
    huge = b"x" * (settings.max_attachment_bytes + 2 * 2**20)
    response = _comment(client, personas, "gemeinde_a1_member", report.id, files=[("riesig.iso", huge, "x/y")])
    assert response.status_code == 413 and response.json()["en"] == "Request body too large."
    assert _counts(db) == (0, 0)


@pytest.mark.parametrize("given, kept", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\Admin\\Desktop\\bericht.pdf", "bericht.pdf"),
    ("evil\x00name\u202e.txt", "evilname.txt"),
    ("   ...   ", "anhang"),
    ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),  # 200 characters, the extension kept
])
def test_it_keeps_only_a_harmless_file_name(given: str, kept: str) -> None:
    assert safe_filename(given) == kept


def test_the_audit_log_names_files_by_hash_not_by_name(client, db, personas, report) -> None:  # noqa: ANN001
    posted = _comment(client, personas, "gemeinde_a1_member", report.id,
                      files=[("Kennwörter-Verwaltung.xlsx", b"geheim", "application/vnd.ms-excel")]).json()
    client.get(f"/api/v1/reports/{report.id}/attachments/{posted['attachments'][0]['id']}",
               headers=personas.auth("land_cert_analyst"))
    entries = db.scalars(select(AuditEntry).where(AuditEntry.action.in_(
        ["comment_added", "attachment_added", "attachment_downloaded"]))).all()
    assert sorted(e.action for e in entries) == ["attachment_added", "attachment_downloaded", "comment_added"]
    assert all("Kennw" not in str(e.detail) and "geheim" not in str(e.detail) for e in entries)
    downloaded = next(e for e in entries if e.action == "attachment_downloaded")
    assert downloaded.actor_user_id == personas.users["land_cert_analyst"].id
    assert downloaded.detail["sha256"] == hashlib.sha256(b"geheim").hexdigest()


def test_pages_create_a_report_with_a_file_and_take_a_comment(client, db, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    form = client.get("/reports/new")
    created = client.post("/reports", data={
        "csrf_token": csrf_from(form.text), "title": "Lagebild KW 47", "summary": "Siehe Anhang.", "tlp": "amber",
        "orgs": [str(personas.orgs["kreis_a"].id)]}, files=[("files", ("lage.pdf", PDF, "application/pdf"))],
        follow_redirects=False)
    assert created.status_code == 303
    report_url = created.headers["location"]
    page = client.get(report_url)
    assert "lage.pdf" in page.text and hashlib.sha256(PDF).hexdigest() in page.text

    client.cookies.clear()
    login("gemeinde_a1_member")
    page = client.get(report_url)
    answered = client.post(f"{report_url}/comments", data={
        "csrf_token": csrf_from(page.text), "body": "<script>alert(1)</script> Danke!"},
        files=[("files", ("<img src=x onerror=alert(1)>.txt", b"log", "text/plain"))], follow_redirects=False)
    assert answered.status_code == 303 and "#comment-" in answered.headers["location"]
    page = client.get(report_url)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Danke!" in page.text and "<script>alert(1)" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;.txt" in page.text and "<img src=x" not in page.text
    link = f"{report_url}/attachments/"
    attachment_id = page.text.split(link, 2)[2].split('"', 1)[0]  # the comment's file (the first is the report's)
    assert client.get(link + attachment_id).content == b"log"


def test_pages_show_a_bad_upload_in_german_and_keep_nothing(client, db, personas, report, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get(f"/reports/{report.id}")
    response = client.post(f"/reports/{report.id}/comments", data={"csrf_token": csrf_from(page.text), "body": "Text"},
                           files=[("files", ("leer.txt", b"", "text/plain"))])
    assert response.status_code == 422
    assert "Die Datei „leer.txt“ ist leer." in response.text and ">Text</textarea>" in response.text
    assert _counts(db) == (0, 0)


def test_pages_answer_404_to_another_kreis(client, db, personas, report, login) -> None:  # noqa: ANN001
    _comment(client, personas, "gemeinde_a1_member", report.id, files=[("a.txt", b"x", "text/plain")])
    attachment = db.scalars(select(Attachment)).one()
    login("gemeinde_b1_member")
    page = client.get("/reports")
    assert client.get(f"/reports/{report.id}/attachments/{attachment.id}").status_code == 404
    response = client.post(f"/reports/{report.id}/comments", data={"csrf_token": csrf_from(page.text), "body": "x"})
    assert response.status_code == 404 and _counts(db) == (1, 1)


def test_the_page_offers_removal_only_to_who_may_remove(client, db, personas, report, login) -> None:  # noqa: ANN001
    _comment(client, personas, "gemeinde_a1_member", report.id, files=[("a.txt", b"x", "text/plain")])
    login("gemeinde_a1_member")  # the author
    page = client.get(f"/reports/{report.id}").text
    assert "Kommentar löschen" in page and "/delete" in page
    client.cookies.clear()
    login("kreis_a_admin")  # the report's owner, not the author
    page = client.get(f"/reports/{report.id}").text
    assert "Kommentar löschen" not in page and "/delete" not in page


def test_a_new_report_with_a_bad_file_is_not_created(client, db, personas, login) -> None:  # noqa: ANN001
    from kommcert.reports.models import Report

    login("kreis_a_admin")
    form = client.get("/reports/new")
    response = client.post("/reports", data={"csrf_token": csrf_from(form.text), "title": "Mit leerer Datei",
                                              "tlp": "green"}, files=[("files", ("leer.pdf", b"", "application/pdf"))])
    assert response.status_code == 422 and "Die Datei „leer.pdf“ ist leer." in response.text
    assert 'value="Mit leerer Datei"' in response.text  # the form keeps what was typed
    assert db.scalars(select(Report)).all() == [] and _counts(db) == (0, 0)
