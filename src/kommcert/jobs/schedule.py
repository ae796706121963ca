"""Periodic jobs: a registry of what runs every N minutes or daily at a local time, and its ticks.

Every worker computes, for each periodic job, its latest due tick (``tick_at``) and tries to insert
``(name, tick_at)`` into ``schedule_ticks`` with ``ON CONFLICT DO NOTHING``. The unique key is the
dedup: only the worker whose INSERT created the row enqueues that tick's job, in the same
transaction. So two workers (or a worker and ``kommcert worker --burst`` from cron) never run the
same tick twice, and a tick whose transaction rolled back is simply tried again. Missed ticks are not
replayed: after a pause only the latest one runs (housekeeping and digests want that).

A domain adds a periodic job with ``schedule.register(Periodic(...))`` at import time of its module
and a handler with ``@handlers.register(kind)``; the module is imported in :func:`_load_builtin`.
``kommcert jobs run-periodic NAME`` runs one at once (cron), ``kommcert jobs periodic`` lists them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kommcert.config import Settings
from kommcert.db import utcnow
from kommcert.errors import NotFound
from kommcert.jobs import handlers
from kommcert.jobs import service as jobs_service
from kommcert.jobs.models import Job, JobStatus, ScheduleTick

log = logging.getLogger("kommcert.schedule")

EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday, midnight UTC: intervals are aligned to it
KEEP_TICKS = timedelta(days=30)
KEEP_FINISHED_JOBS = timedelta(days=30)


@dataclass(frozen=True)
class Periodic:
    """``every`` (an interval, aligned to whole multiples since :data:`EPOCH`) or ``daily_at`` (a local
    wall-clock time in ``KOMMCERT_TIMEZONE``). The job gets ``payload`` plus ``tick_at`` (ISO, UTC)."""

    name: str
    kind: str
    every: timedelta | None = None
    daily_at: time | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        if (self.every is None) == (self.daily_at is None):
            raise ValueError(f"periodic job {self.name!r}: give exactly one of every / daily_at")
        if self.every is not None and self.every < timedelta(minutes=1):
            raise ValueError(f"periodic job {self.name!r}: an interval under a minute")

    def describe(self, lang: str = "de") -> str:
        if self.every is not None:
            minutes = int(self.every.total_seconds() // 60)
            return f"alle {minutes} min" if lang == "de" else f"every {minutes} min"
        assert self.daily_at is not None
        return (f"täglich {self.daily_at:%H:%M}" if lang == "de" else f"daily at {self.daily_at:%H:%M}")

    def latest_tick(self, now: datetime, tz: ZoneInfo) -> datetime:
        """The latest tick at or before ``now`` (UTC)."""
        if self.every is not None:
            steps = (now - EPOCH) // self.every
            return EPOCH + steps * self.every
        assert self.daily_at is not None
        local = now.astimezone(tz)
        for days_back in range(3):  # today's time, else yesterday's (two: a DST day may lack it)
            day = local.date() - timedelta(days=days_back)
            tick = datetime.combine(day, self.daily_at, tzinfo=tz).astimezone(UTC)
            if tick <= now:
                return tick
        raise AssertionError("unreachable")  # pragma: no cover


_PERIODIC: dict[str, Periodic] = {}


def register(periodic: Periodic) -> Periodic:
    _PERIODIC[periodic.name] = periodic
    return periodic


def unregister(name: str) -> None:
    _PERIODIC.pop(name, None)


def registered() -> dict[str, Periodic]:
    _load_builtin()
    return dict(sorted(_PERIODIC.items()))


def get(name: str) -> Periodic:
    found = registered().get(name)
    if found is None:
        raise NotFound(f"Keinen regelmäßigen Auftrag „{name}“ gibt es nicht. Vorhanden: {', '.join(registered())}.",
                       f"There is no periodic job '{name}'. Known: {', '.join(registered())}.")
    return found


def _insert_tick(db: Session, name: str, tick_at: datetime) -> int | None:
    """Insert the tick unless it exists; the new row's id, or None when another worker has it.
    (A look first: on PostgreSQL a conflicting INSERT would still use up a sequence number, at
    every poll of every worker.)"""
    if db.scalar(select(ScheduleTick.id).where(ScheduleTick.name == name, ScheduleTick.tick_at == tick_at)):
        return None
    dialect = db.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    stmt = (insert(ScheduleTick).values(name=name, tick_at=tick_at, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["name", "tick_at"]).returning(ScheduleTick.id))
    return db.scalar(stmt)


def enqueue_due(db: Session, settings: Settings, *, now: datetime | None = None,
                names: list[str] | None = None) -> list[Job]:
    """Enqueue each periodic job whose latest tick nobody has taken yet; the caller commits."""
    now = now or utcnow()
    tz = settings.tz
    jobs: list[Job] = []
    for name, periodic in registered().items():
        if names is not None and name not in names:
            continue
        tick_at = periodic.latest_tick(now, tz)
        tick_id = _insert_tick(db, name, tick_at)
        if tick_id is None:
            continue
        job = jobs_service.enqueue(db, periodic.kind, {**periodic.payload, "tick_at": tick_at.isoformat()},
                                   max_attempts=3)
        db.get(ScheduleTick, tick_id).job_id = job.id  # type: ignore[union-attr]
        db.flush()
        log.info("periodic %s: tick %s queued as job %s", name, tick_at.isoformat(), job.id)
        jobs.append(job)
    return jobs


def run_now(db: Session, settings: Settings, name: str) -> dict[str, Any] | None:
    """Run one periodic job at once in the caller's transaction (``kommcert jobs run-periodic``)."""
    periodic = get(name)
    handler = handlers.get(periodic.kind)
    return handler(db, {**periodic.payload, "tick_at": utcnow().isoformat()}, settings)


