"""Stable feed URLs for appliances that can only do an HTTP GET (firewalls, DNS servers, SIEMs).

``GET /feeds/{format}?token=kc_…`` (or ``Authorization: Bearer``) streams what the token's user may
see; without a token only TLP:CLEAR indicators (the public feed). Every download is audited.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from kommcert.accounts import service as accounts_service
from kommcert.accounts.secrets import digest
from kommcert.accounts.token_use import Note, TokenUse
from kommcert.audit import export as audit_export
from kommcert.db import relaxed_commit, utcnow
from kommcert.deps import DbSession, SettingsDep, client_ip, get_actor
from kommcert.errors import AuthenticationFailed, NotFound
from kommcert.indicators import service as indicators_service
from kommcert.indicators.feeds import DNS_TYPES, FEEDS, FeedContext, FeedFormat
from kommcert.indicators.formats import misp_feed
from kommcert.indicators.types import IndicatorType
from kommcert.sharing.actor import Actor

router = APIRouter(prefix="/feeds", tags=["feeds"])


def feed_actor(request: Request, db: DbSession, token: str | None = Query(None, max_length=200)) -> Actor:
    return _feed_actor(request, db, token)


def _feed_actor(request: Request, db, token: str | None,  # noqa: ANN001
                facts: accounts_service.OrgFacts | None = None, note_use: Note | None = None) -> Actor:
    if token is None:
        return get_actor(request, db)
    found = accounts_service.resolve_token(db, token, ip=client_ip(request), note_use=note_use)
    if found is None:
        db.commit()  # keep the audit entry of the rejected token
        raise AuthenticationFailed("Token ungültig, abgelaufen oder widerrufen.", "Token invalid, expired or revoked.")
    return accounts_service.actor_for_token(db, found, facts=facts)


FeedActor = Annotated[Actor, Depends(feed_actor)]


def _audit_feed(db, request: Request, actor: Actor, what: str) -> None:  # noqa: ANN001
    audit_export.record_export(db, actor=actor, what=what, ip=client_ip(request))


@router.get("/misp/manifest.json", summary="MISP feed: manifest")
def misp_manifest(request: Request, db: DbSession, actor: FeedActor) -> JSONResponse:
    _audit_feed(db, request, actor, "misp-manifest")
    manifest = {e.uuid: misp_feed.manifest_entry(e) for e in indicators_service.misp_events(db, actor=actor)}
    return JSONResponse(manifest, headers={"Cache-Control": "no-store"})


@router.get("/misp/hashes.csv", summary="MISP feed: md5 of every value with its event")
def misp_hashes(request: Request, db: DbSession, actor: FeedActor) -> StreamingResponse:
    _audit_feed(db, request, actor, "misp-hashes")
    factory = request.app.state.sessionmaker

    def body() -> Iterator[bytes]:
        with factory() as stream_db:
            for event in indicators_service.misp_events(stream_db, actor=actor):
                out = io.StringIO()
                for _ in misp_feed.event_chunks(event, hashes=out):
                    pass
                yield out.getvalue().encode()

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8")


@router.get("/misp/{event_file}", summary="MISP feed: one event")
def misp_event(event_file: str, request: Request, db: DbSession, actor: FeedActor) -> StreamingResponse:
    event_uuid = event_file.removesuffix(".json")
    if not event_file.endswith(".json") or next(
            indicators_service.misp_events(db, actor=actor, report_uuid=event_uuid), None) is None:
        raise NotFound()
    _audit_feed(db, request, actor, f"misp-event {event_uuid}")
    factory = request.app.state.sessionmaker

    def body() -> Iterator[bytes]:
        with factory() as stream_db:
            for event in indicators_service.misp_events(stream_db, actor=actor, report_uuid=event_uuid):
                for chunk in misp_feed.event_chunks(event):
                    yield chunk.encode()

    return StreamingResponse(body(), media_type="application/json")


@router.get("/{fmt}", summary="Indicator feed for appliances")
def feed(fmt: FeedFormat, request: Request, db: DbSession, settings: SettingsDep,
         type: list[IndicatorType] | None = Query(None, description="Only these types"),  # noqa: A002
         token: str | None = Query(None, max_length=200),
         ) -> StreamingResponse:
    spec = FEEDS[fmt]
    types = frozenset(type) if type else (DNS_TYPES if fmt == FeedFormat.rpz else None)
    now = utcnow()
    data = _kept_state(request, db, settings) if settings.feed_state_background and settings.feed_state_seconds > 0 \
        else _data_state(request, db, settings.feed_state_seconds)
    actor, state = _reader(request, db, token, data)
    etag = _etag(actor, fmt, types, now, state)
    if etag in _if_none_match(request):
        relaxed_commit(db)  # a 304 writes nothing but the token's last use
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    context = FeedContext(generated=now, producer=f"kommcert {settings.cert_name}",
                          zone=settings.rpz_zone, types=types, org_id=actor.org_id)
    audit_export.record_export(db, actor=actor, what=fmt.value, ip=client_ip(request),
                               detail={"types": sorted(t.value for t in types or ())})
    factory = request.app.state.sessionmaker
    cache = _feed_cache(request, settings.feed_cache_bytes)
    # The same visible reports (the state digest), format, types and hour give the same list; the
    # scan set names the organisation in its first line.
    key = (fmt.value, tuple(sorted(t.value for t in types or ())), state, now.strftime("%Y-%m-%dT%H"),
           actor.org_id if fmt == FeedFormat.scan else None)
    cached = cache.get(key)

    def body() -> Iterator[bytes]:
        if cached is not None:
            yield cached
            return
        # One request builds a list; the others asking for the same one meanwhile wait for it (the
        # first polls after a change, or after a start, each built it again: 3 s at 100,000 values
        # with four at once on two cores, 0.5 s alone).
        building = cache.claim(key)
        if building is not None:
            building.wait(BUILD_WAIT_SECONDS)
            ready = cache.get(key)
            if ready is not None:
                yield ready
                return
        try:
            yield from build()
        finally:
            if building is None:
                cache.release(key)

    def build() -> Iterator[bytes]:
        # The request's session is closed once the handler returns; the stream reads with its own.
        kept: list[bytes] | None = []
        with factory() as stream_db:
            rows = indicators_service.export_rows(stream_db, actor=actor, blocking=spec.blocking,
                                                  types=sorted(types) if types else None, lean=spec.lean)
            for chunk in spec.write(rows, context):
                data = chunk.encode()
                if kept is not None:
                    kept.append(data)
                    if len(kept) % 64 == 0 and sum(map(len, kept)) > cache.max_entry:
                        kept = None  # too large to keep
                yield data
        if kept is not None:
            cache.put(key, b"".join(kept))

    return StreamingResponse(body(), media_type=spec.content_type, headers={
        "Content-Disposition": f'inline; filename="{spec.filename}"', "Cache-Control": "no-cache", "ETag": etag})


@dataclass(frozen=True)
class _Reader:
    data: indicators_service.FeedState  # the process's data state this was made under (identity)
    actor: Actor


@dataclass
class _StateMemo:
    """What holds while the process keeps one data state: each organisation's place in the tree and
    consents. In the load benchmark's burst every appliance polls once, so no token is seen twice, but
    2,500 tokens share 50 organisations."""

    data: indicators_service.FeedState
    facts: accounts_service.OrgFacts = field(default_factory=dict)


class _Readers:
    """Each token's actor and per-reader state tag, kept while the process keeps its data state
    (``KOMMCERT_FEED_STATE_SECONDS``). Resolving the token's person, organisation, ancestors and
    provider opt-ins and reading the reports the reader may see were most of a 304's 8 ms of CPU (a
    poll's ETag is all most appliances ever get); a kept reader costs one query, which still checks
    the token itself, so a revoked or expired token, or a deactivated person, is refused at once.
    Changes to what a reader may see wait for the next data state, as new indicators already do.
    Keyed by the token's SHA-256, never its text."""

    def __init__(self, max_items: int = 20_000) -> None:
        self.max_items = max_items
        self._items: OrderedDict[str, _Reader] = OrderedDict()
        self._lock = threading.Lock()
        self._memo: _StateMemo | None = None

    def memo(self, data: indicators_service.FeedState) -> _StateMemo:
        memo = self._memo
        if memo is None or memo.data is not data:
            memo = self._memo = _StateMemo(data)
        return memo

    def get(self, key: str, data: indicators_service.FeedState) -> _Reader | None:
        with self._lock:
            reader = self._items.get(key)
            return reader if reader is not None and reader.data is data else None

    def put(self, key: str, reader: _Reader) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = reader
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)


