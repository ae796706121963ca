"""STIX 2.1 ``sighting`` objects between instances: built for a peer, and taken from one.

Only counts travel sideways (DESIGN's rule): a sighting names the indicator (the receiving
instance's own id, which the sender knows as its provenance's ``source_ref``), how often and when,
and as the place only the *sending instance's* identity, never which municipality saw it.

The receiver stores one :class:`~kommcert.indicators.models.Sighting` per STIX sighting id, owned by
the peer's organisation (``idempotency_key`` = the id): a re-sent sighting updates count and times,
never doubles. An unknown indicator, one the peer may not see, or a malformed object is named in the
answer's failures; the others are stored.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.db import utcnow
from kommcert.federation.models import Peer
from kommcert.indicators import service as indicators_service
from kommcert.indicators.models import Indicator, Provenance, Sighting, SightingKind
from kommcert.sharing.actor import Actor
from kommcert.sharing.tlp import TLP

# Names this instance's STIX identity and its sightings' ids: stable across runs, distinct per instance.
NAMESPACE = uuid.UUID("5f0c3a52-8a5e-4d0e-9d3c-6b0f1f6e2a17")
_ID = re.compile(r"^(indicator|sighting)--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_COUNT = 999_999_999  # STIX's upper bound for count
LOG_SOURCE = "Partnerinstanz (kommcert)"


def identity_id(base_url: str) -> str:
    """This instance's STIX identity, derived from its public address (the same on every run)."""
    return f"identity--{uuid.uuid5(NAMESPACE, base_url.rstrip('/'))}"


def identity_object(base_url: str, name: str) -> dict[str, Any]:
    stamp = "2020-01-01T00:00:00.000Z"  # fixed: the object never changes, so re-sending it changes nothing
    return {"type": "identity", "spec_version": "2.1", "id": identity_id(base_url), "created": stamp,
            "modified": stamp, "name": name, "identity_class": "organization"}


def stix_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def sighting_object(*, base_url: str, indicator_ref: str, count: int, first_seen: datetime,
                    last_seen: datetime, now: datetime) -> dict[str, Any]:
    """One indicator's sightings at this instance, as one STIX sighting; its id depends on the instance
    and the indicator only, so the next push replaces it at the peer."""
    me = identity_id(base_url)
    return {
        "type": "sighting", "spec_version": "2.1",
        "id": f"sighting--{uuid.uuid5(NAMESPACE, me + '|' + indicator_ref)}",
        "created": stix_time(first_seen), "modified": stix_time(now), "created_by_ref": me,
        "sighting_of_ref": indicator_ref, "count": max(1, min(count, MAX_COUNT)),
        "first_seen": stix_time(first_seen), "last_seen": stix_time(max(last_seen, first_seen)),
        "where_sighted_refs": [me],
    }


@dataclass
class Received:
    stored: list[str] = field(default_factory=list)  # ids stored (new or updated)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (id, German, English)


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


def _check(obj: dict[str, Any]) -> tuple[str, str] | None:
    """(German, English) of what is wrong with a sighting object, or None."""
    if obj.get("type") != "sighting" or not isinstance(obj.get("id"), str) or not _ID.match(obj["id"]) \
            or not obj["id"].startswith("sighting--"):
        return ("keine gültige STIX-Sichtung", "not a valid STIX sighting")
    ref = obj.get("sighting_of_ref")
    if not isinstance(ref, str) or not _ID.match(ref) or not ref.startswith("indicator--"):
        return ("sighting_of_ref nennt keinen Indikator", "sighting_of_ref names no indicator")
    count = obj.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
        return ("count muss zwischen 1 und 999.999.999 liegen", "count must lie between 1 and 999,999,999")
    for name in ("first_seen", "last_seen"):
        if name in obj and _time(obj[name]) is None:
            return (f"{name} ist keine Zeitangabe", f"{name} is not a timestamp")
    return None


