"""Sightings back to a peer: what this instance's organisations saw of the indicators the peer sent.

For each peer with an outbound subscription (``Peer.subscription_id``): the indicators of that
subscription's reports whose provenance names the peer's STIX id (``source_ref`` =
``indicator--…``), and the sightings this instance's own organisations made of them (peers' sightings
stay here: they are not ours to pass on; false positives are not sightings). Per indicator one STIX
sighting with the sum of counts and the first and last time (:mod:`kommcert.federation.sightings`),
POSTed to the peer's collection with the subscription's credentials through ``outbound``'s rules.

A cursor (``Peer.push_cursor``: the highest sighting and provenance ids considered) limits a push to
the indicators with something new; a failed POST keeps the cursor, so the next run sends again (the
peer replaces by id, so sending twice never doubles). Runs as the periodic job ``federation-push``
and as ``kommcert peers push``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kommcert.config import Settings
from kommcert.db import utcnow
from kommcert.errors import DomainError
from kommcert.federation import sightings as stix_sightings
from kommcert.federation.models import Peer
from kommcert.indicators.models import Provenance, Sighting, SightingKind
from kommcert.orgs.models import Organization, OrgKind
from kommcert.outbound import _short

log = logging.getLogger("kommcert.federation")

CHUNK = 500  # sightings per POST
TAXII = "application/taxii+json;version=2.1"


@dataclass
class PushResult:
    peer_id: int
    sent: int = 0
    failed: int = 0  # sightings the peer named in its status failures
    ok: bool = True
    error: str = ""


def _report_ids(sub: Any) -> set[int]:
    """The reports a subscription fills: its first report and one per TLP (and per MISP event)."""
    cursor = sub.cursor or {}
    ids = {int(v) for v in (cursor.get("reports") or {}).values()}
    for event in (cursor.get("events") or {}).values():
        ids |= {int(v) for v in (event.get("reports") or {}).values()}
    if sub.report_id is not None:
        ids.add(sub.report_id)
    return ids


def pending(db: Session, peer: Peer, sub: Any, *, base_url: str, now: Any = None
            ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The sighting objects to send and the cursor to keep once they are sent."""
    reports = _report_ids(sub)
    cursor = dict(peer.push_cursor or {})
    top_sighting = db.scalar(select(func.max(Sighting.id))) or 0
    top_provenance = db.scalar(select(func.max(Provenance.id))) or 0
    new_cursor = {"sighting": top_sighting, "provenance": top_provenance}
    if not reports:
        return [], new_cursor
    refs: dict[int, str] = dict(db.execute(
        select(Provenance.indicator_id, func.min(Provenance.source_ref)).where(
            Provenance.report_id.in_(reports), Provenance.source_ref.like("indicator--%"),
            Provenance.id <= top_provenance).group_by(Provenance.indicator_id)).all())
    if not refs:
        return [], new_cursor
    newly_from_peer = set(db.scalars(select(Provenance.indicator_id).where(
        Provenance.report_id.in_(reports), Provenance.id > cursor.get("provenance", 0),
        Provenance.id <= top_provenance)))
    peers = select(Organization.id).where(Organization.kind == OrgKind.peer.value)
    ours = (Sighting.kind == SightingKind.seen.value, Sighting.owner_org_id.not_in(peers), Sighting.id <= top_sighting)
    newly_seen = set(db.scalars(select(Sighting.indicator_id).where(
        Sighting.id > cursor.get("sighting", 0), *ours)))
    wanted = sorted((newly_from_peer | newly_seen) & set(refs))
    objects: list[dict[str, Any]] = []
    now = now or utcnow()
    for start in range(0, len(wanted), 1000):
        rows = db.execute(select(Sighting.indicator_id, func.sum(Sighting.count), func.min(Sighting.first_seen),
                                 func.max(Sighting.last_seen))
                          .where(Sighting.indicator_id.in_(wanted[start:start + 1000]), *ours)
                          .group_by(Sighting.indicator_id)).all()
        for indicator_id, count, first, last in rows:
            objects.append(stix_sightings.sighting_object(
                base_url=base_url, indicator_ref=refs[indicator_id], count=int(count or 1), first_seen=first,
                last_seen=last, now=now))
    return objects, new_cursor


