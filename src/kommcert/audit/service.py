"""Write and read the audit log. Reads are limited to CERT admins (all), org admins (own org) and the
members of a CERT (their own CERT's entries)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from kommcert.audit.events import AuditEvent
from kommcert.audit.models import AuditEntry
from kommcert.db import is_write_lock_timeout, utcnow
from kommcert.errors import PermissionDenied
from kommcert.sharing.actor import Actor

log = logging.getLogger("kommcert.audit")


def _entry(event: AuditEvent, created_at: datetime) -> AuditEntry:
    return AuditEntry(
        created_at=created_at,
        action=event.action,
        actor_user_id=event.actor_user_id,
        org_id=event.org_id,
        object_type=event.object_type,
        object_id=None if event.object_id is None else str(event.object_id),
        subject=event.subject,
        ip=event.ip,
        detail=dict(event.detail),
    )


class _Backlog:
    """Entries a reading request could not write because a long writer (an import on SQLite) held
    the write lock beyond busy_timeout. The read is answered anyway; the entry, with its own time,
    is written after a later request (:func:`write_kept`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[tuple[AuditEvent, datetime]] = []

    def put(self, items: list[tuple[AuditEvent, datetime]]) -> None:
        with self._lock:
            self._items.extend(items)
            waiting = len(self._items)
        log.warning("%d audit entries wait for the database's write lock", waiting)

    def take(self) -> list[tuple[AuditEvent, datetime]]:
        with self._lock:
            items, self._items = self._items, []
        return items


_backlog = _Backlog()


def _write(db: Session, event: AuditEvent) -> tuple[AuditEntry, bool]:
    """Add the entry to the caller's transaction; ``False`` if it went to the backlog instead."""
    entry = _entry(event, utcnow())
    db.add(entry)
    try:
        db.flush()
    except OperationalError as exc:
        if not is_write_lock_timeout(exc):
            raise
        # The transaction had only read (SQLite takes the write lock before the first write), so
        # rolling it back loses nothing but this entry, which waits in the backlog: an audit write
        # never turns a read into an error.
        db.rollback()
        _backlog.put([(event, entry.created_at)])
        return entry, False
    return entry, True


def record(db: Session, event: AuditEvent) -> AuditEntry:
    return _write(db, event)[0]


_KEPT = "kommcert.audit.kept"


def record_kept(db: Session, event: AuditEvent) -> AuditEntry:
    """Record an entry that must outlive the caller's transaction: a denied look at a RED report
    is answered with 404, and the error rolls the request back. :func:`write_kept` writes it again
    if that happened."""
    entry, written = _write(db, event)
    if written:
        db.info.setdefault(_KEPT, []).append((event, entry.created_at))
    return entry


def write_kept(db: Session) -> None:
    """After a transaction ended: write the kept entries it rolled back, and the backlog, in a
    transaction of their own."""
    items = db.info.pop(_KEPT, []) + _backlog.take()
    if not items:
        return
    db.add_all(_entry(event, created_at) for event, created_at in items)
    try:
        db.commit()
    except OperationalError as exc:  # the database is busy or gone for now: keep them for later
        db.rollback()
        _backlog.put(items)
        if not is_write_lock_timeout(exc):
            raise


@event.listens_for(Session, "after_commit")
def _kept_are_written(session: Session) -> None:
    session.info.pop(_KEPT, None)


def count_since(db: Session, *, action: str, since: datetime, subject: str | None = None,
                ip: str | None = None) -> int:
    stmt = select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.created_at >= since
    )
    if subject is not None:
        stmt = stmt.where(AuditEntry.subject == subject)
    if ip is not None:
        stmt = stmt.where(AuditEntry.ip == ip)
    return db.scalar(stmt) or 0


def may_read(actor: Actor) -> bool:
    """Admins read their organisation's entries (CERT admins all); a CERT's analysts and members
    read their own CERT's entries (what the team imported, shared and exported), without addresses."""
    return actor.user_id is not None and (actor.is_admin or actor.is_cert)


def list_entries(
    db: Session, *, actor: Actor, org_id: int | None = None, action: str | None = None,
    limit: int = 100, before_id: int | None = None, user_id: int | None = None,
    object_type: str | None = None, object_id: str | None = None,
    since: datetime | None = None, until: datetime | None = None,
) -> Sequence[AuditEntry]:
    if not may_read(actor):
        raise PermissionDenied()
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(min(limit, 1000))
    if not actor.is_cert_admin:
        stmt = stmt.where(AuditEntry.org_id == actor.org_id)
    if org_id is not None:
        stmt = stmt.where(AuditEntry.org_id == org_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if user_id is not None:
        stmt = stmt.where(AuditEntry.actor_user_id == user_id)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    if since is not None:
        stmt = stmt.where(AuditEntry.created_at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.created_at < until)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    return db.scalars(stmt).all()
