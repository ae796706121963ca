"""Several workers, each with its own connection, claim from one queue: every job exactly once.

Runs on the suite's database (PostgreSQL in CI) with real commits, so it cleans up after itself.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter

from sqlalchemy import delete, select

from kommcert.db import make_engine, make_sessionmaker
from kommcert.jobs import service as jobs_service
from kommcert.jobs import worker as jobs_worker
from kommcert.jobs.models import Job


def test_it_never_gives_a_job_to_two_workers(engine, database_url) -> None:  # noqa: ANN001
    kind = f"test.concurrent.{uuid.uuid4().hex[:8]}"
    own = make_engine(database_url, pool_size=10) if database_url.startswith("postgresql") else make_engine(
        database_url)
    factory = make_sessionmaker(own)
    with factory() as db:
        for n in range(200):
            jobs_service.enqueue(db, kind, {"n": n})
        db.commit()
    claims: list[tuple[str, int]] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            while True:
                with factory() as db:
                    db.connection(execution_options={"immediate": True})
                    job = jobs_service.claim_next(db, worker_id=name, kinds=[kind])
                    db.commit()
                if job is None:
                    return
                with lock:
                    claims.append((name, job.id))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(6)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        per_job = Counter(job_id for _, job_id in claims)
        assert len(per_job) == 200 and set(per_job.values()) == {1}
        assert len({name for name, _ in claims}) > 1  # the work was really shared
        with factory() as db:
            assert all(j.attempts == 1 for j in db.scalars(select(Job).where(Job.kind == kind)))
    finally:
        with factory() as db:
            db.execute(delete(Job).where(Job.kind == kind))
            db.commit()
        own.dispose()
    assert jobs_worker.default_worker_id()
