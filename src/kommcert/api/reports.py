from __future__ import annotations

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile

from kommcert.api.auth import UserActor, WriterActor
from kommcert.deps import CurrentActor, DbSession, SettingsDep, client_ip, file_download
from kommcert.reports import audience as audience_rules
from kommcert.reports import discussion as discussion_service
from kommcert.reports import service as reports_service
from kommcert.reports.discussion import Upload
from kommcert.reports.schemas import (
    AttachmentRead,
    CommentRead,
    DiscussionRead,
    ReportCreate,
    ReportPage,
    ReportRead,
    ReportUpdate,
    SeenByRead,
    VisibilityRead,
)
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from kommcert.validation import Id

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get("", response_model=ReportPage)
def list_reports(
    db: DbSession, actor: CurrentActor, limit: int = Query(50, ge=1, le=500),
    before_id: Id | None = None,
) -> ReportPage:
    items = reports_service.list_reports(db, actor=actor, limit=limit, before_id=before_id)
    return ReportPage(
        items=[ReportRead.model_validate(r) for r in items],
        next_before_id=items[-1].id if len(items) == limit else None,
    )


@router.post("", response_model=ReportRead, status_code=201)
def create_report(db: DbSession, actor: WriterActor, report_in: ReportCreate) -> ReportRead:
    return ReportRead.model_validate(reports_service.create_report(db, actor=actor, report_in=report_in))


@router.get("/visibility", response_model=VisibilityRead)
def proposed_visibility(
    db: DbSession, actor: UserActor, tlp: TLP = TLP.amber, upward: bool = False,
    audience_orgs: list[Id] = Query([], description="Addressed, with subtree."),
    audience_orgs_strict: list[Id] = Query([], description="Addressed, without subtree."),
    audience_users: list[Id] = Query([]), report_id: Id | None = Query(None, description="A report being edited."),
) -> VisibilityRead:
    """Who would see a new report of your organisation (or ``report_id``, changed) with this sharing."""
    vis = reports_service.proposed_visibility(
        db, actor=actor, tlp=tlp, upward=upward, report_id=report_id,
        audience=Audience(tuple(audience_orgs), tuple(audience_orgs_strict), tuple(audience_users)))
    return _visibility_read(vis)


@router.get("/{report_id}", response_model=ReportRead)
def read_report(report_id: Id, request: Request, db: DbSession, actor: CurrentActor) -> ReportRead:
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    return ReportRead.model_validate(report)


@router.patch("/{report_id}", response_model=ReportRead)
def update_report(report_id: Id, request: Request, db: DbSession, actor: WriterActor,
                  report_in: ReportUpdate) -> ReportRead:
    """Edit title, text, TLP and audience (owner organisation's writers). Only the fields given change;
    narrowing takes effect in every feed at once."""
    return ReportRead.model_validate(reports_service.update_report(
        db, actor=actor, report_id=report_id, report_in=report_in, ip=client_ip(request)))


@router.post("/{report_id}/withdraw", response_model=ReportRead)
def withdraw_report(report_id: Id, request: Request, db: DbSession, actor: WriterActor) -> ReportRead:
    """Withdraw the report: its indicators leave every feed, search and scan set that had them only
    from it; the report stays readable to its audience, marked."""
    return ReportRead.model_validate(reports_service.withdraw_report(
        db, actor=actor, report_id=report_id, ip=client_ip(request)))


@router.post("/{report_id}/restore", response_model=ReportRead)
def restore_report(report_id: Id, request: Request, db: DbSession, actor: WriterActor) -> ReportRead:
    """Undo a withdrawal."""
    return ReportRead.model_validate(reports_service.restore_report(
        db, actor=actor, report_id=report_id, ip=client_ip(request)))


@router.get("/{report_id}/visibility", response_model=VisibilityRead)
def read_visibility(report_id: Id, request: Request, db: DbSession, actor: CurrentActor) -> VisibilityRead:
    """Who sees this report, by the sharing policy."""
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    return _visibility_read(reports_service.visibility(db, actor=actor, report=report))


