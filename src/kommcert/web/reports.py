"""Report pages (Meldungen): list, detail, create with TLP, audience and files; comments and files."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from kommcert.deps import DbSession, SettingsDep, client_ip, file_download
from kommcert.errors import DomainError, InvalidInput
from kommcert.indicators import service as indicators_service
from kommcert.indicators import sightings as sightings_service
from kommcert.reports import discussion as discussion_service
from kommcert.reports import service as reports_service
from kommcert.reports.discussion import Upload
from kommcert.reports.schemas import ReportCreate
from kommcert.sharing import policy
from kommcert.sharing import service as sharing_service
from kommcert.sharing.tlp import TLP
from kommcert.validation import Id, parse_id
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()


@router.get("/reports")
def report_list(request: Request, db: DbSession, actor: PageActor) -> Response:
    return render(request, "reports/list.html",
                  {"reports": reports_service.list_reports(db, actor=actor, limit=100)})


def _form(request: Request, db, actor, status_code: int = 200, **values: object) -> Response:  # noqa: ANN001
    return render(request, "reports/new.html", {
        "choices": reports_service.audience_choices(db, actor=actor), "tlps": list(TLP), "values": values,
        "error": values.pop("error", None)}, status_code=status_code)


@router.get("/reports/new")
def report_form(request: Request, db: DbSession, actor: PageActor) -> Response:
    return _form(request, db, actor, tlp="amber")


@router.post("/reports")
async def report_create(request: Request, db: DbSession, actor: PageActor, settings: SettingsDep, title: str = Form(""),
                        summary: str = Form(""), tlp: str = Form("amber"), more_keys: str = Form(""),
                        strict: str = Form(""), users: str = Form(""), upward: str = Form("")) -> Response:
    form = await request.form()
    picked = [str(v) for v in form.getlist("orgs")]
    values = {"title": title, "summary": summary, "tlp": tlp, "more_keys": more_keys, "users": users,
              "picked": picked, "strict": strict, "upward": upward}
    try:
        org_ids = [i for i in map(parse_id, picked) if i is not None]
        if len(org_ids) != len(picked):
            raise InvalidInput("Unbekannte Organisation im Empfängerkreis.", "Unknown organisation in the audience.")
        org_ids += sharing_service.org_ids_by_keys(db, more_keys.replace(";", ",").split(","))
        user_ids = sharing_service.user_ids_by_emails(db, users.replace(";", ",").split(","), actor=actor)
        try:
            report_in = ReportCreate(
                title=title, summary=summary, tlp=TLP.parse(tlp) if tlp else TLP.amber,
                audience_orgs=[] if strict else org_ids, audience_orgs_strict=org_ids if strict else [],
                audience_users=user_ids, upward=bool(upward))
        except (ValidationError, ValueError):
            raise InvalidInput("Bitte Titel (höchstens 300 Zeichen) und TLP angeben.",
                               "Please give a title (at most 300 characters) and a TLP.") from None
        report = reports_service.create_report(db, actor=actor, report_in=report_in)
        uploads = await _uploads(form.getlist("files"))
        if uploads:
            discussion_service.add_files(db, actor=actor, report=report, uploads=uploads,
                                         max_bytes=settings.max_attachment_bytes)
    except DomainError as exc:
        return _form(request, db, actor, status_code=exc.status_code, error=exc, **values)
    return RedirectResponse(f"/reports/{report.id}", status_code=303)


@router.get("/reports/{report_id}")
def report_detail(report_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    return _detail(request, db, actor, report)


def _detail(request: Request, db, actor, report, *, status_code: int = 200,  # noqa: ANN001
            error: DomainError | None = None, body: str = "") -> Response:
    return render(request, "reports/detail.html", {
        "report": report, "audience": sharing_service.describe_audience(db, report, actor),
        "owner": reports_service.owner_of(db, report),
        "indicators": indicators_service.report_indicators(db, report_id=report.id),
        "picture": sightings_service.picture_for_report(db, actor=actor, report_id=report.id),
        "discussion": discussion_service.discussion(db, report=report), "error": error, "body": body,
        "may_remove": discussion_service.may_remove,
        "may_comment": policy.can(db, actor, policy.COMMENT, report),
        "may_attach": policy.can(db, actor, policy.EDIT, report)}, status_code=status_code)


@router.post("/reports/{report_id}/comments")
async def comment_add(report_id: Id, request: Request, db: DbSession, actor: PageActor,
                      settings: SettingsDep) -> Response:
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    form = await request.form()
    body = str(form.get("body", ""))
    try:
        comment = discussion_service.add_comment(db, actor=actor, report=report, body=body,
                                                 uploads=await _uploads(form.getlist("files")),
                                                 max_bytes=settings.max_attachment_bytes)
    except DomainError as exc:
        db.rollback()
        return _detail(request, db, actor, report, status_code=exc.status_code, error=exc, body=body)
    return RedirectResponse(f"/reports/{report.id}#comment-{comment.id}", status_code=303)


@router.post("/reports/{report_id}/attachments")
async def files_add(report_id: Id, request: Request, db: DbSession, actor: PageActor,
                    settings: SettingsDep) -> Response:
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    form = await request.form()
    try:
        discussion_service.add_files(db, actor=actor, report=report, uploads=await _uploads(form.getlist("files")),
                                     max_bytes=settings.max_attachment_bytes)
    except DomainError as exc:
        db.rollback()
        return _detail(request, db, actor, report, status_code=exc.status_code, error=exc)
    return RedirectResponse(f"/reports/{report.id}#files", status_code=303)


@router.get("/reports/{report_id}/attachments/{attachment_id}")
def file_get(report_id: Id, attachment_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    attachment = discussion_service.get_file(db, actor=actor, report=report, attachment_id=attachment_id,
                                             ip=client_ip(request))
    return file_download(attachment.content, attachment.filename)


@router.post("/reports/{report_id}/comments/{comment_id}/delete")
def comment_delete(report_id: Id, comment_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    discussion_service.delete_comment(db, actor=actor, report=report, comment_id=comment_id)
    return RedirectResponse(f"/reports/{report.id}#comments", status_code=303)


@router.post("/reports/{report_id}/attachments/{attachment_id}/delete")
def file_delete(report_id: Id, attachment_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    discussion_service.delete_file(db, actor=actor, report=report, attachment_id=attachment_id)
    return RedirectResponse(f"/reports/{report.id}#files", status_code=303)


async def _uploads(items: list) -> list[Upload]:  # type: ignore[type-arg]
    return [Upload(f.filename, f.content_type or "", await f.read())
            for f in items if isinstance(f, UploadFile) and f.filename]