_READERS_LOCK = threading.Lock()


def _feed_readers(request: Request) -> _Readers:
    readers = getattr(request.app.state, "feed_readers", None)
    if readers is None:
        with _READERS_LOCK:
            readers = getattr(request.app.state, "feed_readers", None)
            if readers is None:
                readers = request.app.state.feed_readers = _Readers()
    return readers


def _note_use(request: Request) -> Note | None:
    """The process's writer of tokens' last uses (``accounts.token_use``): a poll notes its token's
    use, and no poll writes or waits for a write lock because of it (None: the poll writes it)."""
    settings = request.app.state.settings
    if settings.token_use_seconds <= 0:
        return None
    use = getattr(request.app.state, "token_use", None)
    if use is None:
        with _READERS_LOCK:
            use = getattr(request.app.state, "token_use", None)
            if use is None:
                use = request.app.state.token_use = TokenUse(request.app.state.sessionmaker,
                                                             settings.token_use_seconds)
    return use.note


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _reader(request: Request, db, token: str | None, data: indicators_service.FeedState,  # noqa: ANN001
            ) -> tuple[Actor, str]:
    """Who polls, and the state tag of what they may see: kept from an earlier poll of the same token
    under the same data state, else resolved (which also audits a rejected token)."""
    secret = token or _bearer(request)
    readers = _feed_readers(request)
    key = digest(secret) if secret else None
    kept = readers.get(key, data) if key is not None else None
    note_use = _note_use(request)
    if kept is not None and accounts_service.recheck_token(db, kept.actor.token_id, ip=client_ip(request),
                                                           note_use=note_use):
        actor = kept.actor
    else:
        actor = _feed_actor(request, db, token, readers.memo(data).facts, note_use)
        if key is not None and actor.token_id is not None:
            readers.put(key, _Reader(data, actor))
    # Never kept: the reports a reader may see are read on every poll, so narrowing, withdrawing or
    # re-marking a report changes the tag (and the list behind it) at once, not with the next state.
    return actor, indicators_service.reader_feed_state(db, actor=actor, state=data)


