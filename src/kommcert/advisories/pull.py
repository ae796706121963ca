"""Pulling a CSAF source: walk its distributions, fetch what is new, check hashes and signatures, store.

Incremental: a directory's ``changes.csv`` is read only past the newest line seen (``cursor``); without
it ``index.txt`` is read and documents already stored from that address are skipped; a ROLIE feed's
entries only past the newest ``updated`` seen. A document whose hash does not match, or whose
signature is missing (when the source requires one) or wrong, goes to the quarantine with the reason.
A provider that answers HTML, times out or gives a malformed index leaves a clear ``last_error`` on the
source; the other documents and the other sources go on. The caller commits (per source).
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert import outbound
from kommcert.advisories import csaf_documents as csaf
from kommcert.advisories import discovery, ingest, signatures
from kommcert.advisories.models import AdvisoryRevision, CsafSource, QuarantinedDocument
from kommcert.config import Settings
from kommcert.db import utcnow
from kommcert.errors import InvalidInput
from kommcert.outbound import FetchError

log = logging.getLogger(__name__)
MAX_DOCUMENTS = 5000  # per distribution and pull; the rest follows with the next pull
MAX_ERRORS_SHOWN = 5


@dataclass
class Wanted:
    url: str
    stamp: str = ""  # changes.csv date / ROLIE updated: the cursor moves to the newest one done
    hash_urls: list[str] = field(default_factory=list)
    signature_url: str = ""


@dataclass
class PullReport:
    source_id: int
    counts: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def doc_cap(settings: Settings) -> int:
    """The largest CSAF document read (a pull or an upload): the attachment cap."""
    return min(settings.max_attachment_bytes, settings.outbound_max_bytes)


def _fetch(url: str, settings: Settings, client: httpx.Client | None, max_bytes: int) -> bytes:
    return outbound.fetch(url, settings=settings, max_bytes=max_bytes, client=client).content


def _optional(url: str, settings: Settings, client: httpx.Client | None, max_bytes: int) -> bytes | None:
    """A file that may be missing (404 and the like: None). A timeout is an error of the pull."""
    try:
        return _fetch(url, settings, client, max_bytes)
    except FetchError as exc:
        if "HTTP" in exc.de:
            return None
        raise


# ---------------------------------------------------------------- what is new

def _known_urls(db: Session, source: CsafSource, urls: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(urls), 500):
        chunk = urls[start:start + 500]
        known.update(db.scalars(select(AdvisoryRevision.source_url).where(AdvisoryRevision.source_url.in_(chunk))))
        known.update(db.scalars(select(QuarantinedDocument.url).where(
            QuarantinedDocument.source_id == source.id, QuarantinedDocument.url.in_(chunk))))
    return known


def _from_directory(db: Session, source: CsafSource, directory: str, settings: Settings,
                    client: httpx.Client | None) -> list[Wanted]:
    cursor = source.cursor.get(directory, "") if isinstance(source.cursor, dict) else ""
    changes = _optional(urljoin(directory, "changes.csv"), settings, client, settings.outbound_max_bytes)
    if changes is not None:
        try:
            rows = list(csv.reader(io.StringIO(changes.decode("utf-8-sig"))))
        except (UnicodeDecodeError, csv.Error):
            raise FetchError(f"{directory}changes.csv: nicht lesbar", f"{directory}changes.csv: unreadable") from None
        wanted = []
        for row in rows:
            if not row or not row[0].strip():
                continue
            if len(row) < 2 or csaf.parse_date(row[1].strip()) is None or not row[0].strip().endswith(".json"):
                raise FetchError(f"{directory}changes.csv: fehlerhafte Zeile {rows.index(row) + 1}",
                                 f"{directory}changes.csv: malformed line {rows.index(row) + 1}")
            stamp = csaf.parse_date(row[1].strip()).isoformat()
            if stamp > cursor:
                wanted.append(Wanted(url=urljoin(directory, row[0].strip()), stamp=stamp))
        wanted.sort(key=lambda w: w.stamp)
        return wanted[:MAX_DOCUMENTS]
    index = _fetch(urljoin(directory, "index.txt"), settings, client, settings.outbound_max_bytes)
    try:
        lines = [line.strip() for line in index.decode("utf-8-sig").splitlines() if line.strip()]
    except UnicodeDecodeError:
        raise FetchError(f"{directory}index.txt: nicht lesbar", f"{directory}index.txt: unreadable") from None
    if any(not line.endswith(".json") or "<" in line for line in lines):
        raise FetchError(f"{directory}index.txt: keine Liste von .json-Dateien",
                         f"{directory}index.txt: not a list of .json files")
    urls = [urljoin(directory, line) for line in lines]
    known = _known_urls(db, source, urls)
    return [Wanted(url=u) for u in urls if u not in known][:MAX_DOCUMENTS]


def _from_feed(source: CsafSource, feed_url: str, settings: Settings, client: httpx.Client | None) -> list[Wanted]:
    feed = discovery.fetch_json(feed_url, settings=settings, client=client, what="ROLIE-Feed")
    entries = feed.get("feed", {}).get("entry") if isinstance(feed, dict) and isinstance(feed.get("feed"), dict) \
        else None
    if not isinstance(entries, list):
        raise FetchError(f"ROLIE-Feed {outbound._short(feed_url)}: kein feed.entry",
                         f"ROLIE feed {outbound._short(feed_url)}: no feed.entry")
    cursor = source.cursor.get(feed_url, "") if isinstance(source.cursor, dict) else ""
    wanted = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        content = entry.get("content") if isinstance(entry.get("content"), dict) else {}
        src = content.get("src")
        updated = csaf.parse_date(entry.get("updated"))
        if not isinstance(src, str) or updated is None:
            continue
        stamp = updated.isoformat()
        if stamp <= cursor:
            continue
        links = [link for link in entry.get("link") or []
                 if isinstance(link, dict) and isinstance(link.get("href"), str)]
        item = Wanted(url=urljoin(feed_url, src), stamp=stamp,
                      hash_urls=[urljoin(feed_url, link["href"]) for link in links if link.get("rel") == "hash"],
                      signature_url=next((urljoin(feed_url, link["href"]) for link in links
                                          if link.get("rel") == "signature"), ""))
        wanted.append(item)
    wanted.sort(key=lambda w: w.stamp)
    return wanted[:MAX_DOCUMENTS]


# ---------------------------------------------------------------- one document

def _check_hashes(raw: bytes, wanted: Wanted, settings: Settings, client: httpx.Client | None) -> list[str]:
    urls = wanted.hash_urls or [wanted.url + ".sha256", wanted.url + ".sha512"]
    reasons = []
    for url in urls:
        algorithm = "sha512" if url.endswith(".sha512") else "sha256"
        text = _optional(url, settings, client, 4096)
        if text is None:
            continue
        given = text.decode("ascii", "replace").strip().split()
        expected = getattr(hashlib, algorithm)(raw).hexdigest()
        if not given or given[0].lower() != expected:
            reasons.append(f"Prüfsumme stimmt nicht ({algorithm.upper()})")
    return reasons


def _check_signature(raw: bytes, source: CsafSource, wanted: Wanted, settings: Settings,
                     client: httpx.Client | None) -> tuple[bool, list[str]]:
    signature = _optional(wanted.signature_url or wanted.url + ".asc", settings, client, 64 * 1024)
    if signature is None:
        return False, ["Signatur fehlt (.asc)"] if source.require_signature else []
    try:
        signatures.verify_detached(raw, signature, source.public_keys)
    except signatures.SignatureError as exc:
        return False, [exc.de] if source.require_signature or source.public_keys else []
    return True, []


def pull_document(db: Session, source: CsafSource, wanted: Wanted, *, settings: Settings,
                  client: httpx.Client | None = None) -> ingest.IngestResult:
    """Fetch, check and store one document (a refused one lands in the quarantine)."""
    cap = doc_cap(settings)
    try:
        raw = _fetch(wanted.url, settings, client, cap)
    except FetchError as exc:
        if "größer als" not in exc.de:
            raise
        with db.begin_nested():
            return ingest.quarantine(db, raw=None, name=wanted.url, reasons=[exc.de], source=source, size=cap + 1)
    reasons = _check_hashes(raw, wanted, settings, client)
    checked, signature_reasons = _check_signature(raw, source, wanted, settings, client)
    reasons += signature_reasons
    if reasons:
        try:
            doc: dict[str, Any] | None = csaf.parse(raw)
        except Exception:
            doc = None
        with db.begin_nested():
            return ingest.quarantine(db, raw=raw, name=wanted.url, reasons=reasons, source=source, doc=doc)
    return ingest.ingest(db, raw=raw, name=wanted.url, source=source, signature_checked=checked)


# ---------------------------------------------------------------- one source

def _ensure_keys(source: CsafSource, plan: discovery.Plan, settings: Settings, client: httpx.Client | None) -> None:
    """On the first pull, fetch the keys the metadata names, pinned by its fingerprints (and by the
    source's own pins, when an admin set them)."""
    if source.public_keys or not plan.keys:
        return
    armored = []
    for url, fingerprint in plan.keys:
        pins = list(source.key_fingerprints or []) or ([fingerprint] if fingerprint else [])
        if not pins:
            continue  # a key without a fingerprint in the metadata is not trusted by itself
        data = _fetch(url, settings, client, 1024 * 1024)
        armored.append(signatures.public_armor(data, pinned=pins))
    if armored:
        source.public_keys = "".join(armored)
        if not source.key_fingerprints:
            source.key_fingerprints = signatures.fingerprints(source.public_keys)


def pull_source(db: Session, source: CsafSource, *, settings: Settings,
                client: httpx.Client | None = None) -> PullReport:
    report = PullReport(source_id=source.id)
    now = utcnow()
    cursor = dict(source.cursor or {})
    try:
        plan = discovery.plan_for(source, settings=settings, client=client)
        report.errors += plan.errors
        _ensure_keys(source, plan, settings, client)
    except InvalidInput as exc:  # a fetch, or a key that does not match its pin
        report.errors.append(exc.de)
        plan = discovery.Plan()
    lists: list[tuple[str, list[Wanted]]] = []
    for directory in plan.directories:
        try:
            lists.append((directory, _from_directory(db, source, directory, settings, client)))
        except FetchError as exc:
            report.errors.append(exc.de)
    for feed in plan.feeds:
        try:
            lists.append((feed, _from_feed(source, feed, settings, client)))
        except FetchError as exc:
            report.errors.append(exc.de)
    seen: set[str] = set()
    for key, wanted_list in lists:
        done_stamp, failed = cursor.get(key, ""), False
        for wanted in wanted_list:
            if wanted.url in seen:  # a directory and a feed name the same document
                done_stamp = max(done_stamp, wanted.stamp)
                continue
            seen.add(wanted.url)
            try:
                result = pull_document(db, source, wanted, settings=settings, client=client)
                report.counts[result.status] += 1
            except FetchError as exc:
                report.counts["errors"] += 1
                report.errors.append(exc.de)
                failed = True
            except Exception:
                log.exception("csaf pull: document %s of source %s", outbound._short(wanted.url), source.id)
                report.counts["errors"] += 1
                report.errors.append(f"{outbound._short(wanted.url)}: interner Fehler")
                failed = True
            if not failed and wanted.stamp:
                done_stamp = max(done_stamp, wanted.stamp)
        if done_stamp:
            cursor[key] = done_stamp
    source.cursor = cursor
    source.last_pull_at = now
    source.last_counts = {k: int(v) for k, v in report.counts.items()}
    if report.errors:
        shown = report.errors[:MAX_ERRORS_SHOWN]
        more = len(report.errors) - len(shown)
        source.last_error = "\n".join(shown) + (f"\n… und {more} weitere" if more else "")
    else:
        source.last_error = ""
        source.last_success_at = now
    db.flush()
    return report


def due_sources(db: Session, *, now: datetime | None = None) -> list[CsafSource]:
    now = now or utcnow()
    found = db.scalars(select(CsafSource).where(CsafSource.enabled.is_(True)).order_by(CsafSource.id)).all()
    return [s for s in found if s.last_pull_at is None
            or s.last_pull_at + timedelta(minutes=max(s.interval_minutes, 1)) <= now + timedelta(seconds=30)]
