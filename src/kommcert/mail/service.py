"""Every e-mail leaves through a job: queued in the caller's transaction, sent by the worker.

Callers pass the recipients they may address; the sharing policy decides who those are (later
issues: warnings, incident notifications). This module only builds and delivers.
"""

from __future__ import annotations

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


def build(settings: Settings, *, to: list[str], subject: str, text: str, html: str | None = None,
          reply_to: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or "kommcert")
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(text, charset="utf-8")
    if html:
        message.add_alternative(html, subtype="html", charset="utf-8")
    return message


def queue_mail(db: Session, *, to: list[str], subject: str, text: str, html: str | None = None,
               reply_to: str | None = None) -> Job:
    recipients = sorted({a.strip() for a in to if a and a.strip()})
    if not recipients or len(recipients) > MAX_RECIPIENTS or any("@" not in a or "\n" in a for a in recipients):
        raise InvalidInput("Ungültige Empfängerliste.", "Invalid recipient list.")
    if "\n" in subject or "\r" in subject:
        raise InvalidInput("Der Betreff darf keinen Zeilenumbruch enthalten.", "The subject must be one line.")
    payload: dict[str, Any] = {"to": recipients, "subject": subject, "text": text, "html": html,
                               "reply_to": reply_to}
    return jobs_service.enqueue(db, KIND, payload)


@handlers.register(KIND)
def send_mail(db: Session, payload: dict[str, Any], settings: Settings) -> None:
    message = build(settings, to=payload["to"], subject=payload["subject"], text=payload["text"],
                    html=payload.get("html"), reply_to=payload.get("reply_to"))
    sender.send(settings, message)
