"""Loopback sources for subscriptions: one HTTP server per test serving a CSV list, a text list, a
MISP feed directory and a small TAXII 2.1 collection with paging and ``added_after``; and settings
that allow 127.0.0.1 as an outbound host."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from kommcert.config import Settings, load_settings
from tests.conftest import SECRET

TAXII = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return load_settings(env="test", secret_key=SECRET, database_url=database_url, secure_cookies=False,
                         base_url="http://testserver", feed_state_seconds=0, job_runner="inline",
                         token_use_seconds=0, upload_dir=str(tmp_path / "uploads"), outbound_hosts="127.0.0.1",
                         outbound_timeout=1.5, outbound_max_bytes=200_000)


@dataclass
class Route:
    body: bytes
    content_type: str = "text/plain"
    status: int = 200
    etag: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class Source:
    """Routes by path; requests are recorded with their headers. ``taxii`` holds the collection's
    objects as (date_added, object)."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.taxii: list[tuple[datetime, dict[str, Any]]] = []
        self.taxii_junk: bytes | None = None
        self.url = ""

    def put(self, path: str, body: str | bytes, **kw: Any) -> None:
        self.routes[path] = Route(body.encode() if isinstance(body, str) else body, **kw)

    def paths(self) -> list[str]:
        return [p for p, _ in self.requests]


def _handler(source: Source) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            parts = urlsplit(self.path)
            source.requests.append((parts.path, {k.lower(): v for k, v in self.headers.items()}))
            if parts.path.startswith("/taxii2/"):
                return self._taxii(parts.path, parse_qs(parts.query))
            route = source.routes.get(parts.path)
            if route is None:
                return self._send(404, b"not found", "text/plain")
            time.sleep(route.delay)
            headers = dict(route.headers)
            if route.etag:
                headers["ETag"] = route.etag
                if self.headers.get("If-None-Match") == route.etag:
                    return self._send(304, b"", route.content_type, headers)
            return self._send(route.status, route.body, route.content_type, headers)

        def _taxii(self, path: str, query: dict[str, list[str]]) -> None:
            if self.headers.get("Authorization") != "Bearer taxii-secret":
                return self._send(401, json.dumps({"title": "unauthorized"}).encode(), TAXII)
            if path == "/taxii2/api/collections/c1/":
                body = {"id": "c1", "title": "Test", "can_read": True, "can_write": False}
                return self._send(200, json.dumps(body).encode(), TAXII)
            if path != "/taxii2/api/collections/c1/objects/":
                return self._send(404, b"{}", TAXII)
            if source.taxii_junk is not None:
                return self._send(200, source.taxii_junk, TAXII)
            rows = sorted(source.taxii, key=lambda r: r[0])
            if "added_after" in query:
                after = datetime.fromisoformat(query["added_after"][0].replace("Z", "+00:00"))
                rows = [r for r in rows if r[0] > after]
            start = int(query.get("next", ["0"])[0])
            limit = int(query.get("limit", ["2"])[0])
            limit = min(limit, 2)  # the server pages by two whatever is asked
            page = rows[start:start + limit]
            more = start + limit < len(rows)
            body: dict[str, Any] = {"more": more, "objects": [o for _, o in page]}
            if more:
                body["next"] = str(start + limit)
            headers = {}
            if page:
                headers["X-TAXII-Date-Added-First"] = _stamp(page[0][0])
                headers["X-TAXII-Date-Added-Last"] = _stamp(page[-1][0])
            return self._send(200, json.dumps(body).encode(), TAXII, headers)

    return Handler


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture
def source() -> Iterator[Source]:
    src = Source()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(src))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    src.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield src
    httpd.shutdown()
    httpd.server_close()


def indicator(value: str, *, marking: str = GREEN, pattern: str | None = None) -> dict[str, Any]:
    import uuid

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}", "created": now,
            "modified": now, "pattern_type": "stix", "valid_from": now,
            "pattern": pattern or f"[ipv4-addr:value = '{value}']", "object_marking_refs": [marking]}


def misp_event(uuid: str, info: str, values: list[str], *, tlp: str = "green", timestamp: int = 1) -> str:
    return json.dumps({"Event": {
        "uuid": uuid, "info": info, "timestamp": str(timestamp), "date": "2026-01-01",
        "Tag": [{"name": f"tlp:{tlp}"}],
        "Attribute": [{"type": "domain", "category": "Network activity", "to_ids": True, "value": v,
                       "uuid": f"00000000-0000-4000-8000-{i:012d}", "timestamp": str(timestamp)}
                      for i, v in enumerate(values)]}})


def ago(minutes: int) -> datetime:
    return datetime.now(UTC) - timedelta(minutes=minutes)
