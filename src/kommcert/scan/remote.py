"""The platform side of a scan: fetch the organisation's scan set (cached, with ETag) and send
hits back as sightings.

The cache lives per server in ``~/.cache/kommcert/scan`` (or ``--cache-dir``). It remembers the
token's fingerprint (a hash, never the token) and the organisation the set was made for: an
offline scan uses the cache only with the same token, so one organisation never scans with, or
reports against, another's cached set.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from kommcert.errors import DomainError
from kommcert.scan.indicator_set import CompiledSet, LoadStats, parse_scan_set, usable

TIMEOUT = httpx.Timeout(30.0, connect=10.0)
BATCH = 1000
RETRIES = 3


class ScanError(DomainError):
    pass


def http_client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT)


def default_cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kommcert" / "scan"


def cache_dir_for(root: Path, server: str) -> Path:
    return root / hashlib.sha256(server.rstrip("/").encode()).hexdigest()[:16]


def _read_json(path: Path) -> dict:
    """A cache file of ours; a damaged one counts as absent."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Fetched:
    compiled: CompiledSet
    directory: Path
    notice_de: str | None = None  # e.g. "offline: cached set from …"
    notice_en: str | None = None
    stats: LoadStats | None = None
    changed: bool = False  # a new set was downloaded (not 304, not the offline cache)