def push(db: Session, *, peer: Peer, settings: Settings) -> PushResult:
    """Send what is new to one peer; the peer row keeps how it went (never raises for the peer's faults)."""
    from kommcert.subscriptions import http
    from kommcert.subscriptions.models import Subscription

    result = PushResult(peer_id=peer.id)
    sub = db.get(Subscription, peer.subscription_id) if peer.subscription_id is not None else None
    if sub is None:
        return result
    objects, new_cursor = pending(db, peer, sub, base_url=settings.base_url)
    now = utcnow()
    try:
        for start in range(0, len(objects), CHUNK):
            chunk = objects[start:start + CHUNK]
            body = json.dumps({"objects": chunk}).encode()
            result.failed += _post(http.GuardedSession(settings), sub, body)
            result.sent += len(chunk)
    except DomainError as exc:
        result.ok, result.error = False, " ".join(exc.de.split())[:490]
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the other peers; no secrets in the log
        log.exception("peer %s: push failed", peer.id)
        result.ok, result.error = False, f"interner Fehler ({type(exc).__name__})"
    peer.last_push_at = now
    if result.ok:
        peer.push_cursor = new_cursor
        peer.sightings_sent += result.sent
        peer.last_push_error = (f"{result.failed} Sichtungen von der Partnerinstanz abgelehnt"
                                if result.failed else "")
    else:
        peer.last_push_error = result.error
    db.flush()
    return result


def push_url(collection_url: str) -> str:
    """Where the sightings go: the ``own`` collection of the peer's API root (every kommcert's collection
    ids are the same uuid5 values, ``taxii.collections``); a URL of another shape is used as it is."""
    from kommcert.taxii.collections import COLLECTIONS

    url = collection_url if collection_url.endswith("/") else collection_url + "/"
    root, sep, _ = url.rpartition("/collections/")
    own = next(c.id for c in COLLECTIONS if c.key == "own")
    return f"{root}/collections/{own}/" if sep else url


def _post(session: Any, sub: Any, body: bytes) -> int:
    """POST one envelope to the peer's collection; the number of sightings its status names as failed."""
    from kommcert.errors import InvalidInput

    url = push_url(sub.url)
    if sub.auth_user and sub.auth_secret:
        session.auth = (sub.auth_user, sub.auth_secret)
    elif sub.auth_secret:
        session.headers["Authorization"] = f"Bearer {sub.auth_secret}"
    try:
        response = session.request("POST", url + "objects/", data=body,
                                   headers={"Content-Type": TAXII, "Accept": TAXII})
    finally:
        session.close()
    name = _short(url)
    if response.status_code not in (200, 201, 202):
        raise InvalidInput(f"{name}: Sichtungen nicht angenommen (HTTP-Status {response.status_code})",
                           f"{name}: sightings not accepted (HTTP status {response.status_code})")
    try:
        status = json.loads(response.content)
    except ValueError:
        raise InvalidInput(f"{name}: keine TAXII-Statusantwort", f"{name}: no TAXII status answer") from None
    failures = status.get("failures") if isinstance(status, dict) else None
    return sum(1 for f in failures or [] if isinstance(f, dict) and str(f.get("id", "")).startswith("sighting--"))


def push_all(db: Session, *, settings: Settings) -> list[PushResult]:
    peers = db.scalars(select(Peer).where(Peer.subscription_id.is_not(None)).order_by(Peer.id)).all()
    results = []
    for peer in peers:
        with db.begin_nested():
            results.append(push(db, peer=peer, settings=settings))
    return results
