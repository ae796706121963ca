"""Job queue use cases (healthchecks style: the table is the queue).

``enqueue`` writes in the caller's transaction, so a rolled-back request sends nothing. Workers
claim a row with one conditional UPDATE (``… WHERE id = :id AND status = 'queued'``): only the
worker whose UPDATE changed the row runs the job, whatever the number of workers.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kommcert.db import utcnow
from kommcert.errors import InvalidInput, NotFound
from kommcert.jobs.models import Job, JobStatus

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
STALE_AFTER = timedelta(minutes=15)
MAX_ERROR = 2000


def enqueue(db: Session, kind: str, payload: dict[str, Any], *, run_after: datetime | None = None,
            max_attempts: int = 6) -> Job:
    job = Job(kind=kind, payload=payload, run_after=run_after or utcnow(), max_attempts=max_attempts,
              status=JobStatus.queued, attempts=0)
    db.add(job)
    db.flush()
    return job


def claim_next(db: Session, *, worker_id: str, kinds: Sequence[str] | None = None,
               now: datetime | None = None) -> Job | None:
    """Claim the oldest due job. The caller commits at once, so the claim is visible to all."""
    now = now or utcnow()
    for _ in range(10):  # another worker may win the row we picked; then pick again
        stmt = (select(Job.id).where(Job.status == JobStatus.queued, Job.run_after <= now)
                .order_by(Job.run_after, Job.id).limit(1))
        if kinds:
            stmt = stmt.where(Job.kind.in_(list(kinds)))
        if db.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        job_id = db.scalar(stmt)
        if job_id is None:
            return None
        claimed = db.execute(
            update(Job).where(Job.id == job_id, Job.status == JobStatus.queued)
            .values(status=JobStatus.running, locked_by=worker_id[:100], locked_at=now,
                    attempts=Job.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount == 1:
            job = db.get(Job, job_id, populate_existing=True)
            return job
    return None


def claim(db: Session, *, job_id: int, worker_id: str, now: datetime | None = None) -> Job | None:
    """Claim one given job if it is still queued (a process started for that job)."""
    now = now or utcnow()
    claimed = db.execute(
        update(Job).where(Job.id == job_id, Job.status == JobStatus.queued)
        .values(status=JobStatus.running, locked_by=worker_id[:100], locked_at=now, attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return db.get(Job, job_id, populate_existing=True) if claimed.rowcount == 1 else None


def complete(db: Session, job: Job, result: dict[str, Any] | None = None) -> None:
    job.status = JobStatus.done
    job.finished_at = utcnow()
    job.last_error = None
    job.result = result
    db.flush()


def backoff(attempts: int) -> timedelta:
    delay = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)
    return delay * random.uniform(0.9, 1.1)


def fail(db: Session, job: Job, error: str, *, now: datetime | None = None) -> None:
    """Record the error; retry later with exponential backoff, or give up after max_attempts."""
    now = now or utcnow()
    job.last_error = error[:MAX_ERROR]
    job.locked_by = None
    job.locked_at = None
    if job.attempts >= job.max_attempts:
        job.status = JobStatus.failed
        job.finished_at = now
    else:
        job.status = JobStatus.queued
        job.run_after = now + backoff(job.attempts)
    db.flush()


def requeue_stale(db: Session, *, now: datetime | None = None, after: timedelta = STALE_AFTER) -> int:
    """Jobs whose worker died while running them go back to the queue."""
    now = now or utcnow()
    result = db.execute(
        update(Job).where(Job.status == JobStatus.running, Job.locked_at < now - after)
        .values(status=JobStatus.queued, locked_by=None, locked_at=None, run_after=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def list_jobs(db: Session, *, status: JobStatus | None = None, limit: int = 100) -> Sequence[Job]:
    stmt = select(Job).order_by(Job.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(Job.status == status)
    return db.scalars(stmt).all()


def retry(db: Session, *, job_id: int) -> Job:
    job = db.get(Job, job_id)
    if job is None:
        raise NotFound("Auftrag nicht gefunden.", "Job not found.")
    if job.status != JobStatus.failed:
        raise InvalidInput("Nur fehlgeschlagene Aufträge können wiederholt werden.",
                           "Only failed jobs can be retried.")
    job.status, job.attempts, job.run_after, job.finished_at = JobStatus.queued, 0, utcnow(), None
    db.flush()
    return job
