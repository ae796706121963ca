"""Write and read the audit log. Reads are limited to CERT admins (all) and org admins (own org)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from kommcert.audit.events import AuditEvent
from kommcert.audit.models import AuditEntry
from kommcert.errors import PermissionDenied
from kommcert.sharing.actor import Actor


def record(db: Session, event: AuditEvent) -> AuditEntry:
    entry = AuditEntry(
        action=event.action,
        actor_user_id=event.actor_user_id,
        org_id=event.org_id,
        object_type=event.object_type,
        object_id=None if event.object_id is None else str(event.object_id),
        subject=event.subject,
        ip=event.ip,
        detail=dict(event.detail),
    )
    db.add(entry)
    db.flush()
    return entry


_KEPT = "kommcert.audit.kept"


def record_kept(db: Session, event: AuditEvent) -> AuditEntry:
    """Record an entry that must outlive the caller's transaction: a denied look at a RED report
    is answered with 404, and the error rolls the request back. :func:`write_kept` writes it again
    if that happened."""
    db.info.setdefault(_KEPT, []).append(event)
    return record(db, event)


def write_kept(db: Session) -> None:
    """After a transaction ended: write the kept entries it rolled back, in one of their own."""
    kept = db.info.pop(_KEPT, None)
    if kept:
        for item in kept:
            record(db, item)
        db.commit()


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


def list_entries(
    db: Session, *, actor: Actor, org_id: int | None = None, action: str | None = None,
    limit: int = 100, before_id: int | None = None,
) -> Sequence[AuditEntry]:
    if not actor.is_admin:
        raise PermissionDenied()
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(min(limit, 1000))
    if not actor.is_cert_admin:
        stmt = stmt.where(AuditEntry.org_id == actor.org_id)
    if org_id is not None:
        stmt = stmt.where(AuditEntry.org_id == org_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    return db.scalars(stmt).all()
