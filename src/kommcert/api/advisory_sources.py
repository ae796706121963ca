"""CSAF sources, the quarantine and document imports under /api/v1: for the CERT's analysts and
administrators (``advisories.sources``; everyone else 403)."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Query, UploadFile
from sqlalchemy.orm import Session

from kommcert.advisories import sources as service
from kommcert.advisories.ingest import IngestResult
from kommcert.advisories.models import CsafSource, QuarantinedDocument
from kommcert.advisories.schemas_sources import (
    ImportResultRead,
    PullRead,
    QuarantineRead,
    SourceIn,
    SourceRead,
    SourceUpdate,
)
from kommcert.api.auth import UserActor, WriterActor
from kommcert.deps import DbSession, SettingsDep
from kommcert.sharing import service as sharing_service
from kommcert.sharing.service import Audience
from kommcert.validation import Id

router = APIRouter(tags=["warnings"])


def source_read(source: CsafSource, quarantined: int) -> SourceRead:
    return SourceRead(id=source.id, name=source.name, url=source.url, kind=source.kind,
                      owner_org_id=source.owner_org_id, enabled=source.enabled,
                      default_audience=source.default_audience or [], key_fingerprints=source.key_fingerprints or [],
                      require_signature=source.require_signature, interval_minutes=source.interval_minutes,
                      last_pull_at=source.last_pull_at, last_success_at=source.last_success_at,
                      last_error=source.last_error, last_counts=source.last_counts or {}, quarantined=quarantined)


def _one(db: Session, source: CsafSource) -> SourceRead:
    return source_read(source, service.quarantine_counts(db).get(source.id, 0))


def quarantine_read(row: QuarantinedDocument) -> QuarantineRead:
    return QuarantineRead(id=row.id, source_id=row.source_id, name=row.url, sha256=row.sha256, size=row.size,
                          publisher_namespace=row.publisher_namespace, tracking_id=row.tracking_id,
                          reasons=row.reasons or [], received_at=row.received_at, dismissed_at=row.dismissed_at)


def import_read(result: IngestResult) -> ImportResultRead:
    return ImportResultRead(name=result.name, status=result.status, advisory_id=result.advisory_id,
                            quarantine_id=result.quarantine_id, tracking_id=result.tracking_id,
                            version=result.version, reasons=result.reasons)


@router.get("/csaf-sources", response_model=list[SourceRead])
def list_sources(db: DbSession, actor: UserActor) -> list[SourceRead]:
    """CSAF sources with their health (last pull, last success, last error, counts, quarantined documents)."""
    found = service.list_sources(db, actor=actor)
    counts = service.quarantine_counts(db)
    return [source_read(s, counts.get(s.id, 0)) for s in found]


@router.post("/csaf-sources", response_model=SourceRead, status_code=201)
def create_source(source_in: SourceIn, db: DbSession, actor: WriterActor) -> SourceRead:
    return _one(db, service.create_source(db, actor=actor, source_in=source_in))


@router.get("/csaf-sources/{source_id}", response_model=SourceRead)
def read_source(source_id: Id, db: DbSession, actor: UserActor) -> SourceRead:
    return _one(db, service.get_source(db, actor=actor, source_id=source_id))


@router.patch("/csaf-sources/{source_id}", response_model=SourceRead)
def update_source(source_id: Id, update: SourceUpdate, db: DbSession, actor: WriterActor) -> SourceRead:
    """Change a source; ``enabled: false`` disables it (it is kept with its advisories)."""
    return _one(db, service.update_source(db, actor=actor, source_id=source_id, update=update))


@router.post("/csaf-sources/{source_id}/pull", response_model=PullRead)
def pull_source(source_id: Id, db: DbSession, actor: WriterActor, settings: SettingsDep) -> PullRead:
    """Pull now (what the periodic job does when the interval is due)."""
    report = service.pull_now(db, actor=actor, source_id=source_id, settings=settings)
    return PullRead(source_id=report.source_id, counts=dict(report.counts), errors=report.errors)


@router.get("/csaf-quarantine", response_model=list[QuarantineRead])
def list_quarantine(db: DbSession, actor: UserActor, source_id: Id | None = None, include_dismissed: bool = False,
                    limit: int = Query(200, ge=1, le=1000)) -> list[QuarantineRead]:
    """Refused documents with their reasons, newest first."""
    rows = service.list_quarantine(db, actor=actor, source_id=source_id, include_dismissed=include_dismissed,
                                   limit=limit)
    return [quarantine_read(r) for r in rows]


@router.post("/csaf-quarantine/{quarantine_id}/dismiss", response_model=QuarantineRead)
def dismiss(quarantine_id: Id, db: DbSession, actor: WriterActor) -> QuarantineRead:
    return quarantine_read(service.dismiss(db, actor=actor, quarantine_id=quarantine_id))


@router.post("/advisories/import", response_model=list[ImportResultRead])
async def import_documents(db: DbSession, actor: WriterActor, settings: SettingsDep,
                           files: list[UploadFile] = File(...), orgs: str = Form(""),
                           users: str = Form("")) -> list[ImportResultRead]:
    """CSAF documents (multipart, one or more ``files``): each stored or quarantined, answered per file.
    TLP:AMBER/RED documents reach ``orgs`` (organisation keys, comma-separated, with their subtrees) and
    ``users`` (e-mail addresses)."""
    service.require_staff(actor, write=True)
    audience = Audience(orgs=tuple(sharing_service.org_ids_by_keys(db, orgs.split(","))),
                        users=tuple(sharing_service.user_ids_by_emails(db, users.split(","), actor=actor)))
    uploads = [(f.filename or "", await f.read()) for f in files]
    results = service.import_documents(db, actor=actor, files=uploads, settings=settings, audience=audience)
    return [import_read(r) for r in results]
