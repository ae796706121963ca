"""Notification use cases: tell users about an event, and each user's choice of at once or daily."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kommcert.accounts.models import User
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, PermissionDenied
from kommcert.jobs import service as jobs_service
from kommcert.notifications import registry
from kommcert.notifications.models import Notification, NotificationMode, NotificationState
from kommcert.sharing.actor import Actor

_SILENCED: ContextVar[bool] = ContextVar("notifications_silenced", default=False)


@contextmanager
def silenced() -> Iterator[None]:
    """Nobody is told of what happens inside: for writing a history that is not news (the demo
    data), never for real work."""
    token = _SILENCED.set(True)
    try:
        yield
    finally:
        _SILENCED.reset(token)


SEND = "notifications.send"
SEND_DIGEST = "notifications.send_digest"


def dedup_key(*, event: str, subject_type: str, subject_id: int, user_id: int, occurrence: str) -> str:
    raw = "\x00".join((event, subject_type, str(subject_id), str(user_id), occurrence))
    return hashlib.sha256(raw.encode()).hexdigest()


def _insert(db: Session, values: dict[str, Any]) -> int | None:
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.get_bind().dialect.name]
    stmt = (insert(Notification).values(**values)
            .on_conflict_do_nothing(index_elements=["dedup_key"]).returning(Notification.id))
    return db.scalar(stmt)


def notify(db: Session, *, event: str, subject_type: str, subject_id: int, recipients: Iterable[int],
           data: dict[str, Any] | None = None, key: str | int | None = None,
           mode: NotificationMode | str | None = None) -> list[Notification]:
    """Tell each recipient (user ids) about ``event`` on an object, in the caller's transaction.

    One row and, for users who want mail at once, one ``notifications.send`` job per recipient.
    The same event is not queued twice for a user: ``key`` names the occurrence (e.g. the timeline
    entry's id); without it, ``data`` does. ``mode`` (immediate or digest), when given, replaces
    each recipient's ``notification_mode`` (warnings have their own choice). Who is asked here is
    the caller's choice; whether they may see the object is checked again when the mail is sent.
    Inactive users are left out. Answers the notifications newly stored.
    """
    if not event or len(event) > 64 or not subject_type:
        raise ValueError("event and subject_type are required (event: at most 64 characters)")
    registry.get(subject_type)  # an unknown subject type is a programming error, found at once
    if _SILENCED.get():
        return []
    data = dict(data or {})
    occurrence = str(key) if key is not None else json.dumps(data, sort_keys=True, default=str)
    user_ids = sorted({int(r) for r in recipients})
    if not user_ids:
        return []
    users = db.execute(select(User.id, User.notification_mode)
                       .where(User.id.in_(user_ids), User.is_active.is_(True)).order_by(User.id)).all()
    stored: list[Notification] = []
    for user_id, user_mode in users:
        digest = (mode or user_mode) == NotificationMode.digest
        notification_id = _insert(db, {
            "dedup_key": dedup_key(event=event, subject_type=subject_type, subject_id=subject_id,
                                   user_id=user_id, occurrence=occurrence),
            "event": event, "subject_type": subject_type, "subject_id": subject_id, "user_id": user_id,
            "data": data, "created_at": utcnow(),
            "state": NotificationState.digest if digest else NotificationState.queued,
        })
        if notification_id is None:
            continue
        notification = db.get(Notification, notification_id)
        assert notification is not None
        if not digest:
            notification.job_id = jobs_service.enqueue(db, SEND, {"notification_id": notification_id}).id
        stored.append(notification)
    db.flush()
    return stored


def users_in_orgs(db: Session, org_ids: Iterable[int], *, roles: Iterable[str] | None = None) -> list[int]:
    """The active users of these organisations (optionally only some roles): recipients for
    ``notify``, e.g. the reporting municipality on a phase change or a CERT's analysts."""
    stmt = select(User.id).where(User.org_id.in_(list(org_ids)), User.is_active.is_(True)).order_by(User.id)
    if roles is not None:
        stmt = stmt.where(User.role.in_([str(r) for r in roles]))
    return list(db.scalars(stmt))


def set_mode(db: Session, *, actor: Actor, mode: str) -> User:
    """The acting person's own choice: every notification at once, or one digest a day."""
    if actor.user_id is None:
        raise PermissionDenied("Nur eine Person kann Benachrichtigungen einstellen.",
                               "Only a person can choose how to be notified.")
    try:
        chosen = NotificationMode(mode)
    except ValueError:
        raise InvalidInput("Bitte „sofort“ oder „täglich“ wählen.",
                           "Please choose 'immediate' or 'digest'.") from None
    user = db.get(User, actor.user_id)
    if user is None:
        raise PermissionDenied()
    user.notification_mode = str(chosen)
    db.flush()
    return user


def pending_digest(db: Session) -> dict[int, list[int]]:
    """Digest items not yet handed to a user's digest job: user id -> notification ids."""
    rows = db.execute(select(Notification.user_id, Notification.id)
                      .where(Notification.state == NotificationState.digest, Notification.job_id.is_(None))
                      .order_by(Notification.user_id, Notification.id)).all()
    out: dict[int, list[int]] = {}
    for user_id, notification_id in rows:
        out.setdefault(user_id, []).append(notification_id)
    return out
