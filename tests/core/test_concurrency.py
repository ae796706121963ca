"""Sixteen clients against a real ``kommcert serve`` on an SQLite file: feed polls (with and without
If-None-Match), searches and imports at the same time, and not one error.

Feed GETs write (an audit entry, the token's last use) after they have read; on SQLite a read
transaction that then writes used to fail at once with "database is locked" whenever another
request had written in between. The server runs in its own process, as ``make run`` starts it.
"""

from __future__ import annotations

import io
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from kommcert import migrate
from kommcert.accounts.models import TokenScope
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.audit.models import AuditEntry
from kommcert.config import load_settings
from kommcert.db import make_engine, make_sessionmaker
from kommcert.indicators import importing
from kommcert.indicators import service as indicators_service
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from tests.conftest import SECRET
from tests.indicators.conftest import stix_bundle
from tests.personas import build_personas

CLIENTS = 16
LOAD_SECONDS = 20
MAX_REQUESTS_PER_CLIENT = 150
A_SECRET = "kreis-a-only.concurrency.example"
READERS = ["gemeinde_a1_member", "gemeinde_b1_member", "kreis_a_admin", "kreis_b_admin", "provider_x",
           "land_cert_admin"]
WRITERS = ["land_cert_analyst", "gemeinde_a1_admin"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _patterns(prefix: str, count: int) -> list[str]:
    return [f"[domain-name:value = '{prefix}-{n}.load.example']" if n % 2 else
            f"[ipv4-addr:value = '10.{(n >> 8) & 255}.{n & 255}.{sum(prefix.encode()) & 127}']" for n in range(count)]


@dataclass
class Land:
    url: str
    tokens: dict[str, list[str]] = field(default_factory=dict)  # persona -> one token per client
    log: Path | None = None


def _seed(database_url: str) -> dict[str, list[str]]:
    """Personas, 3,000 GREEN indicators of the Land-CERT and one AMBER value of Kreis A; a token
    for every client, so every client is its own poller with its own last use."""
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    settings = load_settings(env="test", secret_key=SECRET, database_url=database_url)
    try:
        with make_sessionmaker(engine)() as db:
            personas = build_personas(db)
            indicators_service.import_file(
                db, actor=personas.actor("land_cert_analyst"), settings=settings, fmt="stix",
                stream=io.BytesIO(stix_bundle(_patterns("seed", 3000), tlp=TLP.green)), name="seed.json",
                options=importing.ImportOptions())
            indicators_service.import_file(
                db, actor=personas.actor("kreis_a_admin"), settings=settings, fmt="stix",
                stream=io.BytesIO(stix_bundle([f"[domain-name:value = '{A_SECRET}']"])), name="a.json",
                options=importing.ImportOptions(audience=Audience(orgs=(personas.orgs["kreis_a"].id,))))
            tokens = {name: [personas.token(name, TokenScope.read_write) for _ in range(CLIENTS)]
                      for name in READERS + WRITERS}
            db.commit()
        return tokens
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def land(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Land]:
    workdir = tmp_path_factory.mktemp("concurrency")
    database_url = f"sqlite:///{workdir / 'land.sqlite3'}"
    tokens = _seed(database_url)
    port = _free_port()
    env = {**os.environ, "KOMMCERT_ENV": "dev", "KOMMCERT_SECURE_COOKIES": "false",
           "KOMMCERT_DATABASE_URL": database_url, "KOMMCERT_SECRET_KEY": SECRET,
           # Every poll computes the data state: the most reading a poll can do.
           "KOMMCERT_FEED_STATE_SECONDS": "0"}
    log = workdir / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "kommcert", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("kommcert serve did not start:\n" + log.read_text(errors="replace")[-3000:])
            time.sleep(0.1)
        yield Land(url, tokens, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@dataclass
class Tally:
    kinds: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, response: httpx.Response) -> None:
        with self.lock:
            self.kinds[f"{kind} {response.status_code}"] += 1
            if response.status_code not in (200, 304) or "database is locked" in response.text:
                self.failures.append(f"{kind}: {response.status_code} {response.text[:200]}")


def _public_poller(land: Land, tally: Tally, stop_at: float) -> None:
    """An appliance on the public (TLP:CLEAR) feed: the GREEN imports of the others never change what
    it sees, so its conditional polls answer 304 however the load falls (the others' tags move with
    every import)."""
    etag = None
    with httpx.Client(base_url=land.url, timeout=60) as http:
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() > stop_at:
                return
            try:
                response = http.get("/feeds/txt", headers={"If-None-Match": etag} if etag else {})
                etag = response.headers.get("etag", etag)
                tally.add("feed public", response)
            except httpx.HTTPError as exc:
                with tally.lock:
                    tally.failures.append(f"public poller: {type(exc).__name__}: {exc}")
            time.sleep(0.05)


def _client_loop(number: int, land: Land, tally: Tally, stop_at: float) -> None:
    if number == CLIENTS - 1:
        _public_poller(land, tally, stop_at)
        return
    rng = random.Random(number)
    reader = READERS[number % len(READERS)]
    writer = WRITERS[number % len(WRITERS)]
    token = land.tokens[reader][number]
    write_auth = {"Authorization": f"Bearer {land.tokens[writer][number]}"}
    etags: dict[str, str] = {}
    with httpx.Client(base_url=land.url, timeout=60) as http:
        for n in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() > stop_at:
                return
            roll = rng.random()
            try:
                if roll < 0.55:
                    fmt = rng.choice(["txt", "stix", "scan"])
                    # Half of the polls are the appliance's conditional ones, half a fresh download.
                    headers = {"If-None-Match": etags[fmt]} if fmt in etags and rng.random() < 0.5 else {}
                    response = http.get(f"/feeds/{fmt}", params={"token": token}, headers=headers)
                    if response.status_code == 200:
                        etags[fmt] = response.headers["etag"]
                    tally.add(f"feed {fmt}", response)
                elif roll < 0.85:
                    q = rng.choice(["load.example", "seed-1", "10.1.", A_SECRET])
                    tally.add("search", http.get("/api/v1/indicators", params={"q": q, "limit": 50},
                                                 headers={"Authorization": f"Bearer {token}"}))
                else:
                    bundle = stix_bundle(_patterns(f"c{number}-{n}", 40), tlp=TLP.green)
                    tally.add("import", http.post(
                        "/api/v1/indicators/import", headers=write_auth, data={"format": "stix", "tlp": "green"},
                        files={"file": ("load.json", bundle, "application/json")}))
            except httpx.HTTPError as exc:
                with tally.lock:
                    tally.failures.append(f"client {number}: {type(exc).__name__}: {exc}")


def test_it_serves_sixteen_concurrent_clients_without_a_single_error(land: Land) -> None:
    tally = Tally()
    stop_at = time.monotonic() + LOAD_SECONDS
    threads = [threading.Thread(target=_client_loop, args=(n, land, tally, stop_at)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=LOAD_SECONDS + 60)
    assert not any(t.is_alive() for t in threads)
    server_log = land.log.read_text(errors="replace")
    assert tally.failures == [], f"{len(tally.failures)} failures, e.g. {tally.failures[:5]}; {dict(tally.kinds)}"
    assert "database is locked" not in server_log
    kinds = {key.split(" ")[0] for key in tally.kinds}
    assert kinds == {"feed", "search", "import"}, dict(tally.kinds)
    assert tally.kinds["import 200"] >= 5 and any(key.endswith(" 304") for key in tally.kinds), dict(tally.kinds)


def test_it_keeps_kreis_a_amber_out_of_kreis_b_feeds_after_the_load(land: Land) -> None:
    a = httpx.get(land.url + "/feeds/txt", params={"token": land.tokens["gemeinde_a1_member"][0]}, timeout=60)
    b = httpx.get(land.url + "/feeds/txt", params={"token": land.tokens["gemeinde_b1_member"][0]}, timeout=60)
    assert a.status_code == b.status_code == 200
    assert A_SECRET in a.text and A_SECRET not in b.text
    assert "seed-1.load.example" in b.text


def test_it_refuses_a_poll_with_a_wrong_token_under_load(land: Land) -> None:
    assert httpx.get(land.url + "/feeds/txt", params={"token": "kc_wrong"}, timeout=60).status_code == 401
    search = httpx.get(land.url + "/api/v1/indicators", params={"q": A_SECRET},
                       headers={"Authorization": f"Bearer {land.tokens['gemeinde_b1_member'][1]}"}, timeout=60)
    assert search.status_code == 200 and search.json()["items"] == []


def test_it_lets_a_reading_transaction_write_after_another_connection_committed(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'two.sqlite3'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE polls (n INTEGER)"))
        with engine.connect() as reader, engine.connect() as writer:
            reader.begin()
            assert reader.execute(text("SELECT count(*) FROM polls")).scalar() == 0  # its snapshot
            with writer.begin():
                writer.execute(text("INSERT INTO polls VALUES (1)"))
            # Upgrading the stale snapshot used to fail at once with "database is locked".
            reader.execute(text("INSERT INTO polls VALUES (2)"))
            reader.commit()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM polls")).scalar() == 2
    finally:
        engine.dispose()


def test_it_lets_a_reading_transaction_write_in_a_savepoint_after_another_connection_committed(
        tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'nested.sqlite3'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE polls (n INTEGER)"))
        with make_sessionmaker(engine)() as reader, engine.connect() as writer:
            assert reader.execute(text("SELECT count(*) FROM polls")).scalar() == 0
            with writer.begin():
                writer.execute(text("INSERT INTO polls VALUES (1)"))
            with reader.begin_nested():  # a best-effort write (e.g. a token's last use)
                reader.execute(text("INSERT INTO polls VALUES (2)"))
            reader.commit()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM polls")).scalar() == 2
    finally:
        engine.dispose()


def test_it_answers_a_read_while_a_long_writer_holds_the_lock_and_writes_its_audit_entry_later(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'busy.sqlite3'}"
    migrate.upgrade(url)
    # A short busy timeout stands in for an import that holds the write lock longer than 30 s.
    engine = make_engine(url, sqlite_busy_timeout_ms=200)
    factory = make_sessionmaker(engine)
    poll = AuditEvent(events.EXPORTED, object_type="feed", object_id="txt-while-busy")

    def polls(db) -> int:  # noqa: ANN001
        return db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.object_id == "txt-while-busy"))

    try:
        with engine.connect() as importer:
            importer.begin()
            importer.execute(text("CREATE TABLE import_marker (n INTEGER)"))  # holds the write lock
            with factory() as db:
                assert polls(db) == 0
                audit_service.record(db, poll)  # would have raised "database is locked"
                assert polls(db) == 0  # the read goes on, in a fresh transaction
                db.commit()
            importer.commit()
        with factory() as db:
            assert polls(db) == 0
            audit_service.write_kept(db)  # what the next request does when it ends
        with factory() as db:
            assert polls(db) == 1
            audit_service.write_kept(db)
            assert polls(db) == 1  # written once
    finally:
        engine.dispose()


def test_it_runs_the_load_benchmark_small_and_reports_every_request_kind(tmp_path: Path) -> None:
    """bench/load_bench.py end to end on a tiny Land (the record runs 1M indicators, 2,500
    appliances); no timings are asserted, only that it measured what it claims."""
    base = os.environ.get("KOMMCERT_TEST_DATABASE_URL", "")
    db, workers = ("postgresql", "2") if base.startswith("postgresql") else ("sqlite", "1")
    out = tmp_path / "load.json"
    run = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(Path(__file__).resolve().parents[2] / "bench" / "load_bench.py"), "--db", db,
         "--indicators", "2000", "--feed-values", "1000", "--appliances", "50", "--municipalities", "5",
         "--import-values", "300", "--burst", "2", "--full-polls", "2", "--analysts", "2", "--workers", workers,
         "--workdir", str(tmp_path), "--json", str(out)],
        env={**os.environ, "KOMMCERT_BENCH_PG": base}, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(out.read_text())
    burst, priming = report["burst"]["kinds"], report["priming"]["kinds"]
    assert report["burst"]["errors"] == report["priming"]["errors"] == 0, report
    assert priming["full txt (priming)"]["requests"] == 5 and priming["full txt (priming)"]["values"] == 1000
    assert burst["poll 304"]["statuses"] == {"304": 48}  # the import hid nothing the Gemeinden see
    assert burst["full txt (burst)"]["requests"] == 2 and burst["search"]["requests"] >= 2
    assert report["import_alone"]["imported"] == report["import_burst"]["imported"] == 300
    for kind in (*burst.values(), *priming.values()):
        assert {"per_second", "p50_ms", "p99_ms", "errors"} <= set(kind)
    assert "## Load" in run.stdout and "p99 of a 304 poll" in run.stdout
