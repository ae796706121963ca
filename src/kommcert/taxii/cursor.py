"""The ``next`` of a page: a stateless keyset cursor over (date_added, provenance id).

Servers that keep paging state (medallion, OpenTAXII) expire it or grow with the page number; this
one is the position itself, so page 1,000 costs what page 1 costs and a cursor never expires. It is
signed (HMAC-SHA256 with a key derived from ``KOMMCERT_SECRET_KEY``) so that a forged or damaged one
is refused with 400 instead of being read as some other position. It says nothing secret: a time and
a row id the client was on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from datetime import UTC, datetime, timedelta

from kommcert.taxii.errors import TaxiiError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LAYOUT = struct.Struct(">qq")  # microseconds since 1970, provenance id
_TAG = 12  # bytes of the MAC kept: 96 bits


def cursor_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"kommcert taxii cursor v1", hashlib.sha256).digest()


def encode(key: bytes, added_at: datetime, row_id: int) -> str:
    micros = (added_at - EPOCH) // timedelta(microseconds=1)
    payload = _LAYOUT.pack(micros, row_id)
    tag = hmac.new(key, payload, hashlib.sha256).digest()[:_TAG]
    return base64.urlsafe_b64encode(payload + tag).decode().rstrip("=")


def decode(key: bytes, text: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raw = b""
    if len(raw) != _LAYOUT.size + _TAG or not hmac.compare_digest(
            hmac.new(key, raw[:_LAYOUT.size], hashlib.sha256).digest()[:_TAG], raw[_LAYOUT.size:]):
        raise TaxiiError(400, "„next“ ist kein Wert, den dieser Server ausgegeben hat.",
                         "'next' is not a value this server handed out.")
    micros, row_id = _LAYOUT.unpack(raw[:_LAYOUT.size])
    return EPOCH + timedelta(microseconds=micros), row_id
