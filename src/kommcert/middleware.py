"""ASGI middleware: request body limit and security headers."""

from __future__ import annotations

import json
import re
from typing import Any

Scope = dict[str, Any]


class BodyLimitMiddleware:
    """Refuse bodies over ``max_bytes`` with 413, by Content-Length or while streaming."""

    def __init__(self, app: Any, max_bytes: int, uploads: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Paths that take files (indicator imports, report attachments) get their own limit; the keys
        # are regular expressions matched against the whole path.
        self.uploads = [(re.compile(pattern), limit) for pattern, limit in (uploads or {}).items()]

    def limit_for(self, path: str) -> int:
        return next((limit for pattern, limit in self.uploads if pattern.fullmatch(path)), self.max_bytes)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._reject(scope, send)
            return
        seen = 0
        response_started = False
        rejected = False

        async def limited_receive() -> Any:
            # Frameworks swallow exceptions raised while they read the body (FastAPI answers 400),
            # so answer 413 here and tell the app the client has gone.
            nonlocal seen, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    rejected = True
                    if not response_started:
                        await self._reject(scope, send)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal response_started
            if rejected:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        await self.app(scope, limited_receive, tracking_send)

    async def _reject(self, scope: Scope, send: Any) -> None:
        content_type = b"application/json"
        body = json.dumps({
            "detail": "Anfrage zu groß / Request body too large",
            "de": "Die Anfrage ist zu groß.",
            "en": "Request body too large.",
        }).encode()
        from kommcert.taxii import errors as taxii_errors

        if taxii_errors.is_taxii(scope.get("path", "")):  # TAXII clients read TAXII's error message
            content_type = taxii_errors.TAXII.encode()
            body = taxii_errors.error_bytes(413, f"Request body too large (at most {self.limit_for(scope['path'])} "
                                                 "bytes).", "Die Anfrage ist zu groß.")
        await send({"type": "http.response.start", "status": 413, "headers": [
            (b"content-type", content_type), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]})
        await send({"type": "http.response.body", "body": body})


SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy",
     b"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
     b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
]


HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def _served_over_tls(scope: Scope) -> bool:
    """TLS here (uvicorn with a certificate), at a proxy uvicorn trusts (``--proxy-headers`` turns
    X-Forwarded-Proto into the scheme), or a public base URL on https (browsers ignore HSTS on
    plain-HTTP answers, so sending it there does no harm)."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
    return bool(settings is not None and str(getattr(settings, "base_url", "")).startswith("https://"))


class SecurityHeadersMiddleware:
    """Security headers on every answer; pages are never stored by browsers or proxies (a shared
    computer's back button or disk cache must not show a TLP:AMBER report after logout)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tls = _served_over_tls(scope)

        async def add_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                existing = {k.lower(): v for k, v in headers}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in existing]
                if existing.get(b"content-type", b"").startswith(b"text/html") and b"cache-control" not in existing:
                    extra.append((b"cache-control", b"no-store"))
                if tls and HSTS[0] not in existing:
                    extra.append(HSTS)
                message["headers"] = headers + extra
            await send(message)

        await self.app(scope, receive, add_headers)
