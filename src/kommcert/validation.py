"""Input types shared by the API, the pages and the schemas: what a request may carry at all.

No FastAPI here (domain schemas use these too). The request-level NUL refusal lives in
``deps.refuse_nul``; these types bound what the database can store, so a value no table can hold
is a 422 at the door instead of an overflow deep in a query.
"""

from __future__ import annotations

from typing import Annotated

import annotated_types as at
from pydantic import StringConstraints

# Ids are INTEGER on PostgreSQL (4 bytes) and at most 2**63-1 on SQLite: the smaller bound holds for both.
MAX_ID = 2**31 - 1

Id = Annotated[int, at.Interval(ge=1, le=MAX_ID)]
"""A database id in a path, query, form or body: 1 … 2**31-1, else 422."""

NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""A title or name: surrounding blanks are cut, a blank one is refused (add ``Field(max_length=…)``)."""

NUL = "\x00"


def has_nul(value: object) -> bool:
    """Whether a parsed JSON value (or a form field) carries a NUL character anywhere, keys included.

    PostgreSQL cannot store NUL in text, and no text a person types contains one."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


def parse_id(text: str) -> int | None:
    """A form field that names an id: its value, or None when it is not one (caller decides)."""
    text = text.strip()
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None
