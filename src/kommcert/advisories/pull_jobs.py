"""The periodic job ``csaf-pull``: every 15 minutes, pull the enabled sources whose interval is due.

One job per tick pulls them one after another; each document sits in its own savepoint, and a source
that fails leaves its ``last_error`` while the others go on."""

from __future__ import annotations

import logging
from datetime import time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kommcert.advisories import pull
from kommcert.config import Settings
from kommcert.jobs import handlers
from kommcert.jobs.schedule import Periodic, register

log = logging.getLogger(__name__)
KIND = "advisories.csaf_pull"


@handlers.register(KIND)
def csaf_pull(db: Session, payload: dict[str, Any], settings: Settings) -> dict[str, Any]:
    pulled: dict[str, Any] = {}
    for source in pull.due_sources(db):
        try:
            with db.begin_nested():
                report = pull.pull_source(db, source, settings=settings)
            pulled[str(source.id)] = dict(report.counts)
        except Exception:  # a bug for one source must not stop the others
            log.exception("csaf pull of source %s failed", source.id)
            pulled[str(source.id)] = {"failed": 1}
    return {"sources": pulled}


register(Periodic("csaf-pull", KIND, every=timedelta(minutes=15),
                  description="CSAF-Quellen abrufen, deren Intervall fällig ist"))


CATALOG = "inventory.catalog_rebuild"


@handlers.register(CATALOG)
def catalog_rebuild(db: Session, payload: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Each new revision adds its products to the catalogue at once; products a later revision dropped, or a
    warning narrowed to AMBER, leave it (and their counts fall) with this nightly rebuild."""
    from kommcert.inventory import catalog

    return {"entries": catalog.rebuild(db)}


register(Periodic("catalog-rebuild", CATALOG, daily_at=time(3, 30),
                  description="Produktkatalog aus den öffentlichen Warnungen neu aufbauen"))
