"""Random secrets and their stored digests (for sessions and API tokens)."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "kc_"  # noqa: S105 - a prefix, not a secret


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_token() -> tuple[str, str]:
    """Return (token, lookup prefix). The prefix is not secret; it is shown in token lists."""
    token = TOKEN_PREFIX + new_secret(32)
    return token, token[: len(TOKEN_PREFIX) + 8]
