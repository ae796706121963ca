"""The worker loop: queue due periodic ticks, claim, run the handler in one transaction with the
completion, record failures."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from kommcert.config import Settings
from kommcert.jobs import handlers, schedule
from kommcert.jobs import service as jobs_service
from kommcert.jobs.models import Job

log = logging.getLogger("kommcert.worker")


@dataclass
class RunStats:
    done: int = 0
    failed: int = 0


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _claim(factory: sessionmaker[Session], worker_id: str) -> Job | None:
    with factory() as db:
        # SQLite: take the write lock up front, so two claimers never both read the same row.
        db.connection(execution_options={"immediate": True})
        job = jobs_service.claim_next(db, worker_id=worker_id)
        db.commit()
        if job is not None:
            db.expunge(job)
        return job


def queue_periodic(factory: sessionmaker[Session], settings: Settings) -> int:
    """Insert the due ticks of the periodic jobs (``jobs/schedule.py``); the inserting worker queues
    their jobs. A failure here is logged and tried again at the next poll."""
    try:
        with factory() as db:
            db.connection(execution_options={"immediate": True})
            queued = schedule.enqueue_due(db, settings)
            db.commit()
        return len(queued)
    except Exception as exc:  # noqa: BLE001 - the worker goes on with the queue
        log.warning("periodic jobs not queued: %s", type(exc).__name__)
        return 0


def run_one(factory: sessionmaker[Session], settings: Settings, job: Job, stats: RunStats) -> None:
    try:
        with factory() as db:
            handler = handlers.get(job.kind)
            result = handler(db, dict(job.payload), settings)
            jobs_service.complete(db, db.merge(job), result)
            db.commit()
        stats.done += 1
        log.info("job %s (%s) done", job.id, job.kind)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
        # The message names the kind of failure only; payloads may hold TLP:RED text.
        error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        with factory() as db:
            jobs_service.fail(db, db.merge(job), error)
            db.commit()
        stats.failed += 1
        log.warning("job %s (%s) failed (attempt %s): %s", job.id, job.kind, job.attempts, type(exc).__name__)


def run_job(factory: sessionmaker[Session], settings: Settings, job_id: int, *,
            worker_id: str | None = None) -> RunStats:
    """Run one given job now, if nobody has claimed it yet (the process started for an import)."""
    stats = RunStats()
    with factory() as db:
        db.connection(execution_options={"immediate": True})
        job = jobs_service.claim(db, job_id=job_id, worker_id=worker_id or default_worker_id())
        db.commit()
        if job is not None:
            db.expunge(job)
    if job is not None:
        run_one(factory, settings, job, stats)
    return stats


def run(factory: sessionmaker[Session], settings: Settings, *, worker_id: str | None = None,
        burst: bool = False, once: bool = False, stop: threading.Event | None = None,
        periodic: bool = False) -> RunStats:
    """Work until ``stop`` is set; ``burst`` ends when nothing is due, ``once`` after one job.
    ``periodic`` queues the due ticks of the periodic jobs first (and then at most once per poll)."""
    worker_id = worker_id or default_worker_id()
    stop = stop or threading.Event()
    stats = RunStats()
    next_ticks = 0.0
    while not stop.is_set():
        if periodic and time.monotonic() >= next_ticks:
            queue_periodic(factory, settings)
            next_ticks = time.monotonic() + settings.worker_poll_seconds
        job = _claim(factory, worker_id)
        if job is None:
            if burst or once:
                break
            stop.wait(settings.worker_poll_seconds)
            continue
        run_one(factory, settings, job, stats)
        if once:
            break
    return stats
