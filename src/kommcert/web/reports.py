"""Report pages (Meldungen): list, detail, create with TLP, audience and files; comments and files."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from kommcert.deps import DbSession, SettingsDep, client_ip, file_download
from kommcert.discussion.kinds import REPORTS
from kommcert.errors import DomainError, InvalidInput
from kommcert.indicators import service as indicators_service
from kommcert.indicators import sightings as sightings_service
from kommcert.reports import audience as audience_rules
from kommcert.reports import discussion as discussion_service
from kommcert.reports import service as reports_service
from kommcert.reports.discussion import Upload
from kommcert.reports.schemas import ReportCreate, ReportUpdate
from kommcert.sharing import policy
from kommcert.sharing import service as sharing_service
from kommcert.sharing.tlp import TLP
from kommcert.validation import Id, parse_id
from kommcert.web import discussion as discussion_pages
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()


@router.get("/reports")
def report_list(request: Request, db: DbSession, actor: PageActor) -> Response:
    return render(request, "reports/list.html",
                  {"reports": reports_service.list_reports(db, actor=actor, limit=100)})


def _form(request: Request, db, actor, status_code: int = 200, report=None,  # noqa: ANN001
          **values: object) -> Response:
    """The report form, new (``report`` None) or editing; with the live "who sees this" list."""
    error = values.pop("error", None)
    try:
        tlp, upward, audience = _sharing(db, actor, values)
        vis = reports_service.proposed_visibility(db, actor=actor, tlp=tlp, upward=upward, audience=audience,
                                                  report_id=report.id if report is not None else None,
                                                  person_names=True)
    except (DomainError, ValueError):
        vis = None
    return render(request, "reports/new.html", {
        "choices": reports_service.audience_choices(db, actor=actor), "tlps": list(TLP), "values": values,
        "error": error, "report": report, "vis": vis, "in_words": audience_rules.in_words,
        "entry_text": audience_rules.entry_text}, status_code=status_code)


def _sharing(db, actor, values: dict[str, object]) -> tuple[TLP, bool, sharing_service.Audience]:  # noqa: ANN001
    """TLP, upward and audience from the form's fields (picked orgs, keys, strict, e-mail addresses)."""
    picked = [str(v) for v in values.get("picked") or []]
    org_ids = [i for i in map(parse_id, picked) if i is not None]
    if len(org_ids) != len(picked):
        raise InvalidInput("Unbekannte Organisation im Empfängerkreis.", "Unknown organisation in the audience.")
    org_ids += sharing_service.org_ids_by_keys(db, str(values.get("more_keys") or "").replace(";", ",").split(","))
    user_ids = sharing_service.user_ids_by_emails(db, str(values.get("users") or "").replace(";", ",").split(","),
                                                  actor=actor)
    tlp_text = str(values.get("tlp") or "")
    try:
        tlp = TLP.parse(tlp_text) if tlp_text else TLP.amber
    except ValueError:
        raise InvalidInput("Unbekannte TLP-Stufe.", "Unknown TLP level.") from None
    strict = bool(values.get("strict"))
    audience = sharing_service.Audience(orgs=() if strict else tuple(org_ids),
                                        orgs_without_subtree=tuple(org_ids) if strict else (), users=tuple(user_ids))
    return tlp, bool(values.get("upward")), audience


async def _form_values(request: Request) -> dict[str, object]:
    form = await request.form()
    return {"title": str(form.get("title", "")), "summary": str(form.get("summary", "")),
            "tlp": str(form.get("tlp", "amber")), "more_keys": str(form.get("more_keys", "")),
            "users": str(form.get("users", "")), "picked": [str(v) for v in form.getlist("orgs")],
            "strict": str(form.get("strict", "")), "upward": str(form.get("upward", ""))}


@router.get("/reports/new")
def report_form(request: Request, db: DbSession, actor: PageActor) -> Response:
    # A municipality's report goes up to its VG, Kreis and the CERTs unless it says otherwise.
    upward = "on" if reports_service.shares_upward_by_default(actor) else ""
    return _form(request, db, actor, tlp="amber", upward=upward)


@router.get("/reports/audience")
def audience_preview(request: Request, db: DbSession, actor: PageActor, report: Id | None = None) -> Response:
    """The "who sees this" part of the report form for the sharing the form holds now (htmx)."""
    params = request.query_params
    values: dict[str, object] = {key: params.get(key, "") for key in ("tlp", "more_keys", "users", "strict", "upward")}
    values["picked"] = params.getlist("orgs")
    error = None
    vis = None
    try:
        tlp, upward, audience = _sharing(db, actor, values)
        vis = reports_service.proposed_visibility(db, actor=actor, tlp=tlp, upward=upward, audience=audience,
                                                  report_id=report, person_names=True)
    except InvalidInput as exc:
        error = exc
    return render(request, "reports/_visibility.html", {
        "vis": vis, "visibility_error": error, "in_words": audience_rules.in_words,
        "entry_text": audience_rules.entry_text})