@router.get("/{report_id}/discussion", response_model=DiscussionRead)
def read_discussion(report_id: Id, request: Request, db: DbSession, actor: CurrentActor) -> DiscussionRead:
    """The report's own files and its comments (each with its files), oldest first."""
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    found = discussion_service.discussion(db, report=report)
    return DiscussionRead(
        files=[AttachmentRead.model_validate(f) for f in found.files],
        comments=[_comment_read(c) for c in found.comments])


@router.post("/{report_id}/comments", response_model=CommentRead, status_code=201)
async def add_comment(
    report_id: Id, request: Request, db: DbSession, actor: WriterActor, settings: SettingsDep,
    body: str = Form(""), files: list[UploadFile] | None = File(None),
) -> CommentRead:
    """A comment (multipart form: ``body`` and any number of ``files``) by an organisation that sees the report."""
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    comment = discussion_service.add_comment(db, actor=actor, report=report, body=body,
                                             uploads=await _uploads(files), max_bytes=settings.max_attachment_bytes)
    view = next(c for c in discussion_service.discussion(db, report=report).comments if c.comment.id == comment.id)
    return _comment_read(view)


@router.post("/{report_id}/attachments", response_model=list[AttachmentRead], status_code=201)
async def add_files(
    report_id: Id, request: Request, db: DbSession, actor: WriterActor, settings: SettingsDep,
    files: list[UploadFile] = File(...),
) -> list[AttachmentRead]:
    """Files on the report itself, by the owner organisation's writers."""
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    stored = discussion_service.add_files(db, actor=actor, report=report, uploads=await _uploads(files),
                                          max_bytes=settings.max_attachment_bytes)
    return [AttachmentRead.model_validate(a) for a in stored]


@router.get("/{report_id}/attachments/{attachment_id}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}}})
def download(report_id: Id, attachment_id: Id, request: Request, db: DbSession, actor: CurrentActor) -> Response:
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    attachment = discussion_service.get_file(db, actor=actor, report=report, attachment_id=attachment_id,
                                             ip=client_ip(request))
    return file_download(attachment.content, attachment.filename)


@router.delete("/{report_id}/comments/{comment_id}", status_code=204)
def delete_comment(report_id: Id, comment_id: Id, request: Request, db: DbSession, actor: WriterActor) -> None:
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    discussion_service.delete_comment(db, actor=actor, report=report, comment_id=comment_id)


@router.delete("/{report_id}/attachments/{attachment_id}", status_code=204)
def delete_file(report_id: Id, attachment_id: Id, request: Request, db: DbSession, actor: WriterActor) -> None:
    report = reports_service.get_report(db, actor=actor, report_id=report_id, ip=client_ip(request))
    discussion_service.delete_file(db, actor=actor, report=report, attachment_id=attachment_id)


async def _uploads(files: list[UploadFile] | None) -> list[Upload]:
    return [Upload(f.filename or "", f.content_type or "", await f.read()) for f in files or [] if f.filename]


def _comment_read(view: discussion_service.CommentView) -> CommentRead:
    c = view.comment
    files = [AttachmentRead.model_validate(a) for a in view.attachments]
    return CommentRead(id=c.id, org_id=c.org_id, org_name=view.org_name, author=view.author, body=c.body,
                       created_at=c.created_at, attachments=files)


def _visibility_read(vis: audience_rules.Visibility) -> VisibilityRead:
    return VisibilityRead(tlp=vis.tlp, scope=vis.scope, org_count=vis.org_count, persons=vis.persons,
                          person_count=vis.person_count, text=audience_rules.in_words(vis, "de"),
                          text_en=audience_rules.in_words(vis, "en"),
                          orgs=[SeenByRead(org_id=o.org_id, name=o.name, below=o.below) for o in vis.orgs])