def fetch_set(server: str, token: str, root: Path, *, client: httpx.Client | None = None) -> Fetched:
    directory = cache_dir_for(root, server)
    meta_path = directory / "source.json"
    meta = _read_json(meta_path)
    same_token = meta.get("token") == _fingerprint(token)
    headers = {"Authorization": f"Bearer {token}"}
    if same_token and meta.get("etag") and (directory / "compiled.json").exists():
        headers["If-None-Match"] = meta["etag"]
    http = client or http_client()
    try:
        with http.stream("GET", server.rstrip("/") + "/feeds/scan", headers=headers) as response:
            if response.status_code == 304:
                compiled = CompiledSet.load(directory)
                if compiled is not None:
                    return Fetched(compiled, directory)
                meta_path.write_text(json.dumps({**meta, "etag": None}))  # the next run downloads it whole
                raise ScanError("Zwischenspeicher unlesbar, bitte erneut versuchen.", "Cache unreadable, try again.")
            if response.status_code in (401, 403):
                raise ScanError("Der Server lehnt das Token ab (ungültig, abgelaufen oder widerrufen).",
                                "The server rejected the token (invalid, expired or revoked).")
            if response.status_code != 200:
                raise httpx.HTTPStatusError(str(response.status_code), request=response.request, response=response)
            directory.mkdir(parents=True, exist_ok=True)
            tmp = directory / "set.tsv.tmp"
            with tmp.open("wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
            etag = response.headers.get("etag")
    except httpx.HTTPError as exc:
        if not same_token:
            if meta:
                raise ScanError(
                    "Server nicht erreichbar, und der Zwischenspeicher gehört zu einem anderen Zugang "
                    "(anderes Token oder andere Organisation): kein Scan.",
                    "Server unreachable, and the cache belongs to another credential (other token or "
                    "organisation): no scan.") from None
            raise ScanError(f"Server nicht erreichbar ({type(exc).__name__}), kein Zwischenspeicher vorhanden.",
                            f"Server unreachable ({type(exc).__name__}), no cached indicator set.") from None
        compiled = CompiledSet.load(directory)
        if compiled is None:
            raise ScanError("Server nicht erreichbar, Zwischenspeicher unlesbar.",
                            "Server unreachable, cache unreadable.") from None
        when = meta.get("fetched", "?")
        return Fetched(compiled, directory,
                       f"Server nicht erreichbar: verwende die Indikatoren vom {_local(when, 'de')}.",
                       f"Server unreachable: using the indicators fetched {_local(when, 'en')}.")
    finally:
        if client is None:
            http.close()
    stats = LoadStats()
    with tmp.open(encoding="utf-8") as f:
        header, rows = parse_scan_set(f, source="scan set")
        compiled = CompiledSet.build(usable(rows, now=datetime.now(UTC), check_warninglists=False, stats=stats),
                                     stats=stats, meta={"org": header.get("org", ""), "server": server})
    compiled.save(directory)
    os.replace(tmp, directory / "set.tsv")
    meta = {"token": _fingerprint(token), "etag": etag, "org": header.get("org", ""),
            "fetched": datetime.now(UTC).isoformat(timespec="seconds")}
    meta_path.write_text(json.dumps(meta))
    return Fetched(compiled, directory, stats=stats, changed=True)


def _local(stamp: str, lang: str) -> str:
    """The cache's UTC time stamp as local time with its zone (older caches wrote text: shown as it is)."""
    from kommcert import timefmt

    try:
        value = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    return timefmt.format_datetime(value, timefmt.zone_from_environment(), lang)


@dataclass(frozen=True)
class Sighting:
    key: str
    indicator_id: int | None
    type: str
    value: str
    first_seen: datetime | None
    last_seen: datetime | None
    count: int
    log_source: str
    system: str

    def payload(self) -> dict:
        body = {"key": self.key, "count": self.count, "log_source": self.log_source[:200], "system": self.system[:200],
                "first_seen": self.first_seen.isoformat() if self.first_seen else None,
                "last_seen": self.last_seen.isoformat() if self.last_seen else None}
        if self.indicator_id is not None:
            body["indicator_id"] = self.indicator_id
        else:
            body.update(type=self.type, value=self.value)
        return body


def sightings_from(hits: Sequence, *, system: str | None = None) -> list[Sighting]:  # Sequence[runner.Hit]
    """One sighting per indicator and file. The key names the indicator, the file and the first
    hit's line and time: scanning the same logs again sends the same keys, which the platform
    counts once."""
    groups: dict[tuple, list] = {}
    for hit in hits:
        ind = hit.indicator
        groups.setdefault((ind.id, ind.type.value, ind.value, hit.file), []).append(hit)
    out = []
    host = system or socket.gethostname()
    for (ident, kind, value, file), group in groups.items():
        first = min(group, key=lambda h: h.line)
        times = [h.log_time for h in group if h.log_time is not None]
        key = hashlib.sha256(repr((ident, kind, value, os.path.abspath(file) if file != "-" else "-",
                                   first.line, first.log_time)).encode()).hexdigest()[:48]
        out.append(Sighting(f"scan-{key}", ident, kind, value, min(times) if times else None,
                            max(times) if times else None, len(group), f"{first.format}: {file}",
                            first.host or host))
    return out


def report(server: str, token: str, sightings: Sequence[Sighting], *, client: httpx.Client | None = None,
           pause: float = 1.0) -> tuple[int, int, int]:
    """POST in batches with retries; returns (created, duplicates, unknown)."""
    http = client or http_client()
    created = duplicates = unknown = 0
    try:
        for start in range(0, len(sightings), BATCH):
            body = {"sightings": [s.payload() for s in sightings[start:start + BATCH]]}
            for attempt in range(RETRIES):
                try:
                    response = http.post(server.rstrip("/") + "/api/v1/sightings", json=body,
                                         headers={"Authorization": f"Bearer {token}"})
                except httpx.TransportError:
                    if attempt == RETRIES - 1:
                        raise ScanError("Server nicht erreichbar: Sichtungen nicht gemeldet.",
                                        "Server unreachable: sightings not reported.") from None
                    time.sleep(pause * 2 ** attempt)
                    continue
                if response.status_code >= 500 and attempt < RETRIES - 1:
                    time.sleep(pause * 2 ** attempt)
                    continue
                if response.status_code != 200:
                    raise ScanError(f"Server lehnt die Sichtungen ab (HTTP {response.status_code}).",
                                    f"Server rejected the sightings (HTTP {response.status_code}).")
                data = response.json()
                created += data["created"]
                duplicates += data["duplicates"]
                unknown += len(data["unknown"])
                break
    finally:
        if client is None:
            http.close()
    return created, duplicates, unknown


# -- retro-hunt: which logs this machine scanned before ---------------------------------------------

def remember_paths(directory: Path, paths: Sequence[str]) -> None:
    """Remember the log paths a scan against this server covered (``--retro`` scans them again)."""
    path = directory / "paths.json"
    known = _read_json(path)
    for p in paths:
        if p != "-":
            known[os.path.abspath(p)] = datetime.now(UTC).isoformat(timespec="seconds")
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=1, sort_keys=True))


def remembered_paths(directory: Path) -> list[str]:
    return sorted(_read_json(directory / "paths.json"))
