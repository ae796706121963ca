"""Job queue use cases. ``enqueue`` writes in the caller's transaction: a rollback sends nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kommcert.db import utcnow
from kommcert.jobs.models import Job


def enqueue(db: Session, kind: str, payload: dict[str, Any], *, run_after: datetime | None = None,
            max_attempts: int = 6) -> Job:
    job = Job(kind=kind, payload=payload, run_after=run_after or utcnow(), max_attempts=max_attempts)
    db.add(job)
    db.flush()
    return job
