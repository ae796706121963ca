"""A CSAF trusted provider on loopback, laid out like a real one: provider-metadata.json, a TLP:WHITE
directory with year folders (documents with .sha256, .sha512 and .asc), index.txt, changes.csv, a
ROLIE feed and the OpenPGP public key, served by http.server from a temporary directory."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pysequoia import SignatureMode, Tsk, sign

from kommcert.db import utcnow
from tests.advisories.ingest.docs import raw


@dataclass
class Provider:
    root: Path
    base: str
    key: Any = field(default_factory=lambda: Tsk.generate("Beispiel PSIRT <psirt@example.test>"))
    changes: list[tuple[str, str]] = field(default_factory=list)  # (path, date)
    slow: set[str] = field(default_factory=set)  # paths answered only after the client gave up
    html: set[str] = field(default_factory=set)  # paths answered with an HTML page

    @property
    def metadata_url(self) -> str:
        return f"{self.base}/.well-known/csaf/provider-metadata.json"

    @property
    def directory(self) -> Path:
        return self.root / ".well-known" / "csaf" / "white"

    def public_key(self) -> str:
        return str(self.key.extract_certificate())

    def fingerprint(self) -> str:
        return self.key.extract_certificate().fingerprint.upper()

    def write_metadata(self, *, with_feed: bool = True) -> None:
        csaf = self.root / ".well-known" / "csaf"
        csaf.mkdir(parents=True, exist_ok=True)
        (csaf / "openpgp").mkdir(exist_ok=True)
        (csaf / "openpgp" / "key.asc").write_text(self.public_key())
        distributions: list[dict[str, Any]] = [{"directory_url": f"{self.base}/.well-known/csaf/white/"}]
        if with_feed:
            distributions.append({"rolie": {"feeds": [{"summary": "WHITE", "tlp_label": "WHITE",
                                                       "url": f"{self.base}/.well-known/csaf/feed-white.json"}]}})
        meta = {"canonical_url": self.metadata_url, "distributions": distributions,
                "last_updated": (utcnow() - timedelta(days=30)).isoformat().replace("+00:00", "Z"),
                "list_on_CSAF_aggregators": True, "metadata_version": "2.0", "mirror_on_CSAF_aggregators": True,
                "public_openpgp_keys": [{"fingerprint": self.fingerprint(),
                                         "url": f"{self.base}/.well-known/csaf/openpgp/key.asc"}],
                "publisher": {"category": "vendor", "name": "Beispiel AG", "namespace": "https://psirt.example.de"},
                "role": "csaf_trusted_provider"}
        (csaf / "provider-metadata.json").write_text(json.dumps(meta))

    def publish(self, doc: dict[str, Any], *, year: str = "2026", sign_it: bool = True, content: bytes | None = None,
                when: str | None = None) -> str:
        """Put a document into the directory with its hashes and signature; returns its path there."""
        data = content if content is not None else raw(doc)
        name = doc["document"]["tracking"]["id"].lower() + ".json"
        path = f"{year}/{name}"
        target = self.directory / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.with_name(name + ".sha256").write_text(f"{hashlib.sha256(data).hexdigest()}  {name}\n")
        target.with_name(name + ".sha512").write_text(f"{hashlib.sha512(data).hexdigest()}  {name}\n")
        if sign_it:
            target.with_name(name + ".asc").write_bytes(sign(self.key.signer(), data, mode=SignatureMode.DETACHED))
        stamp = when or utcnow().isoformat().replace("+00:00", "Z")  # when the file changed, as providers write it
        self.changes = [c for c in self.changes if c[0] != path] + [(path, stamp)]
        self.write_indexes()
        return path

    def tamper(self, path: str) -> None:
        target = self.directory / path
        target.write_bytes(target.read_bytes().replace(b"Beispiel Server", b"Beispiel Servex", 1))

    def write_indexes(self) -> None:
        ordered = sorted(self.changes, key=lambda c: c[1], reverse=True)
        (self.directory / "changes.csv").write_text("".join(f'"{p}","{d}"\n' for p, d in ordered))
        (self.directory / "index.txt").write_text("".join(f"{p}\n" for p, _ in sorted(self.changes)))
        entries = [{"id": p, "title": p, "updated": d, "published": d,
                    "content": {"type": "application/json", "src": f"{self.base}/.well-known/csaf/white/{p}"},
                    "link": [{"rel": "self", "href": f"{self.base}/.well-known/csaf/white/{p}"},
                             {"rel": "hash", "href": f"{self.base}/.well-known/csaf/white/{p}.sha256"},
                             {"rel": "signature", "href": f"{self.base}/.well-known/csaf/white/{p}.asc"}]}
                   for p, d in ordered]
        feed = {"feed": {"id": "beispiel-white", "title": "Beispiel WHITE", "updated": ordered[0][1] if ordered else "",
                         "link": [], "category": [], "entry": entries}}
        (self.root / ".well-known" / "csaf" / "feed-white.json").write_text(json.dumps(feed))


@contextmanager
def serve(root: Path) -> Iterator[Provider]:
    provider: Provider

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("?")[0].removeprefix("/.well-known/csaf/white/")
            if path in provider.slow:
                time.sleep(1.5)
            if path in provider.html or self.path in provider.html:
                body = b"<html><body>Wartungsarbeiten</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            super().do_GET()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    provider = Provider(root=root, base=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
