from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Query

from kommcert.api.auth import UserActor, WriterActor
from kommcert.db import utcnow
from kommcert.deps import DbSession, SettingsDep
from kommcert.indicators import sightings as sightings_service
from kommcert.indicators.schemas import SightingBatch, SightingResultRead
from kommcert.indicators.sightings import SightingIn

router = APIRouter(prefix="/sightings", tags=["sightings"])


@router.post("", response_model=SightingResultRead)
def report_sightings(batch: SightingBatch, db: DbSession, actor: WriterActor,
                     settings: SettingsDep) -> SightingResultRead:
    items = [SightingIn(**s.model_dump()) for s in batch.sightings]
    result = sightings_service.record_sightings(db, actor=actor, items=items,
                                                fp_threshold=settings.ioc_fp_review_threshold)
    return SightingResultRead(created=result.created, duplicates=result.duplicates, unknown=result.unknown)


@router.get("/picture")
def picture(db: DbSession, actor: UserActor, days: int = Query(30, ge=1, le=3650)) -> list[dict]:
    rows = sightings_service.picture_by_kreis(db, actor=actor, since=utcnow() - timedelta(days=days))
    return [{"kreis": name, "sightings": total, "indicators": n, "last_seen": last} for name, total, n, last in rows]
