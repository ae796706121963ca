"""POST to a collection (TAXII 2.1 § 5.4): an envelope of STIX objects becomes indicators of one report
of the caller's organisation, and a status resource says what happened to each object.

All or nothing: the body must be JSON, an envelope (``{"objects": [...]}``) of STIX objects (a
``type`` and an ``id`` each), and every indicator must pass the STIX reader (``formats/stix.py``):
one :class:`Reject` (a malformed pattern, a field of the wrong type) refuses the whole POST with 422
and nothing is stored, as a strict import does. Valid objects that carry nothing to store — a
pattern on ``file:name``, a Sigma rule, object types this server does not keep — are the status's
``failures`` with a message, never fatal. The import itself is ``indicators.importing`` in the
request's transaction: one report per POST and TLP (the objects' markings; without one the STIX
import's default, TLP:AMBER), titled "TAXII-Einlieferung <time>".

**Extending:** :data:`HANDLERS` maps an object type to the function that takes the envelope's objects of
that type (in envelope order) and reports each one's outcome on the :class:`Ingest`. Federation adds
``sighting`` with ``register("sighting", handler)``; a handler runs in the same transaction, so its
writes roll back with the rest when another object is refused.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kommcert.config import Settings
from kommcert.db import utcnow
from kommcert.errors import InvalidInput
from kommcert.indicators import importing
from kommcert.indicators.formats import stix
from kommcert.indicators.formats.records import GroupInfo, IndicatorRecord, Reject, Skip
from kommcert.sharing.actor import Actor
from kommcert.taxii.models import TaxiiStatus

NAMED_REJECTS = 5  # rejects a 422 names


def _refused(de: str, en: str) -> InvalidInput:
    return InvalidInput(de, en)


@dataclass
class Ingest:
    """One POST: its objects, and what became of each (successes and failures, in envelope order)."""

    db: Session
    actor: Actor
    settings: Settings
    collection_id: str
    objects: list[dict[str, Any]]
    received: datetime = field(default_factory=utcnow)
    successes: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    report_ids: list[int] = field(default_factory=list)

    @staticmethod
    def _detail(obj: dict[str, Any], message: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {"id": str(obj.get("id"))[:200]}
        version = obj.get("modified") or obj.get("created")
        if isinstance(version, str):
            out["version"] = version[:40]
        if message:
            out["message"] = message[:1000]
        return out

    def succeed(self, obj: dict[str, Any], message: str | None = None) -> None:
        self.successes.append(self._detail(obj, message))

    def fail(self, obj: dict[str, Any], de: str, en: str) -> None:
        self.failures.append(self._detail(obj, f"{de} / {en}"))


Handler = Callable[[Ingest, list[dict[str, Any]]], None]


def _indicators(ingest: Ingest, objects: list[dict[str, Any]]) -> None:
    """Indicators and the observables the STIX import reads, through the STIX reader and the importer."""
    markings = [o for o in ingest.objects if o.get("type") == "marking-definition"]
    stream = io.BytesIO(json.dumps({"type": "bundle", "objects": markings + objects}).encode())
    items: list[IndicatorRecord | GroupInfo] = []
    made: dict[str, int] = {}  # object id -> records
    skipped: dict[str, Skip] = {}
    rejects: list[Reject] = []
    for item in stix.read(stream, source="TAXII"):
        if isinstance(item, IndicatorRecord):
            items.append(item)
            made[item.source_ref or ""] = made.get(item.source_ref or "", 0) + 1
        elif isinstance(item, Reject):
            rejects.append(item)
        elif isinstance(item, Skip):
            skipped.setdefault(item.where.removeprefix("Objekt "), item)
        elif not item.starts_report:
            items.append(item)
    if rejects:
        shown = rejects[:NAMED_REJECTS]
        more = len(rejects) - len(shown)
        raise _refused("Ungültige STIX-Objekte, nichts gespeichert: " + "; ".join(r.de for r in shown)
                       + (f" … und {more} weitere" if more else ""),
                       "Invalid STIX objects, nothing stored: " + "; ".join(r.en for r in shown)
                       + (f" … and {more} more" if more else ""))
    if made:
        when = ingest.received.strftime("%Y-%m-%d %H:%M:%S UTC")
        options = importing.ImportOptions(title=f"TAXII-Einlieferung {when}", source="TAXII")
        options.lifetimes = ingest.settings.ioc_lifetime_days
        result = importing.import_records(ingest.db, actor=ingest.actor, items=items, options=options)
        ingest.report_ids += result.reports
    for obj in objects:
        ref = obj["id"][:100]
        if obj["id"] in made:
            ingest.succeed(obj)
        elif ref in skipped:
            ingest.fail(obj, skipped[ref].de, skipped[ref].en)
        else:
            ingest.fail(obj, "Nichts Blockierbares enthalten.", "Holds nothing blockable.")


def _markings(ingest: Ingest, objects: list[dict[str, Any]]) -> None:
    """TLP marking definitions are understood (they mark the indicators); others are not kept."""
    for obj in objects:
        if obj["id"] in stix.TLP_MARKINGS:
            ingest.succeed(obj, "TLP-Markierung angewandt / TLP marking applied")
        else:
            ingest.fail(obj, "Nur TLP-Markierungen werden verstanden.", "Only TLP markings are understood.")


def _sightings(ingest: Ingest, objects: list[dict[str, Any]]) -> None:
    """A peer instance's sightings of our indicators (``kommcert.federation.sightings``)."""
    from kommcert.federation import sightings

    sightings.taxii_handler(ingest, objects)


