"""Every fetch from another server: only from hosts the operator allowed (``KOMMCERT_OUTBOUND_HOSTS``),
with a timeout and a size cap, following redirects only while they stay on allowed hosts.

One door for MISP feeds on the import page and for CSAF sources, so a page or a source an analyst
registers cannot be used to reach internal systems (SSRF), and a hostile server cannot make us read
without end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from kommcert.config import Settings
from kommcert.errors import InvalidInput

MAX_REDIRECTS = 5


class FetchError(InvalidInput):
    """A fetch that failed: not allowed, not reachable, not 200, too large. One line, German and English."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    content: bytes
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def allowed_hosts(settings: Settings) -> list[str]:
    names = f"{settings.outbound_hosts},{settings.misp_feed_hosts}"
    return sorted({h.strip().lower().rstrip(".") for h in names.split(",") if h.strip()})


def is_allowed(url: str, settings: Settings) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in ("http", "https") or not host:
        return False
    for entry in allowed_hosts(settings):
        if entry.startswith("*."):
            if host.endswith(entry[1:]):
                return True
        elif host == entry:
            return True
    return False


def refuse_unless_allowed(url: str, settings: Settings) -> None:
    if not is_allowed(url, settings):
        raise FetchError(f"{_short(url)}: Adresse nicht freigegeben (Betrieb: KOMMCERT_OUTBOUND_HOSTS).",
                         f"{_short(url)}: address not allowed (operators: KOMMCERT_OUTBOUND_HOSTS).")


def fetch(url: str, *, settings: Settings, max_bytes: int | None = None, accept: str = "",
          headers: dict[str, str] | None = None, client: httpx.Client | None = None) -> Fetched:
    """GET ``url`` (200 only), at most ``max_bytes`` (default ``KOMMCERT_OUTBOUND_MAX_BYTES``)."""
    limit = max_bytes or settings.outbound_max_bytes
    sent = dict(headers or {})
    if accept:
        sent["Accept"] = accept
    own = client is None
    http = client or httpx.Client(timeout=settings.outbound_timeout, follow_redirects=False)
    try:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            refuse_unless_allowed(current, settings)
            try:
                with http.stream("GET", current, headers=sent) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = urljoin(current, response.headers["location"])
                        continue
                    if response.status_code != 200:
                        raise FetchError(f"{_short(current)}: HTTP-Status {response.status_code}",
                                         f"{_short(current)}: HTTP status {response.status_code}")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > limit:
                        raise _too_large(current, limit)
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > limit:
                            raise _too_large(current, limit)
                        chunks.append(chunk)
                    return Fetched(url=current, content=b"".join(chunks),
                                   content_type=response.headers.get("content-type", ""),
                                   headers={k.lower(): v for k, v in response.headers.items()})
            except httpx.TimeoutException:
                raise FetchError(f"{_short(current)}: keine Antwort (Zeitüberschreitung)",
                                 f"{_short(current)}: no answer (timeout)") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{_short(current)}: nicht abrufbar ({type(exc).__name__})",
                                 f"{_short(current)}: cannot be fetched ({type(exc).__name__})") from None
        raise FetchError(f"{_short(url)}: zu viele Weiterleitungen", f"{_short(url)}: too many redirects")
    finally:
        if own:
            http.close()


def _too_large(url: str, limit: int) -> FetchError:
    size = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{max(1, limit // 1024)} KiB"
    return FetchError(f"{_short(url)}: Antwort größer als {size}", f"{_short(url)}: answer larger than {size}")


def _short(url: str) -> str:
    """Addresses in messages without query strings (they may carry tokens) and at most 200 characters."""
    parts = urlsplit(url)
    shown = f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.scheme else url
    return shown[:200]
