"""Periodic jobs: when a tick is due, one job per tick, the worker queues them, cron runs one by name."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from kommcert.accounts.models import UserSession
from kommcert.db import utcnow
from kommcert.jobs import handlers, schedule
from kommcert.jobs import worker as jobs_worker
from kommcert.jobs.models import Job, JobStatus, ScheduleTick

BERLIN = ZoneInfo("Europe/Berlin")
RUNS: list[dict] = []


@handlers.register("test.periodic")
def _periodic(db, payload, settings) -> dict:  # noqa: ANN001
    RUNS.append(payload)
    return {"ok": True}


@pytest.fixture
def every_ten_minutes():  # noqa: ANN201
    RUNS.clear()
    job = schedule.register(schedule.Periodic("test-every-ten", "test.periodic", every=timedelta(minutes=10),
                                              payload={"what": "x"}))
    yield job
    schedule.unregister(job.name)


def test_an_interval_ticks_on_whole_multiples() -> None:
    job = schedule.Periodic("t", "k", every=timedelta(minutes=10))
    now = datetime(2031, 5, 6, 12, 34, 56, tzinfo=UTC)
    assert job.latest_tick(now, BERLIN) == datetime(2031, 5, 6, 12, 30, tzinfo=UTC)
    assert job.latest_tick(datetime(2031, 5, 6, 12, 30, tzinfo=UTC), BERLIN) == datetime(2031, 5, 6, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(("now", "tick"), [
    # summer (UTC+2): 07:00 local is 05:00 UTC; before it, yesterday's tick
    (datetime(2031, 7, 1, 5, 0, tzinfo=UTC), datetime(2031, 7, 1, 5, 0, tzinfo=UTC)),
    (datetime(2031, 7, 1, 4, 59, tzinfo=UTC), datetime(2031, 6, 30, 5, 0, tzinfo=UTC)),
    # winter (UTC+1)
    (datetime(2031, 12, 1, 9, 0, tzinfo=UTC), datetime(2031, 12, 1, 6, 0, tzinfo=UTC)),
    # the morning after the clocks went forward (30 March 2031): 07:00 CEST
    (datetime(2031, 3, 30, 5, 30, tzinfo=UTC), datetime(2031, 3, 30, 5, 0, tzinfo=UTC)),
])
def test_a_daily_job_ticks_at_local_wall_clock_time(now: datetime, tick: datetime) -> None:
    assert schedule.Periodic("t", "k", daily_at=time(7, 0)).latest_tick(now, BERLIN) == tick


def test_a_periodic_job_needs_exactly_one_schedule() -> None:
    with pytest.raises(ValueError):
        schedule.Periodic("t", "k")
    with pytest.raises(ValueError):
        schedule.Periodic("t", "k", every=timedelta(hours=1), daily_at=time(7))


def test_it_queues_each_tick_once(db, settings, every_ten_minutes) -> None:  # noqa: ANN001
    now = utcnow()
    first = schedule.enqueue_due(db, settings, now=now, names=[every_ten_minutes.name])
    again = schedule.enqueue_due(db, settings, now=now + timedelta(seconds=1), names=[every_ten_minutes.name])
    later = schedule.enqueue_due(db, settings, now=now + timedelta(minutes=10), names=[every_ten_minutes.name])
    assert (len(first), len(again), len(later)) == (1, 0, 1)
    assert first[0].kind == "test.periodic" and first[0].payload["what"] == "x"
    ticks = db.scalars(select(ScheduleTick).where(ScheduleTick.name == every_ten_minutes.name)).all()
    assert [t.job_id for t in ticks] == [first[0].id, later[0].id]


def test_the_worker_queues_and_runs_the_due_ticks(session_factory, settings, every_ten_minutes) -> None:  # noqa: ANN001
    stats = jobs_worker.run(session_factory, settings, burst=True, periodic=True)
    assert len(RUNS) == 1 and "tick_at" in RUNS[0]
    with session_factory() as db:
        kinds = {j.kind for j in db.scalars(select(Job).where(Job.status == JobStatus.done))}
    assert {"test.periodic", "housekeeping.requeue_stale", "housekeeping.purge_uploads",
            "notifications.digest"} <= kinds
    assert stats.failed == 0
    # A second run in the same interval queues nothing new.
    jobs_worker.run(session_factory, settings, burst=True, periodic=True)
    assert len(RUNS) == 1


def test_housekeeping_requeues_jobs_of_dead_workers_and_forgets_expired_logins(db, personas, settings) -> None:  # noqa: ANN001
    from kommcert.jobs import service as jobs_service

    stuck = jobs_service.enqueue(db, "test.periodic", {})
    stuck.status, stuck.locked_at = JobStatus.running, utcnow() - timedelta(hours=1)
    user = personas.users["gemeinde_a1_member"]
    db.add(UserSession(user_id=user.id, secret_hash="a" * 64, csrf_token="x", expires_at=utcnow() - timedelta(days=1)))
    db.add(UserSession(user_id=user.id, secret_hash="b" * 64, csrf_token="x", expires_at=utcnow() + timedelta(days=1)))
    db.flush()
    assert schedule.run_now(db, settings, "requeue-stale-jobs") == {"requeued": 1}
    assert schedule.run_now(db, settings, "purge-expired")["sessions"] == 1
    assert [s.secret_hash for s in db.scalars(select(UserSession))] == ["b" * 64]


def test_cron_runs_a_periodic_job_by_name(cli_db) -> None:  # noqa: ANN001
    from kommcert.cli.main import app

    runner = CliRunner()
    ok = runner.invoke(app, ["jobs", "run-periodic", "purge-uploads"])
    assert ok.exit_code == 0, ok.output
    assert "purge-uploads" in ok.output
    listed = runner.invoke(app, ["jobs", "periodic"])
    assert listed.exit_code == 0 and "notification-digest" in listed.output and "täglich 07:00" in listed.output
    unknown = runner.invoke(app, ["jobs", "run-periodic", "no-such-job"])
    assert unknown.exit_code == 2 and "no-such-job" in unknown.output


def test_the_hourly_job_purges_uploads_older_than_a_day(db, personas, settings) -> None:  # noqa: ANN001
    import io

    from kommcert.uploads import service as uploads_service
    from kommcert.uploads.models import Upload

    actor = personas.actor("gemeinde_a1_member")
    old = uploads_service.spool(db, actor=actor, settings=settings, stream=io.BytesIO(b"alt"), filename="a.txt")
    new = uploads_service.spool(db, actor=actor, settings=settings, stream=io.BytesIO(b"neu"), filename="b.txt")
    old.created_at = utcnow() - uploads_service.KEEP - timedelta(minutes=1)
    db.flush()
    assert schedule.run_now(db, settings, "purge-uploads") == {"purged": 1}
    assert db.get(Upload, old.id) is None and not uploads_service.path_of(settings, old).exists()
    assert db.get(Upload, new.id) is not None and uploads_service.path_of(settings, new).exists()
