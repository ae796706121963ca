"""Every fetch from another server goes through ``kommcert.outbound``: allowed hosts only (also after
redirects), 200 only, a size cap and a timeout, each failure one clear line."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kommcert import outbound
from kommcert.config import load_settings
from tests.conftest import SECRET


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: ANN002
        pass

    def do_GET(self) -> None:  # noqa: N802
        port = self.server.server_address[1]
        path = self.path.split("?")[0]
        routes = {
            "/ok": (200, b"hello", {}),
            "/big": (200, b"x" * 5000, {}),
            "/missing": (404, b"no", {}),
            "/hop": (302, b"", {"Location": "/ok"}),
            "/away": (302, b"", {"Location": f"http://localhost:{port}/ok"}),
            "/loop": (302, b"", {"Location": "/loop"}),
        }
        if path == "/slow":
            time.sleep(1.5)
        status, body, headers = routes.get(path, (200, b"late", {}))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _settings(**values):  # noqa: ANN003, ANN202
    return load_settings(env="test", secret_key=SECRET, **values)


def test_it_fetches_from_an_allowed_host_and_follows_redirects_that_stay_allowed(server: str) -> None:
    settings = _settings(outbound_hosts="127.0.0.1")
    assert outbound.fetch(f"{server}/ok", settings=settings).content == b"hello"
    hopped = outbound.fetch(f"{server}/hop", settings=settings)
    assert hopped.content == b"hello" and hopped.url.endswith("/ok")


def test_it_refuses_hosts_not_allowed_before_and_after_a_redirect(server: str) -> None:
    with pytest.raises(outbound.FetchError) as refused:
        outbound.fetch(f"{server}/ok", settings=_settings(outbound_hosts="misp.example"))
    assert "nicht freigegeben" in refused.value.de
    with pytest.raises(outbound.FetchError) as caught:
        outbound.fetch(f"{server}/away", settings=_settings(outbound_hosts="127.0.0.1"))
    assert "nicht freigegeben" in caught.value.de and "localhost" in caught.value.de
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/x", "http:///nohost"):
        assert not outbound.is_allowed(url, _settings(outbound_hosts="127.0.0.1"))


def test_the_older_misp_setting_still_allows_and_wildcards_allow_subdomains() -> None:
    settings = _settings(misp_feed_hosts="misp.example", outbound_hosts="*.bsi.example")
    assert outbound.is_allowed("https://misp.example/feed/", settings)
    assert outbound.is_allowed("https://wid.bsi.example/.well-known/csaf/provider-metadata.json", settings)
    assert not outbound.is_allowed("https://bsi.example.evil.example/", settings)
    assert not outbound.is_allowed("https://other.example/", settings)


def test_failures_are_one_clear_line(server: str) -> None:
    settings = _settings(outbound_hosts="127.0.0.1", outbound_timeout=0.5)
    cases = {"/missing": "HTTP-Status 404", "/loop": "zu viele Weiterleitungen", "/slow": "Zeitüberschreitung"}
    for path, words in cases.items():
        with pytest.raises(outbound.FetchError) as caught:
            outbound.fetch(f"{server}{path}", settings=settings)
        assert words in caught.value.de and "\n" not in caught.value.de and caught.value.en
    with pytest.raises(outbound.FetchError) as large:
        outbound.fetch(f"{server}/big", settings=settings, max_bytes=1024)
    assert "größer als 1 KiB" in large.value.de


def test_messages_leave_out_query_strings(server: str) -> None:
    with pytest.raises(outbound.FetchError) as caught:
        outbound.fetch(f"{server}/missing?token=s3cret", settings=_settings(outbound_hosts="127.0.0.1"))
    assert "s3cret" not in caught.value.de + caught.value.en
