"""Per kind: fetch what is new at the source and read it into records. No database here.

Every fetch goes through :mod:`kommcert.subscriptions.http` (``kommcert.outbound``'s allow-list,
size cap, timeout). Every failure is an ``InvalidInput`` with one German and one English line, raised
before anything is written: the caller stores in one savepoint afterwards, so a source that answers
garbage never touches what is already stored.

* CSV / text: a conditional GET (ETag / If-Modified-Since); 304 is "nothing new". A list that reads as
  HTML, holds no value at all, or nothing but malformed lines is refused as a whole (a login page or an
  empty answer must not empty the subscription's report).
* MISP feed: ``manifest.json`` conditionally, then only the events that are new or whose manifest
  ``timestamp`` moved since the last pull, at most :data:`MAX_EVENTS` a pull (the manifest's validators
  are kept only once every changed event was read, so the rest follows with the next pull).
* TAXII 2.1: ``taxii2-client``'s ``as_pages`` over ``get_objects`` with ``added_after`` = the previous
  pull's last ``X-TAXII-Date-Added-Last``, following ``next``; at most :data:`MAX_PAGES` pages a pull,
  a ``next`` seen twice ends the walk (a server that never stops must not keep us).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kommcert.config import Settings
from kommcert.errors import InvalidInput
from kommcert.indicators import readers
from kommcert.indicators.formats import misp, misp_feed, stix
from kommcert.indicators.formats.records import GroupInfo, IndicatorRecord, Reject, Skip
from kommcert.outbound import FetchError, _short
from kommcert.subscriptions import http

MAX_EVENTS = 200  # MISP events read in one pull
MAX_PAGES = 500  # TAXII pages read in one pull
PAGE_SIZE = 1000  # objects asked for per TAXII request
TAXII_ACCEPT = "application/taxii+json;version=2.1"


@dataclass
class Batch:
    """What one source unit said: a list, one MISP event, the objects of one TAXII pull."""

    records: list[IndicatorRecord] = field(default_factory=list)
    rejected: int = 0
    skipped: int = 0
    title: str | None = None  # a MISP event's info
    tlp: Any = None  # a MISP event's TLP tag
    key: str = ""  # a MISP event's uuid
    stamp: int = 0  # a MISP event's manifest timestamp


@dataclass
class Fetched:
    batches: list[Batch] = field(default_factory=list)
    not_modified: bool = False
    validators: dict[str, str] | None = None  # to keep for the next conditional GET (None: keep the old)
    added_after: str | None = None  # TAXII: the next pull's added_after
    complete: bool = True  # False: the source had more than one pull reads


def _collect(items: Iterable[Any], batch: Batch) -> Batch:
    for item in items:
        if isinstance(item, IndicatorRecord):
            batch.records.append(item)
        elif isinstance(item, Reject):
            batch.rejected += 1
        elif isinstance(item, Skip):
            batch.skipped += 1
        elif isinstance(item, GroupInfo):
            batch.title = batch.title or item.title
            batch.tlp = batch.tlp or item.tlp
    return batch


def _looks_like_html(answer: http.Answer) -> bool:
    head = answer.content[:512].lstrip().lower()
    return "html" in answer.content_type.lower() or head.startswith((b"<!doctype", b"<html", b"<?xml"))


def _validators(answer: http.Answer) -> dict[str, str]:
    return {"etag": answer.etag[:500], "last_modified": answer.last_modified[:100]}


def fetch_list(url: str, fmt: str, *, settings: Settings, user: str, secret: str,
               validators: dict[str, str] | None) -> Fetched:
    answer = http.get(url, settings=settings, user=user, secret=secret, validators=validators,
                      accept="text/csv, text/plain;q=0.9, */*;q=0.1")
    if answer.not_modified:
        return Fetched(not_modified=True)
    name = _short(url)
    if _looks_like_html(answer):
        raise InvalidInput(f"{name}: Antwort ist eine HTML-Seite, keine Liste – nichts übernommen",
                           f"{name}: the answer is an HTML page, not a list – nothing taken over")
    batch = _collect(readers.read(fmt, io.BytesIO(answer.content), name=name), Batch())
    if not batch.records:
        if batch.rejected:
            raise InvalidInput(f"{name}: keine gültige Zeile ({batch.rejected} fehlerhaft) – nichts ersetzt",
                               f"{name}: no valid line ({batch.rejected} malformed) – nothing replaced")
        raise InvalidInput(f"{name}: die Liste ist leer – nichts ersetzt",
                           f"{name}: the list is empty – nothing replaced")
    return Fetched(batches=[batch], validators=_validators(answer))


def fetch_misp_feed(url: str, *, settings: Settings, user: str, secret: str, validators: dict[str, str] | None,
                    seen: dict[str, int]) -> Fetched:
    """``seen``: event uuid → manifest timestamp of the version already stored."""
    root = url.rstrip("/")
    if root.endswith("/manifest.json"):
        root = root[: -len("/manifest.json")]
    cap = min(settings.outbound_max_bytes, misp_feed.MAX_MANIFEST_BYTES)
    answer = http.get(f"{root}/manifest.json", settings=settings, user=user, secret=secret, validators=validators,
                      accept="application/json", max_bytes=cap)
    if answer.not_modified:
        return Fetched(not_modified=True)
    name = _short(f"{root}/manifest.json")
    if _looks_like_html(answer):
        raise InvalidInput(f"{name}: Antwort ist eine HTML-Seite, kein MISP-Manifest",
                           f"{name}: the answer is an HTML page, not a MISP manifest")
    uuids = misp_feed.read_manifest(io.BytesIO(answer.content), name)
    manifest = json.loads(answer.content)
    changed: list[tuple[str, int]] = []
    for uuid in uuids:
        entry = manifest[uuid] if isinstance(manifest[uuid], dict) else {}
        try:
            stamp = int(entry.get("timestamp") or 0)
        except (TypeError, ValueError):
            stamp = 0
        if uuid.lower() not in seen or stamp > seen[uuid.lower()]:
            changed.append((uuid, stamp))
    result = Fetched(complete=len(changed) <= MAX_EVENTS)
    for uuid, stamp in changed[:MAX_EVENTS]:
        event_url = f"{root}/{uuid}.json"
        got = http.get(event_url, settings=settings, user=user, secret=secret, accept="application/json",
                       max_bytes=min(settings.outbound_max_bytes, misp.MAX_EVENT_BYTES))
        batch = _collect(misp.read_event(io.BytesIO(got.content), name=_short(event_url), starts_report=False),
                         Batch(key=uuid.lower(), stamp=stamp))
        result.batches.append(batch)
    if result.complete:
        result.validators = _validators(answer)
    return result


def _taxii_error(url: str, exc: Exception) -> InvalidInput:
    import requests

    name = _short(url)
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        code = exc.response.status_code
        return InvalidInput(f"{name}: HTTP-Status {code}", f"{name}: HTTP status {code}")
    text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    if "Content-Type" in text:
        return InvalidInput(f"{name}: keine TAXII-2.1-Antwort ({text})", f"{name}: not a TAXII 2.1 answer ({text})")
    return InvalidInput(f"{name}: TAXII-Fehler ({type(exc).__name__}: {text})",
                        f"{name}: TAXII error ({type(exc).__name__}: {text})")


def _envelope(page: Any, url: str) -> list[Any]:
    name = _short(url)
    if not isinstance(page, dict):
        raise InvalidInput(f"{name}: TAXII-Umschlag ist kein JSON-Objekt",
                           f"{name}: TAXII envelope is not a JSON object")
    objects = page.get("objects", [])
    if not isinstance(objects, list) or not isinstance(page.get("more", False), bool) or not isinstance(
            page.get("next", ""), str):
        raise InvalidInput(f"{name}: TAXII-Umschlag fehlerhaft (objects, more oder next)",
                           f"{name}: malformed TAXII envelope (objects, more or next)")
    return objects


def fetch_taxii(url: str, *, settings: Settings, user: str, secret: str, added_after: str | None) -> Fetched:
    """Objects added to the collection after ``added_after``, page by page."""
    from taxii2client.v21 import Collection, as_pages

    session = http.GuardedSession(settings)
    if user and secret:
        session.auth = (user, secret)
    elif secret:
        session.headers["Authorization"] = f"Bearer {secret}"
    collection = Collection(url if url.endswith("/") else url + "/")
    collection._conn.session = session  # noqa: SLF001 - the client has no other way to take a session
    result = Fetched(added_after=added_after)
    objects: list[Any] = []
    filters = {"added_after": added_after} if added_after else {}
    seen_next: set[str] = set()
    pages = 0
    try:
        if not collection.can_read:
            raise InvalidInput(f"{_short(url)}: die Sammlung ist für diesen Zugang nicht lesbar",
                               f"{_short(url)}: the collection is not readable with these credentials")
        for page in as_pages(collection.get_objects, per_request=PAGE_SIZE, **filters):
            objects.extend(_envelope(page, url))
            pages += 1
            last = session.last_headers.get("x-taxii-date-added-last")
            if last:
                result.added_after = last[:64]
            following = page.get("next", "") if page.get("more", False) else ""
            if not following:
                break
            if following in seen_next or pages >= MAX_PAGES:
                result.complete = False
                break
            seen_next.add(following)
    except (InvalidInput, FetchError):
        raise
    except Exception as exc:  # noqa: BLE001 - the client's and requests' errors, as one line
        raise _taxii_error(url, exc) from None
    finally:
        session.close()
    if objects:
        data = json.dumps({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000",
                           "objects": objects}).encode()
        result.batches.append(_collect(stix.read(io.BytesIO(data), source=_short(url)), Batch()))
    return result
