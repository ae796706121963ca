"""HTTP for subscriptions, through ``kommcert.outbound``'s checks: allowed hosts (also after each
redirect), the size cap and the timeout.

Two additions a subscription needs and a one-shot fetch does not:

* conditional requests: ``outbound.fetch`` answers 200 only, so a small transport turns a
  ``304 Not Modified`` into an empty 200 marked ``x-kommcert-not-modified`` (the validators are
  sent by the caller, and outbound's loop, checks and caps stay the one implementation);
* credentials stay with their origin: a redirect to another (allowed) host gets no
  ``Authorization`` header.

TAXII goes through ``taxii2-client``, which speaks ``requests``: :class:`GuardedSession` applies
the same rules there (allowed hosts, redirects only to the same origin, size cap, timeout) and keeps
the last answer's TAXII headers (``X-TAXII-Date-Added-Last``), which the client library drops.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import requests

from kommcert import outbound
from kommcert.config import Settings

NOT_MODIFIED = "x-kommcert-not-modified"


def origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def auth_headers(user: str, secret: str) -> dict[str, str]:
    """User and secret → Basic; the secret alone → Bearer (MISP, OpenCTI, kommcert tokens)."""
    if not secret:
        return {}
    if user:
        return {"Authorization": "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()}
    return {"Authorization": f"Bearer {secret}"}


class _Transport(httpx.BaseTransport):
    def __init__(self, home: tuple[str, str]) -> None:
        self.inner = httpx.HTTPTransport()
        self.home = home

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if origin(str(request.url)) != self.home:
            request.headers.pop("Authorization", None)
        response = self.inner.handle_request(request)
        if response.status_code != 304:
            return response
        response.close()
        headers = {k: v for k, v in response.headers.items() if k.lower() in ("etag", "last-modified")}
        return httpx.Response(200, headers={**headers, NOT_MODIFIED: "1", "content-length": "0"}, content=b"",
                              request=request)

    def close(self) -> None:
        self.inner.close()


@dataclass(frozen=True)
class Answer:
    content: bytes
    content_type: str
    etag: str
    last_modified: str
    not_modified: bool


def get(url: str, *, settings: Settings, user: str = "", secret: str = "", validators: dict[str, str] | None = None,
        accept: str = "", max_bytes: int | None = None) -> Answer:
    """GET through ``outbound.fetch``; with ``validators`` (etag, last_modified of the previous
    answer) a conditional GET whose 304 comes back as ``not_modified``."""
    headers = auth_headers(user, secret)
    if validators:
        if validators.get("etag"):
            headers["If-None-Match"] = validators["etag"]
        if validators.get("last_modified"):
            headers["If-Modified-Since"] = validators["last_modified"]
    with httpx.Client(transport=_Transport(origin(url)), timeout=settings.outbound_timeout,
                      follow_redirects=False) as client:
        got = outbound.fetch(url, settings=settings, max_bytes=max_bytes, accept=accept, headers=headers,
                             client=client)
    return Answer(content=got.content, content_type=got.content_type, etag=got.headers.get("etag", ""),
                  last_modified=got.headers.get("last-modified", ""), not_modified=NOT_MODIFIED in got.headers)


class GuardedSession(requests.Session):
    """A ``requests`` session for ``taxii2-client`` with outbound's rules."""

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.limit = settings.outbound_max_bytes
        self.last_headers: dict[str, str] = {}
        self.trust_env = False  # no proxies or .netrc from the environment: the allow-list decides

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["allow_redirects"] = False
        kwargs["stream"] = True
        kwargs.setdefault("timeout", self.settings.outbound_timeout)
        current = str(url)
        home = origin(current)
        try:
            for _ in range(outbound.MAX_REDIRECTS + 1):
                outbound.refuse_unless_allowed(current, self.settings)
                if origin(current) != home:
                    raise outbound.FetchError(
                        f"{outbound._short(current)}: Weiterleitung auf einen anderen Server abgelehnt",
                        f"{outbound._short(current)}: redirect to another server refused")
                response = super().request(method, current, *args, **kwargs)
                if response.is_redirect and "location" in response.headers:
                    response.close()
                    current = urljoin(current, response.headers["location"])
                    kwargs.pop("params", None)  # the Location names the whole address
                    continue
                self._read(response, current)
                self.last_headers = {k.lower(): v for k, v in response.headers.items()}
                return response
        except requests.Timeout:
            raise outbound.FetchError(f"{outbound._short(current)}: keine Antwort (Zeitüberschreitung)",
                                      f"{outbound._short(current)}: no answer (timeout)") from None
        except requests.RequestException as exc:
            raise outbound.FetchError(f"{outbound._short(current)}: nicht abrufbar ({type(exc).__name__})",
                                      f"{outbound._short(current)}: cannot be fetched ({type(exc).__name__})") from None
        raise outbound.FetchError(f"{outbound._short(str(url))}: zu viele Weiterleitungen",
                                  f"{outbound._short(str(url))}: too many redirects")

    def _read(self, response: requests.Response, url: str) -> None:
        """The body, at most the cap (declared or while reading); the response then reads as usual."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            response.close()
            raise outbound._too_large(url, self.limit)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(65536):
            size += len(chunk)
            if size > self.limit:
                response.close()
                raise outbound._too_large(url, self.limit)
            chunks.append(chunk)
        response._content = b"".join(chunks)  # noqa: SLF001 - what requests itself fills on .content
        response._content_consumed = True  # noqa: SLF001
