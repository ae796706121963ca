"""Every e-mail leaves through a job: queued in the caller's transaction, sent by the worker.

Callers pass the recipients they may address; the sharing policy decides who those are. Every
message goes to one address (its own To:, its own Message-ID fixed when queued). Notifications about
shared objects go through :mod:`kommcert.notifications`, which renders per user and re-checks
visibility when sending. This module only builds and delivers.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sqlalchemy.orm import Session

from kommcert.config import Settings
from kommcert.errors import InvalidInput
from kommcert.jobs import handlers
from kommcert.jobs import service as jobs_service
from kommcert.jobs.models import Job
from kommcert.mail import sender

KIND = "mail.send"
MAX_RECIPIENTS = 500


def message_id(settings: Settings, key: str) -> str:
    """A Message-ID made from a stable key (a job, a notification): a retried send carries the same one,
    so the recipient's mail system recognises the copy."""
    domain = settings.smtp_from.rpartition("@")[2].strip(" >") or "kommcert"
    local = "".join(ch if ch.isalnum() or ch in ".-_" else "-" for ch in key)[:120]
    return f"<kommcert.{local}@{domain}>"


def build(settings: Settings, *, to: str | Sequence[str], subject: str, text: str, html: str | None = None,
          reply_to: str | None = None, msgid: str | None = None) -> EmailMessage:
    """One message to exactly one address: recipients never see each other, and a refusal or a bounce
    concerns one person."""
    addresses = [to] if isinstance(to, str) else list(to)
    if len(addresses) != 1:
        raise ValueError("a message goes to exactly one recipient")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = addresses[0]
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = msgid or make_msgid(domain=settings.smtp_from.rpartition("@")[2] or "kommcert")
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(text, charset="utf-8")
    if html:
        message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def _check(recipients: list[str], subject: str) -> None:
    if not recipients or len(recipients) > MAX_RECIPIENTS or any(
            "@" not in a or "\n" in a or "\r" in a or "," in a for a in recipients):
        raise InvalidInput("Ungültige Empfängerliste.", "Invalid recipient list.")
    if "\n" in subject or "\r" in subject:
        raise InvalidInput("Der Betreff darf keinen Zeilenumbruch enthalten.", "The subject must be one line.")


def queue_mail(db: Session, *, to: list[str], subject: str, text: str, html: str | None = None,
               reply_to: str | None = None) -> list[Job]:
    """One job, and so one message, per recipient (never a shared To: header), each with its own
    Message-ID fixed now, so a retry sends the same one. (``to`` in the payload stays a list of one.)"""
    recipients = sorted({a.strip() for a in to if a and a.strip()})
    _check(recipients, subject)
    jobs = []
    for address in recipients:
        payload: dict[str, Any] = {"to": [address], "subject": subject, "text": text, "html": html,
                                   "reply_to": reply_to, "message_id": f"mail.{secrets.token_hex(16)}"}
        jobs.append(jobs_service.enqueue(db, KIND, payload))
    return jobs


def _legacy_message_id(payload: dict[str, Any], address: str) -> str:
    """Jobs queued before one-message-per-recipient (several addresses, no Message-ID): one message
    each, with an id from the content, the same on every retry."""
    digest = hashlib.sha256(json.dumps([payload, address], sort_keys=True).encode()).hexdigest()[:32]
    return f"mail.{digest}"


@handlers.register(KIND)
def send_mail(db: Session, payload: dict[str, Any], settings: Settings) -> None:
    to = payload["to"]
    addresses = [to] if isinstance(to, str) else list(to)
    for address in addresses:
        key = payload.get("message_id") if len(addresses) == 1 else None
        key = key or _legacy_message_id(payload, address)
        message = build(settings, to=address, subject=payload["subject"], text=payload["text"],
                        html=payload.get("html"), reply_to=payload.get("reply_to"), msgid=message_id(settings, key))
        sender.send(settings, message)