def last_ticks(db: Session) -> dict[str, datetime]:
    rows = db.execute(select(ScheduleTick.name, func.max(ScheduleTick.tick_at)).group_by(ScheduleTick.name))
    return {name: tick for name, tick in rows}


# --- the housekeeping that used to run on the side of other work ------------------------------

def _load_builtin() -> None:
    from kommcert.advisories import pull_jobs as _csaf_pull  # noqa: F401 - registers csaf-pull
    from kommcert.awareness import reminders as _awareness  # noqa: F401 - registers awareness-reminders
    from kommcert.federation import jobs as _federation  # noqa: F401 - registers federation-push
    from kommcert.incidents import deadline_jobs as _deadlines  # noqa: F401 - registers incident-deadline-reminders
    from kommcert.notifications import jobs as _notifications  # noqa: F401 - registers notification-digest
    from kommcert.subscriptions import jobs as _subscriptions  # noqa: F401 - registers subscriptions-pull


@handlers.register("housekeeping.requeue_stale")
def _requeue_stale(db: Session, payload: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Jobs whose worker died while running them go back to the queue."""
    return {"requeued": jobs_service.requeue_stale(db)}


@handlers.register("housekeeping.purge_uploads")
def _purge_uploads(db: Session, payload: dict[str, Any], settings: Settings) -> dict[str, Any]:
    from kommcert.uploads import service as uploads_service

    return {"purged": uploads_service.purge_expired(db, settings=settings)}


@handlers.register("housekeeping.purge_sessions")
def _purge_sessions(db: Session, payload: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Expired browser logins (they are refused anyway) and old ticks and finished jobs."""
    from kommcert.accounts.models import UserSession

    now = utcnow()
    sessions = db.execute(delete(UserSession).where(UserSession.expires_at < now)).rowcount or 0
    ticks = db.execute(delete(ScheduleTick).where(ScheduleTick.tick_at < now - KEEP_TICKS)).rowcount or 0
    finished = db.execute(delete(Job).where(Job.status == JobStatus.done,
                                            Job.finished_at < now - KEEP_FINISHED_JOBS)).rowcount or 0
    return {"sessions": sessions, "ticks": ticks, "jobs": finished}


register(Periodic("requeue-stale-jobs", "housekeeping.requeue_stale", every=timedelta(minutes=5),
                  description="Aufträge abgestürzter Worker wieder einreihen"))
register(Periodic("purge-uploads", "housekeeping.purge_uploads", every=timedelta(hours=1),
                  description="Hochgeladene Dateien nach einem Tag löschen"))
register(Periodic("purge-expired", "housekeeping.purge_sessions", daily_at=time(3, 30),
                  description="Abgelaufene Anmeldungen und alte erledigte Aufträge löschen"))
