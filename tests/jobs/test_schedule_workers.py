"""Two workers, each with its own connection, reach the same tick at the same moment: one job.

Runs on the suite's database (PostgreSQL with KOMMCERT_TEST_DATABASE_URL, else SQLite) with real
commits, so it cleans up after itself.
"""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

from sqlalchemy import delete, select

from kommcert.db import make_engine, make_sessionmaker, utcnow
from kommcert.jobs import handlers, schedule
from kommcert.jobs import worker as jobs_worker
from kommcert.jobs.models import Job, ScheduleTick

RUNS: list[str] = []
_LOCK = threading.Lock()


@handlers.register("test.tick")
def _tick(db, payload, settings) -> None:  # noqa: ANN001
    with _LOCK:
        RUNS.append(payload["tick_at"])


def test_two_workers_never_run_the_same_tick_twice(engine, database_url, settings) -> None:  # noqa: ANN001
    name = f"test-two-workers-{uuid.uuid4().hex[:8]}"
    schedule.register(schedule.Periodic(name, "test.tick", every=timedelta(minutes=1)))
    own = make_engine(database_url, pool_size=4) if database_url.startswith("postgresql") else make_engine(database_url)
    factory = make_sessionmaker(own)
    start = utcnow()
    moments = [start + timedelta(minutes=m, seconds=s) for m in range(5) for s in (0, 1, 30)]
    barrier = threading.Barrier(2)
    queued: dict[str, list[int]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def worker(label: str) -> None:
        try:
            for now in moments:
                barrier.wait(timeout=30)  # both reach each moment together
                with factory() as db:
                    db.connection(execution_options={"immediate": True})
                    jobs = schedule.enqueue_due(db, settings, now=now, names=[name])
                    db.commit()
                queued[label] += [j.id for j in jobs]
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(label,)) for label in queued]
    RUNS.clear()
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        all_jobs = queued["a"] + queued["b"]
        expected_ticks = {schedule.get(name).latest_tick(now, settings.tz) for now in moments}
        assert len(all_jobs) == len(set(all_jobs)) == len(expected_ticks) in (5, 6)
        with factory() as db:
            ticks = db.scalars(select(ScheduleTick).where(ScheduleTick.name == name)).all()
            assert {t.tick_at for t in ticks} == expected_ticks
            assert sorted(t.job_id for t in ticks) == sorted(all_jobs)
        # Both workers drain the queue: each tick's job runs exactly once.
        drain = [threading.Thread(target=jobs_worker.run, args=(factory, settings),
                                  kwargs={"burst": True, "worker_id": f"w{i}"}) for i in range(2)]
        for t in drain:
            t.start()
        for t in drain:
            t.join(timeout=120)
        assert sorted(RUNS) == sorted(t.isoformat() for t in expected_ticks)
    finally:
        schedule.unregister(name)
        with factory() as db:
            db.execute(delete(ScheduleTick).where(ScheduleTick.name == name))
            db.execute(delete(Job).where(Job.kind == "test.tick"))
            db.commit()
        own.dispose()