def _report_in(schema: type[ReportCreate] | type[ReportUpdate], values: dict, tlp, upward,  # noqa: ANN001
               audience) -> ReportCreate | ReportUpdate:  # noqa: ANN001
    """The form's report for creating or editing; what the form cannot have sent is one message."""
    try:
        return schema(title=values["title"], summary=values["summary"], tlp=tlp, audience_orgs=list(audience.orgs),
                      audience_orgs_strict=list(audience.orgs_without_subtree), audience_users=list(audience.users),
                      upward=upward)
    except (ValidationError, ValueError):
        raise InvalidInput("Bitte Titel (höchstens 300 Zeichen) und TLP angeben.",
                           "Please give a title (at most 300 characters) and a TLP.") from None


@router.post("/reports")
async def report_create(request: Request, db: DbSession, actor: PageActor, settings: SettingsDep) -> Response:
    form = await request.form()
    values = await _form_values(request)
    try:
        report_in = _report_in(ReportCreate, values, *_sharing(db, actor, values))
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


def _edit_values(db, report) -> dict[str, object]:  # noqa: ANN001
    from sqlalchemy import select

    from kommcert.accounts.models import User

    audience = sharing_service.get_audience(db, report)
    emails = db.scalars(select(User.email).where(User.id.in_(audience.users)).order_by(User.email)).all() \
        if audience.users else []
    # The form has one "without subtree" switch: a mixed audience (possible through the API) is shown
    # narrowed, never widened.
    return {"title": report.title, "summary": report.summary, "tlp": str(report.tlp),
            "picked": [str(i) for i in audience.orgs + audience.orgs_without_subtree],
            "strict": "on" if audience.orgs_without_subtree else "", "upward": "on" if report.upward else "",
            "users": ", ".join(emails), "more_keys": ""}


@router.get("/reports/{report_id}/edit")
def report_edit_form(report_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    report = reports_service.get_report_to_change(db, actor=actor, report_id=report_id, ip=client_ip(request))
    return _form(request, db, actor, report=report, **_edit_values(db, report))


@router.post("/reports/{report_id}/edit")
async def report_edit(report_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    report = reports_service.get_report_to_change(db, actor=actor, report_id=report_id, ip=client_ip(request))
    values = await _form_values(request)
    try:
        report_in = _report_in(ReportUpdate, values, *_sharing(db, actor, values))
        reports_service.update_report(db, actor=actor, report_id=report.id, report_in=report_in,
                                      ip=client_ip(request))
    except DomainError as exc:
        return _form(request, db, actor, status_code=exc.status_code, report=report, error=exc, **values)
    return RedirectResponse(f"/reports/{report.id}", status_code=303)


@router.get("/reports/{report_id}/withdraw")
def report_withdraw_confirm(report_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    report = reports_service.get_report_to_change(db, actor=actor, report_id=report_id, ip=client_ip(request))
    return render(request, "reports/withdraw.html", {
        "report": report, "count": len(indicators_service.report_indicators(db, report_id=report.id))})


@router.post("/reports/{report_id}/withdraw")
def report_withdraw(report_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    reports_service.withdraw_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    return RedirectResponse(f"/reports/{report_id}", status_code=303)


@router.post("/reports/{report_id}/restore")
def report_restore(report_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    reports_service.restore_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    return RedirectResponse(f"/reports/{report_id}", status_code=303)


def _detail(request: Request, db, actor, report, *, status_code: int = 200,  # noqa: ANN001
            error: DomainError | None = None, body: str = "") -> Response:
    return render(request, "reports/detail.html", {
        "report": report, "audience": sharing_service.describe_audience(db, report, actor),
        "vis": reports_service.visibility(db, actor=actor, report=report), "in_words": audience_rules.in_words,
        "entry_text": audience_rules.entry_text,
        "may_change": reports_service.may_change(db, actor=actor, report=report),
        "owner": reports_service.owner_of(db, report),
        "indicators": indicators_service.report_indicators(db, report_id=report.id),
        "picture": sightings_service.picture_for_report(db, actor=actor, report_id=report.id),
        "error": error,
        "thread_view": discussion_pages.thread_view(db, thread=REPORTS, actor=actor, parent=report, body=body),
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
