"""TAXII 2.1's error message (§ 3.6.1) for every 4xx/5xx under ``/taxii2/``.

Clients such as ``taxii2-client``, OpenCTI and MISP read ``title``/``description``/``http_status`` and
stop on anything else. The German text travels in ``details`` (the delivery layers of kommcert speak
German first; the TAXII fields are read by programs and logs, so English is the one they get first).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import Response

from kommcert.errors import DomainError
from kommcert.taxii.media import TAXII

# The challenge every 401 carries: SIEMs (Sentinel, Splunk) only send Basic after they were asked.
WWW_AUTHENTICATE = 'Basic realm="kommcert"'

TITLES = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    406: "Not Acceptable", 409: "Conflict", 413: "Request Entity Too Large", 415: "Unsupported Media Type",
    422: "Unprocessable Entity", 429: "Too Many Requests", 500: "Internal Server Error",
}


class TaxiiError(DomainError):
    """An error that only the TAXII endpoints raise (media types, cursor, filters)."""

    def __init__(self, status: int, de: str, en: str) -> None:
        super().__init__(de, en)
        self.status_code = status


def error_body(status: int, en: str, de: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"title": TITLES.get(status, "Error"), "description": en, "http_status": str(status)}
    if de and de != en:
        body["details"] = {"de": de, "en": en}
    return body


def error_response(status: int, en: str, de: str | None = None, headers: dict[str, str] | None = None) -> Response:
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return Response(json.dumps(error_body(status, en, de), ensure_ascii=False), status_code=status,
                    media_type=TAXII, headers=headers)


def error_bytes(status: int, en: str, de: str | None = None) -> bytes:
    """The body, for the body-limit middleware (which answers before any route or handler runs)."""
    return json.dumps(error_body(status, en, de), ensure_ascii=False).encode()


def is_taxii(path: str) -> bool:
    return path == "/taxii2" or path.startswith("/taxii2/")