def _if_none_match(request: Request) -> set[str]:
    return {tag.strip() for tag in request.headers.get("if-none-match", "").split(",") if tag.strip()}


BUILD_WAIT_SECONDS = 60.0  # how long a request waits for another one building the same list


class _FeedCache:
    """Rendered feeds by (format, types, reader's state digest, hour): the 2,500 appliances of 50
    Gemeinden that see the same reports download the same list, built once and then sent from
    memory (building 100,000 values costs ~0.5 s of CPU, which every poll in the process waited
    for). Least recently used lists go first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes, self.max_entry = max_bytes, max_bytes // 4
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._building: dict[tuple, threading.Event] = {}

    def claim(self, key: tuple) -> threading.Event | None:
        """None: the caller builds the list for ``key`` (and calls :meth:`release` when done, kept
        or not); else the event another request sets when it has built it."""
        with self._lock:
            building = self._building.get(key)
            if building is None:
                self._building[key] = threading.Event()
            return building

    def release(self, key: tuple) -> None:
        with self._lock:
            building = self._building.pop(key, None)
        if building is not None:
            building.set()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple, body: bytes) -> None:
        if len(body) > self.max_entry:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._size += len(body) - (len(old) if old is not None else 0)
            self._items[key] = body
            while self._size > self.max_bytes:
                self._size -= len(self._items.popitem(last=False)[1])


def _feed_cache(request: Request, max_bytes: int) -> _FeedCache:
    cache = getattr(request.app.state, "feed_cache", None)
    if cache is None or cache.max_bytes != max_bytes:
        cache = request.app.state.feed_cache = _FeedCache(max_bytes)
    return cache


_STATE_LOCK = threading.Lock()
log = logging.getLogger("kommcert.feeds")


class _StateKeeper:
    """The process's data state, computed in a thread of its own at start and then every
    ``seconds``: no poll waits for it. Computing it scans every provenance (0.3-0.9 s at a million
    rows under load), and the poll that found it expired waited that long (the load benchmark's 304
    p99: every slow poll fell on the ten-second beat). Polls before the first state wait for it, at
    most ``FIRST_WAIT`` seconds, and then compute it themselves."""

    FIRST_WAIT = 30.0

    def __init__(self, factory, seconds: float, *, start: bool = True) -> None:  # noqa: ANN001
        self.factory, self.seconds = factory, seconds
        self.state: indicators_service.FeedState | None = None
        self.probe: tuple | None = None
        self.ready = threading.Event()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="kommcert-feed-state", daemon=True)
        if start:
            self.thread.start()

    def refresh(self) -> bool:
        """A new state for this beat; the scan of every provenance only when the cheap probe moved
        (an idle Land cost each server process a 0.3-0.9 s scan every ten seconds). The state is a new
        object either way: readers and tree facts kept per state (``_Readers``) last one beat, as before."""
        with self.factory() as db:
            probe = indicators_service.feed_probe(db)
            previous = self.state
            if previous is not None and probe == self.probe:
                state, scanned = indicators_service.FeedState(previous.landwide, previous.reports), False
            else:
                state, scanned = indicators_service.feed_state(db, probe=probe), True
        self.state, self.probe = state, probe
        return scanned

    def _run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.refresh()
                self.ready.set()
            except Exception:  # noqa: BLE001 - the polls compute it themselves meanwhile
                log.exception("the feeds' data state could not be computed")
            self.stopped.wait(self.seconds)

    def current(self, db) -> indicators_service.FeedState:  # noqa: ANN001
        if self.ready.wait(self.FIRST_WAIT) and self.state is not None:
            return self.state
        return indicators_service.feed_state(db)

    def stop(self) -> None:
        self.stopped.set()


def _kept_state(request: Request, db, settings) -> indicators_service.FeedState:  # noqa: ANN001
    keeper = getattr(request.app.state, "feed_state_keeper", None)
    if keeper is None:
        with _STATE_LOCK:
            keeper = getattr(request.app.state, "feed_state_keeper", None)
            if keeper is None:
                keeper = request.app.state.feed_state_keeper = _StateKeeper(request.app.state.sessionmaker,
                                                                            settings.feed_state_seconds)
    return keeper.current(db)


def _data_state(request: Request, db, seconds: float) -> indicators_service.FeedState:  # noqa: ANN001
    """The data state, computed at most once per ``seconds`` per process, by one request: the
    others answer with the previous state meanwhile (only the very first computation is waited
    for). Hundreds of appliances polling would otherwise each cost a scan of the provenances, and
    when the state expired every poll in flight computed it at once (p99 of a 304: 2.3 s at 1M
    indicators, 136 ms this way). Each reader's tag is then made from the reports they may see
    (``reader_feed_state``)."""
    if seconds <= 0:
        return indicators_service.feed_state(db)
    cached = getattr(request.app.state, "feed_state", None)
    if cached is not None and (cached[0] > time.monotonic() or not _STATE_LOCK.acquire(blocking=False)):
        return cached[1]
    if cached is None:
        _STATE_LOCK.acquire()
    try:
        cached = getattr(request.app.state, "feed_state", None)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        state = indicators_service.feed_state(db)
        request.app.state.feed_state = (time.monotonic() + seconds, state)
        return state
    finally:
        _STATE_LOCK.release()


def _etag(actor: Actor, fmt: FeedFormat, types: frozenset[IndicatorType] | None, now: datetime, state: str) -> str:
    """Same tag, same content: who asks (visibility), what (format, types), the data's state, and
    the hour (indicators expire by themselves). ``state`` covers only what the reader may see, so
    the tag never moves because of data hidden from them. Appliances and ``kommcert scan`` send it back and
    get 304 instead of the whole list."""
    parts = (actor.user_id, actor.org_id, fmt.value, sorted(t.value for t in types or ()), state,
             now.strftime("%Y-%m-%dT%H"))
    return '"' + hashlib.sha256(repr(parts).encode()).hexdigest()[:32] + '"'

