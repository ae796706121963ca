from __future__ import annotations

from fastapi import APIRouter, File, Form, Query, UploadFile

from kommcert.api.auth import WriterActor
from kommcert.deps import CurrentActor, DbSession, SettingsDep
from kommcert.errors import InvalidInput
from kommcert.indicators import importing
from kommcert.indicators import service as indicators_service
from kommcert.indicators import sightings as sightings_service
from kommcert.indicators.readers import ImportFormat
from kommcert.indicators.schemas import (
    Curation,
    ImportResultRead,
    IndicatorItem,
    IndicatorPage,
    IndicatorRead,
    ProvenanceRead,
    RejectRead,
    SightingCounts,
    SightingRead,
)
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from kommcert.validation import Id

router = APIRouter(prefix="/indicators", tags=["indicators"])


@router.get("", response_model=IndicatorPage)
def search_indicators(
    db: DbSession, actor: CurrentActor, q: str | None = Query(None, max_length=200), type: str | None = None,  # noqa: A002
    tag: str | None = Query(None, max_length=100), tlp: TLP | None = None, source: str | None = None,
    seen: bool | None = None, expired: bool | None = None, limit: int = Query(100, ge=1, le=1000),
    before_id: Id | None = None,
) -> IndicatorPage:
    items = indicators_service.search(db, actor=actor, q=q, type=type, tag=tag, tlp=tlp, source=source, seen=seen,
                                      expired=expired, limit=limit, before_id=before_id)
    return IndicatorPage(items=[IndicatorItem(**vars(i)) for i in items],
                         next_before_id=items[-1].id if len(items) == limit else None)


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


@router.post("/import", response_model=ImportResultRead)
def import_indicators(
    db: DbSession, actor: WriterActor, settings: SettingsDep, file: UploadFile = File(...),
    format: ImportFormat = Form(ImportFormat.stix),  # noqa: A002
    title: str | None = Form(None, max_length=300), tlp: TLP = Form(TLP.amber),
    audience_orgs: list[Id] = Form([]), audience_orgs_strict: list[Id] = Form([]),
    skip_invalid: bool = Form(False), report_id: Id | None = Form(None),
    value_column: str | None = Form(None, max_length=100),
) -> ImportResultRead:
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
    result = indicators_service.import_file(db, actor=actor, settings=settings, fmt=format, stream=file.file,
                                            name=file.filename or "upload", options=options,
                                            reader_options=reader_options)
    return ImportResultRead(imported=result.imported, new_indicators=result.new_indicators,
                            duplicates=result.duplicates, warninglisted=result.warninglisted, reports=result.reports,
                            rejects=[RejectRead(where=r.where, de=r.de, en=r.en) for r in result.rejects],
                            rejected_count=result.rejected_count, skipped_count=result.skipped_count,
                            skipped=[RejectRead(where=r.where, de=r.de, en=r.en) for r in result.skipped])



