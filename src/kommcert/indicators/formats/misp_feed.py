"""MISP feeds: a directory (or URL) with ``manifest.json``, one ``<uuid>.json`` per event and
``hashes.csv``. This is what MISP instances subscribe to, so the writer follows the shape of
PyMISP's reference producer (``MISPEvent.to_feed(with_meta=True)`` + ``feed_meta_generator``).

The writer streams attributes into each event file and ``hashes.csv``; only the manifest (one
small entry per event) is held in memory. Files are written under a temporary name and renamed,
and the manifest comes last, so a MISP polling mid-write never sees a manifest naming a missing
or half-written event.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import httpx

from kommcert.errors import InvalidInput
from kommcert.indicators.formats import guard
from kommcert.indicators.formats.misp import Record, read_event
from kommcert.indicators.formats.records import ExportRow
from kommcert.indicators.types import IndicatorType
from kommcert.sharing.tlp import TLP

HTTP_TIMEOUT = 30.0
MAX_FILE_BYTES = 64 * 1024 * 1024  # one event file or manifest from a remote feed (misp.MAX_EVENT_BYTES)
MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # ~200 bytes an event: some 300,000 events
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# ---------------------------------------------------------------------------------------- reader


def _http_fetch(url: str, *, follow_redirects: bool = True) -> bytes:
    """GET with a timeout and a size cap: a feed is someone else's server."""
    try:
        with httpx.stream("GET", url, timeout=HTTP_TIMEOUT, follow_redirects=follow_redirects) as response:
            if response.status_code != 200:
                raise InvalidInput(f"{url}: HTTP-Status {response.status_code}",
                                   f"{url}: HTTP status {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise InvalidInput(f"{url}: Datei zu groß", f"{url}: file too large")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise InvalidInput(f"{url}: nicht abrufbar ({type(exc).__name__})",
                           f"{url}: cannot be fetched ({type(exc).__name__})") from None


def _opener(base: str, fetch: Callable[[str], bytes] | None) -> Callable[[str], tuple[str, IO[bytes]]]:
    """A function file name -> (name shown in messages, open binary stream)."""
    if base.startswith(("http://", "https://")):
        get = fetch or _http_fetch
        root = base.rstrip("/")

        def open_url(name: str) -> tuple[str, IO[bytes]]:
            url = f"{root}/{name}"
            return url, io.BytesIO(get(url))

        return open_url

    directory = Path(base)

    def open_file(name: str) -> tuple[str, IO[bytes]]:
        path = directory / name
        try:
            return str(path), path.open("rb")
        except OSError:
            raise InvalidInput(f"{path}: Datei fehlt oder ist nicht lesbar",
                               f"{path}: file missing or not readable") from None

    return open_file


def read_manifest(stream: IO[bytes], name: str) -> list[str]:
    """Event uuids named by a manifest, in manifest order. Keys must be uuids: they become file
    names, and a key like ``../../etc/passwd`` must not."""
    try:
        manifest = json.loads(guard.read_json_bytes(stream, name=name, max_bytes=MAX_MANIFEST_BYTES))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise InvalidInput(f"{name}: kein gültiges JSON ({reason})", f"{name}: invalid JSON ({reason})") from None
    if not isinstance(manifest, dict):
        raise InvalidInput(f"{name}: Objekt mit Ereignis-UUIDs erwartet",
                           f"{name}: object keyed by event UUID expected")
    for key in manifest:
        if not _UUID.match(key):
            raise InvalidInput(f"{name}: „{key[:80]}“ ist keine Ereignis-UUID",
                               f"{name}: '{key[:80]}' is not an event UUID")
    return list(manifest)


def read_feed(base: str, *, fetch: Callable[[str], bytes] | None = None) -> Iterator[Record]:
    """Yield the records of every event of a feed, event by event (each starts with its GroupInfo;
    with several events, each becomes reports of its own).

    ``base`` is a directory or an http(s) URL; ``fetch(url) -> bytes`` replaces the HTTP client
    (tests, proxies, caching). A missing event file or a bad manifest raises ``InvalidInput``.
    """
    open_ = _opener(base, fetch)
    name, stream = open_("manifest.json")
    with stream:
        uuids = read_manifest(stream, name)
    several = len(uuids) > 1
    for uuid in uuids:
        name, stream = open_(f"{uuid}.json")
        with stream:
            yield from read_event(stream, name=name, starts_report=several)


# ---------------------------------------------------------------------------------------- writer

