"""SMTP delivery: plain, STARTTLS or implicit TLS, with optional login. One function, no state."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from kommcert.config import Settings


class MailError(Exception):
    """A delivery failure with a one-line reason (never the password or the message body)."""


def _context(settings: Settings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.smtp_ca_file or None)


def _login(client: smtplib.SMTP, settings: Settings, host: str, port: int) -> None:
    try:
        client.login(settings.smtp_username, settings.smtp_password.get_secret_value())
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"SMTP login refused by {host}:{port} (code {exc.smtp_code})") from None
    except smtplib.SMTPException as exc:  # some servers hang up after a wrong password
        raise MailError(f"SMTP login refused by {host}:{port} ({type(exc).__name__})") from None


def send(settings: Settings, message: EmailMessage) -> None:
    if not settings.smtp_host:
        raise MailError("KOMMCERT_SMTP_HOST is not set; e-mail cannot be sent")
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.smtp_timeout
    try:
        if settings.smtp_security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=_context(settings))
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if settings.smtp_security == "starttls":
                client.starttls(context=_context(settings))
            if settings.smtp_username:
                _login(client, settings, host, port)
            refused = client.send_message(message)
    except smtplib.SMTPException as exc:
        raise MailError(f"SMTP error at {host}:{port}: {type(exc).__name__}") from None
    except (OSError, ssl.SSLError) as exc:
        raise MailError(f"cannot reach SMTP server {host}:{port}: {exc.strerror or type(exc).__name__}") from None
    if refused:
        raise MailError(f"SMTP server refused {len(refused)} recipient(s)")
