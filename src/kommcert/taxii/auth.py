"""Who sends a TAXII request: ``Basic`` (any user name, an API token as password), ``Bearer kc_…``, or
``Token kc_…`` (what ``taxii2-client``'s TokenAuth sends); nothing at all is anonymous.

The password of a Basic header is only ever looked up as an API token (its SHA-256), never checked
as an account password: argon2 is slow by design (OpenTAXII spends 92 % of a request on it) and a
password here would bypass the second factor. The user name is not checked (SIEMs put fixed or
empty names there; the token alone, 256 random bits, identifies its owner) — documented for admins.

Resolved tokens are kept per process for ``KOMMCERT_TAXII_TOKEN_CACHE_SECONDS`` (30 s), keyed by the
token's SHA-256, at most ``MAX_ITEMS``: a SIEM polling with Basic on every request costs no token
query within that time. A revoked or expired token, or a deactivated person, is therefore refused
at the latest that long after the change. Feed and scan tokens of an organisation read the TAXII
collections (TAXII is a feed) but never write.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections import OrderedDict

from fastapi import Request
from sqlalchemy.orm import Session

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import Role, TokenScope
from kommcert.accounts.secrets import digest
from kommcert.config import Settings
from kommcert.deps import client_ip
from kommcert.sharing.actor import ANONYMOUS, Actor
from kommcert.taxii.errors import TaxiiError

MAX_ITEMS = 10_000


class TokenCache:
    """Actors of resolved tokens by the token's digest, each for ``seconds``; least recently used first out."""

    def __init__(self, seconds: float, max_items: int = MAX_ITEMS) -> None:
        self.seconds, self.max_items = seconds, max_items
        self._items: OrderedDict[str, tuple[float, Actor]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Actor | None:
        with self._lock:
            kept = self._items.get(key)
            if kept is None:
                return None
            if kept[0] <= time.monotonic():
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return kept[1]

    def put(self, key: str, actor: Actor) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = (time.monotonic() + self.seconds, actor)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_CACHE_LOCK = threading.Lock()


def token_cache(request: Request, settings: Settings) -> TokenCache:
    cache = getattr(request.app.state, "taxii_tokens", None)
    if cache is None:
        with _CACHE_LOCK:
            cache = getattr(request.app.state, "taxii_tokens", None)
            if cache is None:
                cache = request.app.state.taxii_tokens = TokenCache(settings.taxii_token_cache_seconds)
    return cache


def _unauthorized(de: str = "Token ungültig, abgelaufen oder widerrufen.",
                  en: str = "Token invalid, expired or revoked.") -> TaxiiError:
    return TaxiiError(401, de, en)


def credential(header: str) -> str:
    """The token a header carries; 401 for a scheme or form we do not take."""
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    scheme = scheme.lower()
    if scheme in ("bearer", "token") and value:
        return value
    if scheme == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise _unauthorized("Basic-Anmeldedaten sind nicht lesbar.", "Basic credentials cannot be read.") from None
        _user, sep, password = decoded.partition(":")
        if sep and password:
            return password
    raise _unauthorized("Anmeldung mit Basic (Passwort: API-Token), Bearer oder Token.",
                        "Authenticate with Basic (password: an API token), Bearer or Token.")


def taxii_actor(request: Request, db: Session, settings: Settings) -> Actor:
    """The caller; anonymous without an Authorization header. A wrong token is a 401 (and the audit
    entry ``resolve_token`` writes, kept although the request fails), never a silent downgrade."""
    header = request.headers.get("authorization")
    if not header:
        return ANONYMOUS
    text = credential(header)
    cache = token_cache(request, settings)
    key = digest(text)
    actor = cache.get(key)
    if actor is not None:
        return actor
    token = accounts_service.resolve_token(db, text, ip=client_ip(request))
    if token is None:
        db.commit()  # keep the audit entry of the rejected token
        raise _unauthorized()
    actor = accounts_service.actor_for_token(db, token)
    cache.put(key, actor)
    return actor


def may_write(actor: Actor) -> bool:
    """POSTs to the own organisation's collection: an analyst or admin of it, with a credential that
    writes (a person's read-write token; never an organisation's feed, scan or read token)."""
    return (actor.user_id is not None and not actor.service and actor.can_write
            and actor.role in (Role.analyst, Role.admin)
            and actor.token_scope in (None, TokenScope.read_write))
