"""The collections of the one API root: fixed ids, each a narrowing of what the policy already shows.

* ``community`` — every indicator the caller may see (what ``/feeds/stix`` gives them);
* ``own`` — the caller's organisation's view: indicators of reports its organisation owns; the
  collection POSTs go to (analysts and admins of that organisation);
* ``clear`` — TLP:CLEAR only, readable without credentials while ``KOMMCERT_TAXII_PUBLIC`` is on.

Ids are uuid5 of a fixed namespace and the key, so they survive restarts and are the same on every
kommcert (a subscriber configures them once). A collection never widens: its narrowing is added to
``indicators.service.visible_reports(actor)``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from kommcert.config import Settings
from kommcert.indicators.service import visible_reports
from kommcert.reports.models import Report
from kommcert.sharing.actor import Actor
from kommcert.sharing.tlp import TLP
from kommcert.taxii import media
from kommcert.taxii.auth import may_write

NAMESPACE = uuid.UUID("8d6c2f8e-4d0b-5b7a-9c61-6b6f6d6d6374")


@dataclass(frozen=True)
class Collection:
    key: str
    title: str
    description: str
    readable: Callable[[Actor, Settings], bool]
    narrow: Callable[[Actor], tuple[Any, ...]]
    writable: Callable[[Actor], bool] = lambda actor: False

    @property
    def id(self) -> str:
        return str(uuid.uuid5(NAMESPACE, self.key))

    def reports(self, actor: Actor) -> Select[Any]:
        """The reports whose provenances make up this collection for ``actor``."""
        return visible_reports(actor).where(*self.narrow(actor))

    def resource(self, actor: Actor) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "description": self.description, "alias": self.key,
                "can_read": True, "can_write": self.writable(actor), "media_types": [media.STIX]}


COLLECTIONS: tuple[Collection, ...] = (
    Collection(
        "community", "Gemeinschaft / Community",
        "Alle Indikatoren, die Sie sehen dürfen, mit der am wenigsten einschränkenden TLP (wie /feeds/stix). "
        "Every indicator you may see, under the least restrictive TLP you may see it under (as /feeds/stix).",
        readable=lambda actor, settings: actor.is_authenticated,
        narrow=lambda actor: ()),
    Collection(
        "own", "Eigene Organisation / Own organisation",
        "Indikatoren aus Meldungen Ihrer Organisation; Analysten und Admins liefern hier per POST ein. "
        "Indicators of your organisation's reports; analysts and admins POST new ones here.",
        readable=lambda actor, settings: actor.is_authenticated and actor.org_id is not None,
        narrow=lambda actor: (Report.owner_org_id == actor.org_id,),
        writable=may_write),
    Collection(
        "clear", "TLP:CLEAR",
        "Nur TLP:CLEAR, auch ohne Anmeldung (sofern der Betreiber es nicht abgeschaltet hat). "
        "TLP:CLEAR only, also without credentials (unless the operator switched that off).",
        readable=lambda actor, settings: actor.is_authenticated or settings.taxii_public,
        narrow=lambda actor: (Report.tlp == TLP.clear.value,)),
)
BY_ID = {c.id: c for c in COLLECTIONS}


def readable(actor: Actor, settings: Settings) -> list[Collection]:
    return [c for c in COLLECTIONS if c.readable(actor, settings)]
