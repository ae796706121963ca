"""The jobs that send notifications: one per notification, one per user's daily digest, and the
periodic job that starts the digests.

Each re-checks at send time that the user may see the object, renders in the user's language and
sends one message to one address. A TLP:RED object is named by a fixed subject and a link only: the
renderer's subject and text never reach the mail. The Message-ID comes from the notification (or the
digest's items), so a retried send carries the same one. Logs name notification ids only.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import User
from kommcert.config import Settings
from kommcert.db import utcnow
from kommcert.i18n import LOCALES, gettext_for, ngettext_for
from kommcert.jobs import handlers, schedule
from kommcert.jobs import service as jobs_service
from kommcert.mail import sender
from kommcert.mail import service as mail_service
from kommcert.notifications import registry
from kommcert.notifications.models import Notification, NotificationState
from kommcert.notifications.registry import RenderContext, Rendered
from kommcert.notifications.service import SEND, SEND_DIGEST, pending_digest
from kommcert.sharing.tlp import TLP

log = logging.getLogger("kommcert.notifications")

DIGEST = "notifications.digest"
DIGEST_AT = time(7, 0)


def language(user: User, settings: Settings) -> str:
    return user.locale if user.locale in LOCALES else settings.default_locale


def is_red(obj: Any) -> bool:  # noqa: ANN401
    return str(getattr(obj, "tlp", "") or "") == TLP.red


def _red_only(link: str, lang: str) -> Rendered:
    """What a mail may say about a TLP:RED object: that there is news, and where (after login)."""
    _ = gettext_for(lang)
    return Rendered(subject=_("kommcert: Neuigkeit unter TLP:RED"),
                    text=_("Es gibt eine Neuigkeit unter TLP:RED. Ihren Inhalt sendet kommcert nicht per "
                           "E-Mail; Sie sehen ihn nach der Anmeldung:") + f"\n\n{link}\n", link=link)


def prepare(db: Session, notification: Notification, user: User | None, settings: Settings) -> Rendered | None:
    """The notification rendered for its user now, or None when it must not be sent (any more)."""
    if user is None or not user.is_active:
        log.info("notification %s skipped: recipient inactive", notification.id)
        return None
    entry = registry.get(notification.subject_type)
    obj = entry.loader(db, notification.subject_id)
    if obj is None or not entry.check(db, accounts_service.actor_for(db, user), obj):
        log.info("notification %s skipped: recipient may not see its subject", notification.id)
        return None
    lang = language(user, settings)
    ctx = RenderContext(db=db, user=user, lang=lang, event=notification.event, data=dict(notification.data or {}),
                        base_url=settings.base_url)
    rendered = entry.renderer(obj, ctx)
    if is_red(obj):
        return _red_only(rendered.link, lang)
    return Rendered(subject=" ".join(rendered.subject.split())[:200], text=rendered.text, link=rendered.link,
                    html=rendered.html)


def message_key(notification: Notification) -> str:
    """The Message-ID's left part: the notification's id and a piece of its dedup key (so a database
    started afresh does not repeat an earlier installation's ids)."""
    return f"notification.{notification.id}.{notification.dedup_key[:12]}"


def digest_key(user_id: int, ids: list[int]) -> str:
    joined = ",".join(str(i) for i in sorted(ids))
    return f"digest.{user_id}.{hashlib.sha256(joined.encode()).hexdigest()[:16]}"


def _done(notification: Notification, state: NotificationState) -> None:
    notification.state = state
    notification.sent_at = utcnow() if state == NotificationState.sent else None


@handlers.register(SEND)
def send_notification(db: Session, payload: dict[str, Any], settings: Settings) -> dict[str, Any]:
    notification = db.get(Notification, int(payload["notification_id"]))
    if notification is None or notification.state != NotificationState.queued:
        return {"state": str(notification.state) if notification else "gone"}
    user = db.get(User, notification.user_id)
    rendered = prepare(db, notification, user, settings)
    if rendered is None or user is None:
        _done(notification, NotificationState.skipped)
        return {"state": "skipped"}
    message = mail_service.build(settings, to=user.email, subject=rendered.subject, text=rendered.text,
                                 html=rendered.html, msgid=mail_service.message_id(settings, message_key(notification)))
    sender.send(settings, message)
    _done(notification, NotificationState.sent)
    return {"state": "sent"}


@handlers.register(SEND_DIGEST)
def send_digest(db: Session, payload: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """One mail with every item of one user's digest that the user may still see."""
    ids = [int(i) for i in payload["ids"]]
    user = db.get(User, int(payload["user_id"]))
    items = db.scalars(select(Notification).where(Notification.id.in_(ids),
                                                  Notification.state == NotificationState.digest)
                       .order_by(Notification.id)).all()
    shown: list[tuple[Notification, Rendered]] = []
    for item in items:
        rendered = prepare(db, item, user, settings)
        if rendered is None:
            _done(item, NotificationState.skipped)
        else:
            shown.append((item, rendered))
    if not shown or user is None:
        return {"sent": 0, "skipped": len(items)}
    _ = gettext_for(language(user, settings))
    lines = [_("Ihre Neuigkeiten aus kommcert seit der letzten Zusammenfassung:"), ""]
    for _item, rendered in shown:
        lines += [f"- {rendered.subject}", f"  {rendered.link}"]
    lines += ["", _("Ob Sie sofort oder einmal täglich benachrichtigt werden, stellen Sie unter „Mein Konto“ ein: "
                    "{link}", link=f"{settings.base_url.rstrip('/')}/account")]
    n_ = ngettext_for(language(user, settings))
    message = mail_service.build(
        settings, to=user.email,
        subject=n_("kommcert: Zusammenfassung ({n} Neuigkeit)", "kommcert: Zusammenfassung ({n} Neuigkeiten)",
                   len(shown)),
        text="\n".join(lines) + "\n", msgid=mail_service.message_id(settings, digest_key(user.id, ids)))
    sender.send(settings, message)
    for item, _rendered in shown:
        _done(item, NotificationState.sent)
    return {"sent": len(shown), "skipped": len(items) - len(shown)}


@handlers.register(DIGEST)
def start_digests(db: Session, payload: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The daily tick: one ``notifications.send_digest`` job per user with waiting items."""
    users = 0
    for user_id, ids in pending_digest(db).items():
        job = jobs_service.enqueue(db, SEND_DIGEST, {"user_id": user_id, "ids": ids})
        for item in db.scalars(select(Notification).where(Notification.id.in_(ids))):
            item.job_id = job.id
        users += 1
    db.flush()
    return {"users": users}


schedule.register(schedule.Periodic("notification-digest", DIGEST, daily_at=DIGEST_AT,
                                    description="Tägliche Zusammenfassung der Benachrichtigungen versenden"))
