from __future__ import annotations

import dataclasses
import time

from fastapi import APIRouter, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from kommcert.api.auth import UserActor, WriterActor
from kommcert.deps import CurrentActor, DbSession, SettingsDep
from kommcert.errors import DomainError, InvalidInput
from kommcert.indicators import import_jobs, importing
from kommcert.indicators import service as indicators_service
from kommcert.indicators import sightings as sightings_service
from kommcert.indicators.readers import ImportFormat
from kommcert.indicators.schemas import (
    Curation,
    ImportJobRead,
    ImportResultRead,
    IndicatorItem,
    IndicatorPage,
    IndicatorRead,
    ProvenanceRead,
    SightingCounts,
    SightingRead,
)
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from kommcert.uploads import service as uploads_service
from kommcert.validation import Id

router = APIRouter(prefix="/indicators", tags=["indicators"])


@router.get("", response_model=IndicatorPage)
def search_indicators(
    db: DbSession, actor: CurrentActor, q: str | None = Query(None, max_length=200), type: str | None = None,  # noqa: A002
    tag: str | None = Query(None, max_length=100), tlp: TLP | None = None, source: str | None = None,
    seen: bool | None = None, expired: bool | None = None, limit: int = Query(100, ge=1, le=1000),
    before_id: Id | None = None,
    after_id: Id | None = Query(None, description="The page of newer values just above this id (back from "
                                                  "next_before_id); ignored together with before_id."),
    with_total: bool = Query(False, description="Count the matching values (up to 10,000; costs a little)."),
) -> IndicatorPage:
    filters = {"q": q, "type": type, "tag": tag, "tlp": tlp, "source": source, "seen": seen, "expired": expired}
    if (after_id is None or before_id is not None) and not with_total:  # walking down: nothing to count
        items = indicators_service.search(db, actor=actor, limit=limit, before_id=before_id, **filters)
        return IndicatorPage(items=[IndicatorItem(**vars(i)) for i in items],
                             next_before_id=items[-1].id if len(items) == limit else None)
    page = indicators_service.search_page(db, actor=actor, size=limit, before_id=before_id,
                                          after_id=after_id if before_id is None else None, **filters)
    return IndicatorPage(items=[IndicatorItem(**vars(i)) for i in page.items], next_before_id=page.older,
                         prev_after_id=page.newer, total=page.total if with_total else None,
                         total_capped=page.total_capped if with_total else None)


def read_detail(db, actor, indicator_id: Id) -> IndicatorRead:  # noqa: ANN001
    detail = indicators_service.get_indicator(db, actor=actor, indicator_id=indicator_id)
    counts = sightings_service.summary(db, actor=actor, indicator_id=indicator_id)
    visible = sightings_service.visible_sightings(db, actor=actor, indicator_id=indicator_id)
    ind = detail.indicator
    return IndicatorRead(
        id=ind.id, uuid=str(ind.uuid), type=ind.type, value=ind.value, warninglist=ind.warninglist,
        warninglist_override=ind.warninglist_override, review_state=detail.review_state,
        provenances=[ProvenanceRead(report_id=r.id, report_title=r.title, report_tlp=r.tlp, valid_from=p.valid_from,
                                    valid_until=p.valid_until, confidence=p.confidence, block=p.block, source=p.source,
                                    tags=[t for t in p.tags.split("\n") if t], comment=p.comment)
                     for p, r in detail.provenances],
        sightings=SightingCounts(**vars(counts)),
        sightings_visible=[SightingRead(org_name=o.name, kind=s.kind, first_seen=s.first_seen, last_seen=s.last_seen,
                                        count=s.count, log_source=s.log_source, system=s.system) for s, o in visible],
    )


@router.get("/{indicator_id}", response_model=IndicatorRead)
def read_indicator(indicator_id: Id, db: DbSession, actor: CurrentActor) -> IndicatorRead:
    return read_detail(db, actor, indicator_id)


@router.put("/{indicator_id}/curation", response_model=IndicatorRead)
def curate_indicator(indicator_id: Id, curation: Curation, db: DbSession, actor: WriterActor) -> IndicatorRead:
    indicators_service.curate(db, actor=actor, indicator_id=indicator_id, **curation.model_dump())
    return read_detail(db, actor, indicator_id)