HANDLERS: dict[str, Handler] = {
    "indicator": _indicators, **{kind: _indicators for kind in (*stix.SCO_TYPES, "file")},
    "marking-definition": _markings, "sighting": _sightings,
}


def register(kind: str, handler: Handler) -> None:
    """Add (or replace) the handler of a STIX object type, e.g. ``sighting`` for federation."""
    HANDLERS[kind] = handler


def parse_envelope(body: bytes) -> list[dict[str, Any]]:
    """The objects of a TAXII envelope (a STIX bundle is accepted too: it has ``objects`` as well)."""
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError):
        raise _refused("Der Inhalt ist kein JSON.", "The body is not JSON.") from None
    objects = envelope.get("objects") if isinstance(envelope, dict) else None
    if not isinstance(objects, list) or not objects:
        raise _refused("Erwartet wird ein Umschlag {\"objects\": [...]} mit STIX-Objekten.",
                       "Expected an envelope {\"objects\": [...]} of STIX objects.")
    for n, obj in enumerate(objects, 1):
        if not isinstance(obj, dict) or not isinstance(obj.get("type"), str) or not isinstance(obj.get("id"), str):
            raise _refused(f"Objekt Nr. {n} ist kein STIX-Objekt (type und id fehlen).",
                           f"Object no. {n} is not a STIX object (type and id missing).")
    return objects


def ingest(db: Session, *, actor: Actor, settings: Settings, collection_id: str, body: bytes) -> TaxiiStatus:
    """Store what the envelope carries; the status resource, kept for the caller's organisation."""
    objects = parse_envelope(body)
    run = Ingest(db, actor, settings, collection_id, objects)
    by_handler: dict[Handler, list[dict[str, Any]]] = {}
    for obj in objects:
        handler = HANDLERS.get(obj["type"])
        if handler is None:
            continue
        by_handler.setdefault(handler, []).append(obj)
    for handler, group in by_handler.items():
        handler(run, group)
    if actor.is_peer and run.report_ids:  # what a peer sends never travels on to a third instance at AMBER
        from kommcert.federation.service import mark_received

        mark_received(db, run.report_ids)
    for obj in objects:
        if obj["type"] not in HANDLERS:
            run.fail(obj, f"Objekttyp {obj['type'][:60]} wird hier nicht gespeichert.",
                     f"Object type {obj['type'][:60]} is not stored here.")
    status = TaxiiStatus(
        id=str(uuid.uuid4()), org_id=actor.org_id, user_id=actor.user_id, collection_id=collection_id,
        status="complete", request_timestamp=run.received, total_count=len(objects),
        success_count=len(run.successes), failure_count=len(run.failures), pending_count=0,
        successes=run.successes, failures=run.failures, report_ids=run.report_ids)
    db.add(status)
    db.flush()
    return status


def status_resource(status: TaxiiStatus) -> dict[str, Any]:
    from kommcert.taxii.objects import taxii_time

    return {"id": status.id, "status": status.status, "request_timestamp": taxii_time(status.request_timestamp),
            "total_count": status.total_count, "success_count": status.success_count,
            "successes": status.successes, "failure_count": status.failure_count, "failures": status.failures,
            "pending_count": status.pending_count, "pendings": []}
