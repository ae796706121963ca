from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kommcert.db import utcnow
from kommcert.errors import InvalidInput
from kommcert.jobs import handlers
from kommcert.jobs import service as jobs_service
from kommcert.jobs import worker as jobs_worker
from kommcert.jobs.models import Job, JobStatus

CALLS: list[dict] = []


@handlers.register("test.ok")
def _ok(db, payload, settings) -> None:  # noqa: ANN001
    CALLS.append(payload)


@handlers.register("test.boom")
def _boom(db, payload, settings) -> None:  # noqa: ANN001
    raise RuntimeError("kaputt")


@pytest.fixture(autouse=True)
def _clear() -> None:
    CALLS.clear()


def test_it_sends_nothing_when_the_caller_rolls_back(session_factory) -> None:  # noqa: ANN001
    with session_factory() as db:
        jobs_service.enqueue(db, "test.ok", {"n": 1})
        db.rollback()
    with session_factory() as db:
        assert db.scalars(select(Job)).all() == []


def test_it_runs_a_due_job_once(session_factory, settings) -> None:  # noqa: ANN001
    with session_factory() as db:
        job = jobs_service.enqueue(db, "test.ok", {"n": 1})
        db.commit()
    stats = jobs_worker.run(session_factory, settings, burst=True)
    assert (stats.done, stats.failed, CALLS) == (1, 0, [{"n": 1}])
    with session_factory() as db:
        done = db.get(Job, job.id)
        assert done.status == JobStatus.done and done.attempts == 1 and done.finished_at is not None
    assert jobs_worker.run(session_factory, settings, burst=True).done == 0


def test_it_waits_for_run_after(session_factory, settings) -> None:  # noqa: ANN001
    with session_factory() as db:
        jobs_service.enqueue(db, "test.ok", {}, run_after=utcnow() + timedelta(hours=1))
        db.commit()
    assert jobs_worker.run(session_factory, settings, burst=True).done == 0


def test_it_retries_with_backoff_and_then_gives_up(session_factory, settings) -> None:  # noqa: ANN001
    with session_factory() as db:
        job = jobs_service.enqueue(db, "test.boom", {"secret": "TLP:RED Inhalt"}, max_attempts=2)
        db.commit()
    assert jobs_worker.run(session_factory, settings, burst=True).failed == 1
    with session_factory() as db:
        retried = db.get(Job, job.id)
        assert retried.status == JobStatus.queued and retried.attempts == 1
        assert retried.last_error == "RuntimeError: kaputt" and "TLP:RED" not in retried.last_error
        delay = retried.run_after - utcnow()
        assert timedelta(seconds=20) < delay < timedelta(seconds=40)
        retried.run_after = utcnow()
        db.commit()
    jobs_worker.run(session_factory, settings, burst=True)
    with session_factory() as db:
        final = db.get(Job, job.id)
        assert final.status == JobStatus.failed and final.attempts == 2


def test_it_grows_the_backoff_exponentially_up_to_an_hour() -> None:
    assert jobs_service.backoff(1) < jobs_service.backoff(3) < jobs_service.backoff(5)
    assert jobs_service.backoff(30) <= timedelta(hours=1, minutes=6)


def test_it_fails_unknown_kinds_clearly(session_factory, settings) -> None:  # noqa: ANN001
    with session_factory() as db:
        job = jobs_service.enqueue(db, "no.such.kind", {})
        db.commit()
    jobs_worker.run(session_factory, settings, burst=True)
    with session_factory() as db:
        assert "no handler for job kind 'no.such.kind'" in db.get(Job, job.id).last_error


def test_it_requeues_jobs_of_a_dead_worker(session_factory) -> None:  # noqa: ANN001
    with session_factory() as db:
        job = jobs_service.enqueue(db, "test.ok", {})
        claimed = jobs_service.claim_next(db, worker_id="dead")
        assert claimed.id == job.id and claimed.status == JobStatus.running
        assert jobs_service.claim_next(db, worker_id="other") is None
        later = utcnow() + timedelta(hours=1)
        assert jobs_service.requeue_stale(db, now=later) == 1
        assert jobs_service.claim_next(db, worker_id="other", now=later).locked_by == "other"


def test_it_retries_a_failed_job_on_request(session_factory) -> None:  # noqa: ANN001
    with session_factory() as db:
        job = jobs_service.enqueue(db, "test.ok", {})
        job.status = JobStatus.failed
        db.flush()
        assert jobs_service.retry(db, job_id=job.id).status == JobStatus.queued
        with pytest.raises(InvalidInput):
            jobs_service.retry(db, job_id=job.id)
