"""The one place where an advisory or an inventory change flows on: matching, then notifications.

Called in the caller's transaction, so a rolled-back import matches and tells nobody."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kommcert.advisories.models import Advisory


def advisory_changed(db: Session, advisory: Advisory) -> None:
    """A new advisory or a new revision (pulled, uploaded or published)."""
    from kommcert.advisories import notifications
    from kommcert.advisories.matching import service as matching
    from kommcert.inventory import catalog

    catalog.add_products(db, advisory)
    notifications.announce(db, matching.match_advisory(db, advisory))
    notifications.announce_new(db, advisory)  # people who want every warning they may see


def inventory_changed(db: Session, *, org_id: int) -> None:
    """Lines of an organisation's inventory added, changed or removed."""
    from kommcert.advisories import notifications
    from kommcert.advisories.matching import service as matching

    notifications.announce(db, matching.match_inventory(db, org_id=org_id))
