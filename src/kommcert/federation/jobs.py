"""The periodic job ``federation-push``: every 15 minutes, sightings back to every subscribed peer.

Each peer in a savepoint of its own (``push.push_all``); a peer that is down keeps its cursor and gets
the same sightings with the next run."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from kommcert.config import Settings
from kommcert.federation import push
from kommcert.jobs import handlers
from kommcert.jobs.schedule import Periodic, register

KIND = "federation.push"


@handlers.register(KIND)
def federation_push(db: Session, payload: dict[str, Any], settings: Settings) -> dict[str, Any]:
    results = push.push_all(db, settings=settings)
    return {"pushed": {str(r.peer_id): ({"sent": r.sent, "failed": r.failed} if r.ok else {"error": 1})
                       for r in results}}


register(Periodic("federation-push", KIND, every=timedelta(minutes=15),
                  description="Sichtungen an Partnerinstanzen zurückmelden"))
