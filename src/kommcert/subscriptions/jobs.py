"""The periodic job ``subscriptions-pull``: every 5 minutes, pull the subscriptions that are due.

Due means enabled and ``next_attempt_at`` passed: after a success that is the subscription's interval,
after failures the interval × 2^failures, at most 24 hours (``service._record_health``), so a broken
source is retried less and less often but never given up. Each subscription is pulled in a savepoint
of its own; one failing never stops the others."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from kommcert.config import Settings
from kommcert.jobs import handlers
from kommcert.jobs.schedule import Periodic, register
from kommcert.subscriptions import service

KIND = "subscriptions.pull"


@handlers.register(KIND)
def subscriptions_pull(db: Session, payload: dict[str, Any], settings: Settings) -> dict[str, Any]:
    results = service.pull_due(db, settings=settings)
    return {"pulled": {str(r.subscription_id): ({"imported": r.imported, "removed": r.removed} if r.ok
                                                else {"failed": 1}) for r in results}}


register(Periodic("subscriptions-pull", KIND, every=timedelta(minutes=5),
                  description="Abonnements abrufen, die fällig sind"))
