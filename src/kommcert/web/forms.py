"""Reading form fields for the pages' write use cases: each refusal is an ``InvalidInput`` with the
German message the page shows (and its English twin)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from kommcert.errors import InvalidInput


def local_time(text: str, tz: Any, what_de: str, what_en: str) -> datetime | None:
    """A ``datetime-local`` field (the reader's local time, KOMMCERT_TIMEZONE) as an aware UTC time;
    empty is None."""
    text = text.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what_de}: bitte Datum und Uhrzeit angeben (TT.MM.JJJJ HH:MM).",
                           f"{what_en}: please give a date and time.") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def choice(form: FormData, key: str, enum: Any, de: str, en: str) -> Any:
    """The enum member a select field names."""
    try:
        return enum(str(form.get(key, "")))
    except ValueError:
        raise InvalidInput(de, en) from None


def schema(model: Any, data: dict[str, Any], de: str, en: str) -> Any:
    """Validate form values with a pydantic model; any error is the one given message."""
    try:
        return model.model_validate(data)
    except ValidationError:
        raise InvalidInput(de, en) from None