@router.post("/import", response_model=ImportResultRead,
             responses={202: {"model": ImportJobRead, "description": "A large import runs on as a job: poll "
                                                                     "the address in Location."}})
def import_indicators(
    request: Request, db: DbSession, actor: WriterActor, settings: SettingsDep, file: UploadFile = File(...),
    format: ImportFormat = Form(ImportFormat.stix),  # noqa: A002
    title: str | None = Form(None, max_length=300), tlp: TLP = Form(TLP.amber),
    audience_orgs: list[Id] = Form([]), audience_orgs_strict: list[Id] = Form([]),
    skip_invalid: bool = Form(False), report_id: Id | None = Form(None),
    value_column: str | None = Form(None, max_length=100),
    prefer: str | None = Header(None, description="respond-async: answer 202 at once for a large file."),
) -> Response | ImportResultRead:
    """Import a file. Up to KOMMCERT_IMPORT_INLINE_BYTES it is imported in the request; a larger one
    runs as a job in a process of its own and this request waits for it (up to
    KOMMCERT_IMPORT_WAIT_SECONDS, else 202), or answers 202 at once with ``Prefer: respond-async``."""
    if file.size is not None and file.size > settings.max_upload_bytes:
        raise InvalidInput("Die Datei ist zu groß.", "The file is too large.")
    if format == ImportFormat.csv and not (value_column or "").strip():
        raise InvalidInput("CSV braucht value_column: den Namen der Spalte mit den Werten.",
                           "CSV needs value_column: the name of the column that holds the values.")
    reader_options = {"value_column": value_column.strip()} if format == ImportFormat.csv and value_column else {}
    options = importing.ImportOptions(title=(title or "").strip() or None, tlp=tlp, skip_invalid=skip_invalid,
                                      report_id=report_id,
                                      audience=Audience(orgs=tuple(audience_orgs),
                                                        orgs_without_subtree=tuple(audience_orgs_strict)))
    if file.size is None or file.size <= settings.import_inline_bytes:
        result = indicators_service.import_file(db, actor=actor, settings=settings, fmt=format, stream=file.file,
                                                name=file.filename or "upload", options=options,
                                                reader_options=reader_options)
        return ImportResultRead.model_validate(dataclasses.asdict(result))
    upload = uploads_service.spool(db, actor=actor, settings=settings, stream=file.file,
                                   filename=file.filename or "upload")
    job = import_jobs.start(db, actor=actor, upload=upload, fmt=format, options=options,
                            reader_options=reader_options)
    db.commit()
    request.app.state.start_job(job.id)
    respond_async = "respond-async" in (prefer or "").lower()
    deadline = time.monotonic() + settings.import_wait_seconds
    while True:
        found = import_jobs.status(db, actor=actor, settings=settings, job_id=job.id)
        db.commit()  # end the read, so the next look sees the job's progress
        if respond_async or found.finished or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    if respond_async or not found.finished:
        return JSONResponse(_job_read(found).model_dump(mode="json"), status_code=202,
                            headers={"Location": f"/api/v1/indicators/imports/{job.id}"})
    if found.error is not None:
        raise DomainError.with_status(found.error["de"], found.error["en"], int(found.error["status"]))
    return ImportResultRead.model_validate(found.result)


def _job_read(found: import_jobs.ImportStatus) -> ImportJobRead:
    return ImportJobRead(id=found.job_id, state=found.state, filename=found.filename, size=found.size,
                         values_read=found.values_read, values_expected=found.values_expected,
                         result=ImportResultRead.model_validate(found.result) if found.result else None,
                         error=found.error)


@router.get("/imports/{job_id}", response_model=ImportJobRead)
def read_import(job_id: Id, db: DbSession, actor: UserActor, settings: SettingsDep) -> ImportJobRead:
    """How far an import job is, and its answer once done (for the user who started it only)."""
    return _job_read(import_jobs.status(db, actor=actor, settings=settings, job_id=job_id))