def receive(db: Session, *, actor: Actor, objects: list[dict[str, Any]]) -> Received:
    """A peer's sightings (the TAXII POST hook for type ``sighting``). Only a peer's credential sends
    them: everyone else's are failures, as are indicators the peer cannot see (named the same as
    unknown ones, so the answer tells nothing about hidden data)."""
    result = Received()
    peer = db.scalar(select(Peer).where(Peer.org_id == actor.org_id)) if actor.is_peer else None
    if peer is None or not actor.can_write:
        for obj in objects:
            result.failures.append((str(obj.get("id", ""))[:100], "Sichtungen nimmt kommcert nur von Partnerinstanzen "
                                    "an", "kommcert takes sightings from peer instances only"))
        return result
    checked: list[dict[str, Any]] = []
    for obj in objects:
        problem = _check(obj)
        if problem is not None:
            result.failures.append((str(obj.get("id", ""))[:100], *problem))
        else:
            checked.append(obj)
    by_uuid = {uuid.UUID(o["sighting_of_ref"].removeprefix("indicator--")) for o in checked}
    known = dict(db.execute(select(Indicator.uuid, Indicator.id).where(Indicator.uuid.in_(by_uuid))).all()) \
        if by_uuid else {}
    visible = set(db.scalars(select(Provenance.indicator_id).where(
        Provenance.indicator_id.in_(list(known.values())),
        Provenance.report_id.in_(indicators_service.visible_reports(actor))))) if known else set()
    existing = {s.idempotency_key: s for s in db.scalars(select(Sighting).where(
        Sighting.owner_org_id == actor.org_id, Sighting.idempotency_key.in_([o["id"] for o in checked])))} \
        if checked else {}
    now = utcnow()
    for obj in checked:
        indicator_id = known.get(uuid.UUID(obj["sighting_of_ref"].removeprefix("indicator--")))
        if indicator_id is None or indicator_id not in visible:
            result.failures.append((obj["id"], "Indikator unbekannt", "unknown indicator"))
            continue
        first = _time(obj.get("first_seen")) or _time(obj.get("last_seen")) or now
        last = max(_time(obj.get("last_seen")) or first, first)
        row = existing.get(obj["id"])
        if row is not None and row.indicator_id != indicator_id:
            result.failures.append((obj["id"], "dieselbe Sichtung nennt einen anderen Indikator",
                                    "the same sighting names another indicator"))
            continue
        if row is None:
            row = Sighting(indicator_id=indicator_id, kind=SightingKind.seen, idempotency_key=obj["id"],
                           owner_org_id=actor.org_id, created_by_id=actor.user_id, tlp=TLP.amber, upward=True,
                           log_source=LOG_SOURCE, first_seen=first, last_seen=last, count=obj.get("count", 1))
            db.add(row)
            existing[obj["id"]] = row
        else:
            row.first_seen, row.last_seen, row.count = first, last, obj.get("count", 1)
        result.stored.append(obj["id"])
    if result.stored:
        peer.last_received_at = now
        peer.sightings_received += len(result.stored)
        db.flush()
    audit_service.record(db, AuditEvent(events.SHARED, actor_user_id=actor.user_id, org_id=actor.org_id,
                                        object_type="sightings", detail={"peer": True, "stored": len(result.stored),
                                                                         "failed": len(result.failures)}))
    return result


def taxii_handler(ingest: Any, objects: list[dict[str, Any]]) -> None:
    """The TAXII POST hook (``taxii.ingest.HANDLERS["sighting"]``): store, and report each object."""
    done = receive(ingest.db, actor=ingest.actor, objects=objects)
    failed = {ref: (de, en) for ref, de, en in done.failures}
    stored = set(done.stored)
    for obj in objects:
        ref = str(obj.get("id", ""))[:100]
        if ref in stored:
            ingest.succeed(obj)
        else:
            de, en = failed.get(ref, ("nicht gespeichert", "not stored"))
            ingest.fail(obj, de, en)