MISP_TYPES: dict[IndicatorType, tuple[str, str]] = {  # our type -> (MISP type, MISP category)
    IndicatorType.ipv4: ("ip-dst", "Network activity"),
    IndicatorType.ipv6: ("ip-dst", "Network activity"),
    IndicatorType.ipv4_cidr: ("ip-dst", "Network activity"),
    IndicatorType.ipv6_cidr: ("ip-dst", "Network activity"),
    IndicatorType.domain: ("domain", "Network activity"),
    IndicatorType.hostname: ("hostname", "Network activity"),
    IndicatorType.url: ("url", "Network activity"),
    IndicatorType.email: ("email-src", "Payload delivery"),
    IndicatorType.md5: ("md5", "Payload delivery"),
    IndicatorType.sha1: ("sha1", "Payload delivery"),
    IndicatorType.sha256: ("sha256", "Payload delivery"),
}
THREAT_LEVEL = 2  # medium: kommcert has no threat level of its own
ANALYSIS = 2  # completed: what is published has been curated


@dataclass(slots=True)
class FeedEvent:
    """One MISP event of an export. ``tlp`` is the event's tag; rows whose TLP differs carry their
    own ``tlp:*`` attribute tag, which MISP lets override the event's. ``rows`` may be a generator."""

    uuid: str
    info: str
    date: date
    tlp: TLP
    org_name: str
    org_uuid: str
    timestamp: datetime
    rows: Iterable[ExportRow]


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _tag(name: str) -> dict[str, Any]:
    return {"colour": "#ffffff", "local": False, "name": name, "relationship_type": ""}


def _attribute(row: ExportRow, event_tlp: TLP) -> dict[str, Any]:
    misp_type, category = MISP_TYPES[row.type]
    attr: dict[str, Any] = {
        "category": category,
        "comment": row.comment or "",
        "disable_correlation": False,
        "timestamp": str(_epoch(row.modified)),
        "to_ids": True,
        "type": misp_type,
        "uuid": row.uuid,
        "value": row.value,
    }
    tags = [_tag(f"tlp:{row.tlp.value}")] if row.tlp != event_tlp else []
    tags += [_tag(t) for t in row.tags]
    if tags:
        attr["Tag"] = tags
    return attr


def _event_head(event: FeedEvent) -> dict[str, Any]:
    stamp = str(_epoch(event.timestamp))
    return {
        "analysis": str(ANALYSIS),
        "date": event.date.isoformat(),
        "info": event.info,
        "publish_timestamp": stamp,
        "published": True,
        "threat_level_id": str(THREAT_LEVEL),
        "timestamp": stamp,
        "uuid": event.uuid,
        "Orgc": {"name": event.org_name, "uuid": event.org_uuid},
        "Tag": [_tag(f"tlp:{event.tlp.value}")],
    }


def event_chunks(event: FeedEvent, hashes: IO[str] | None = None) -> Iterator[str]:
    """The event file as text chunks, one attribute per chunk; md5 lines go to ``hashes``."""
    head = json.dumps({"Event": _event_head(event)}, ensure_ascii=False)
    yield head[:-2] + ', "Attribute": ['  # reopen {"Event": {...}} to append the attribute list
    for index, row in enumerate(event.rows):
        if hashes is not None:
            hashes.write(f"{hashlib.md5(row.value.encode(), usedforsecurity=False).hexdigest()},{event.uuid}\n")
        yield ("" if index == 0 else ", ") + json.dumps(_attribute(row, event.tlp), ensure_ascii=False)
    yield "]}}\n"


def manifest_entry(event: FeedEvent) -> dict[str, Any]:
    """As PyMISP's ``MISPEvent.manifest``: integers here, strings in the event file."""
    return {
        "Orgc": {"name": event.org_name, "uuid": event.org_uuid},
        "Tag": [_tag(f"tlp:{event.tlp.value}")],
        "info": event.info,
        "date": event.date.isoformat(),
        "analysis": ANALYSIS,
        "threat_level_id": THREAT_LEVEL,
        "timestamp": _epoch(event.timestamp),
    }


def write_feed(events: Iterable[FeedEvent], directory: Path) -> None:
    """Write ``<uuid>.json`` per event, then ``hashes.csv`` and ``manifest.json`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {}
    hashes_tmp = directory / ".hashes.csv.tmp"
    with hashes_tmp.open("w", encoding="utf-8", newline="") as hashes:
        for event in events:
            if not _UUID.match(event.uuid):
                raise ValueError(f"event uuid {event.uuid!r} is not a UUID")
            tmp = directory / f".{event.uuid}.json.tmp"
            with tmp.open("w", encoding="utf-8") as out:
                for chunk in event_chunks(event, hashes):
                    out.write(chunk)
            os.replace(tmp, directory / f"{event.uuid}.json")
            manifest[event.uuid] = manifest_entry(event)
    os.replace(hashes_tmp, directory / "hashes.csv")
    tmp = directory / ".manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, directory / "manifest.json")


def fetch_without_redirects(url: str) -> bytes:
    """For fetches on behalf of web users: a redirect must not lead past the host allowlist."""
    return _http_fetch(url, follow_redirects=False)
