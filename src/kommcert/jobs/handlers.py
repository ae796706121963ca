"""Registry of job handlers: ``@register("mail.send")`` on ``fn(db, payload, settings)``.

A handler may return a dict: it is kept as the job's ``result`` (in the transaction of its work).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from kommcert.config import Settings

Handler = Callable[[Session, dict[str, Any], Settings], dict[str, Any] | None]
_HANDLERS: dict[str, Handler] = {}


class UnknownJobKind(Exception):
    pass


def register(kind: str) -> Callable[[Handler], Handler]:
    def decorator(fn: Handler) -> Handler:
        _HANDLERS[kind] = fn
        return fn

    return decorator


def get(kind: str) -> Handler:
    _load_builtin()
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise UnknownJobKind(f"no handler for job kind {kind!r}") from None


def _load_builtin() -> None:
    from kommcert.incidents import deadline_jobs as _deadlines  # noqa: F401 - registers incidents.deadline_reminders
    from kommcert.indicators import import_jobs as _imports  # noqa: F401 - registers indicators.import
    from kommcert.jobs import schedule as _schedule  # noqa: F401 - registers housekeeping.*
    from kommcert.mail import service as _mail  # noqa: F401 - registers mail.send
    from kommcert.notifications import jobs as _notifications  # noqa: F401 - registers notifications.*
