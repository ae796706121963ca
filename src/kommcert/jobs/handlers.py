"""Registry of job handlers: ``@register("mail.send")`` on ``fn(db, payload, settings)``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from kommcert.config import Settings

Handler = Callable[[Session, dict[str, Any], Settings], None]
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
    from kommcert.mail import service as _mail  # noqa: F401 - registers mail.send
