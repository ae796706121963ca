"""TAXII 2.1 benchmark: kommcert's ``/taxii2/`` against medallion and OpenTAXII, the same indicators, one run.

    python bench/taxii_bench.py --write-docs              # the record: 100,000 indicators on PostgreSQL
    python bench/taxii_bench.py --indicators 10000 --servers medallion,opentaxii --get-seconds 5   # dev run

Every server gets the same ``--indicators`` STIX 2.1 indicators (deterministic ids, patterns of seven
types, TLP:GREEN marking, dated the day before the run so kommcert's default lifetimes keep them):

* **kommcert** (``kommcert serve --workers N``) on a scratch database of its own (``--db``): an
  organisation, an analyst with a read-write API token, the bundle imported into a report of that
  organisation (the import path the other benches use). Reads go to the ``community`` collection,
  the POST to ``own``. Basic auth: the user's e-mail and the token.
* **medallion** (the OASIS reference server, memory backend) under gunicorn: its JSON data file with
  the objects and a manifest entry per object (distinct ``date_added``). Its ``next`` cursors, POSTed
  objects and status resources live in the worker process, so paging and the POST run against one
  worker; the single GETs against a second instance with ``--workers`` workers.
* **OpenTAXII** (SQLAlchemy store on the same kind of database as kommcert) under gunicorn: API
  root, collection and an admin account through its persistence and auth APIs (what its CLI calls),
  the objects inserted into its ``opentaxii_stixobject`` table with the values its own
  ``add_objects`` would write (one row per object, distinct ``date_added``).

The peers run in a venv of their own (``bench/.venv-taxii-peers``, from
``bench/taxii_peers/requirements.txt``), made on first use. Measured per server, in this order:

(a) a full paged pull with ``taxii2-client`` (``as_pages``, ``per_request`` 1,000): objects/s;
(b) page 1 versus page 1,000 at 100 objects per page (a walk over ``next`` with ``limit=100``, every
    page's latency kept; ``--indicators`` 100,000 makes page 1,000 the last one);
(c) single-object GETs with HTTP Basic auth for ``--get-seconds`` by ``--get-clients`` concurrent
    keep-alive clients (a small raw-socket HTTP/1.1 client on the same two cores), requests/s;
(d) one POST of ``--post`` new objects, until its status resource says ``complete``: objects/s.

Every request that has not answered within ``--cap`` seconds ends that measurement ("no answer within
N s") and the server is restarted, so a quadratic peer cannot hang the run or eat the next one's CPU.
Results: JSON (``--json``) and the section ``## TAXII 2.1`` of docs/benchmarks.md (``--write-docs``).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ioc_bench import pattern, update_docs  # noqa: E402 - a sibling script, not a package
from ioc_bench import scratch_database as ioc_scratch_database  # noqa: E402
from load_bench import _machine, _pct  # noqa: E402

PG = os.environ.get("KOMMCERT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SECRET = "taxii-bench-secret-key-0123456789-abcdefghij"  # noqa: S105 - a scratch server on loopback
PEERS_VENV = ROOT / "bench" / ".venv-taxii-peers"
PEERS_REQUIREMENTS = ROOT / "bench" / "taxii_peers" / "requirements.txt"
TITLE = "## TAXII 2.1"
TAXII = "application/taxii+json;version=2.1"
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"  # TLP 2.0 GREEN, as kommcert's TLP_IDS
SERVERS = ("kommcert", "medallion", "opentaxii")
PEER_USER, PEER_PASSWORD = "bench", "bench-password-0123"  # noqa: S105 - scratch accounts on loopback
MEDALLION_ROOT = "bench"
OPENTAXII_ROOT = "b96631e7-f1c1-43dd-b9d6-55d634f31c41"


# --- the indicators -------------------------------------------------------------------------------

def the_day() -> str:
    """Midnight UTC of the day before the run: one date for every object of a run."""
    return (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT00:00:00.000Z")


def stix_objects(start: int, count: int, day: str) -> Iterator[dict]:
    for n in range(start, start + count):
        yield {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.UUID(int=n + 1, version=4)}",
               "created": day, "modified": day, "name": f"bench {n}", "pattern": pattern(n), "pattern_type": "stix",
               "valid_from": day, "indicator_types": ["malicious-activity"], "object_marking_refs": [GREEN]}


def write_bundle(path: Path, start: int, count: int, day: str) -> None:
    """One object per line (ioc_bench's layout): the peers' loaders stream it without a JSON parser pass."""
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.write(f'{{"type": "bundle", "id": "bundle--{uuid.UUID(int=start + count, version=4)}", "objects": [\n')
        for n, obj in enumerate(stix_objects(start, count, day)):
            out.write(("," if n else "") + json.dumps(obj) + "\n")
        out.write("]}\n")
    tmp.replace(path)


def read_bundle(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as f:
        next(f)
        for line in f:
            if line.startswith("]"):
                return
            yield json.loads(line.lstrip(","))


def added(n: int, base: datetime) -> str:
    """A distinct ``date_added`` per loaded object (1 ms apart), as the issue asks of every server."""
    return (base + timedelta(milliseconds=n)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# --- processes --------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Process:
    """A server started in a process group of its own, so stopping it ends its workers too."""

    popen: subprocess.Popen
    log: Path

    def stop(self, grace: float = 15) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, signal.SIGTERM)
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        self.popen.wait()


def spawn(cmd: list[str], *, env: dict, cwd: Path, log: Path, ready: str, auth: tuple[str, str] | None,
          timeout: float = 300) -> Process:
    with log.open("ab") as out:
        popen = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603
                                 start_new_session=True)
    proc = Process(popen, log)
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(ready, auth=auth, headers={"Accept": TAXII}, timeout=5).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        if popen.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"{cmd[0]} did not start:\n" + log.read_text(errors="replace")[-3000:])
        time.sleep(0.3)


def peers_python() -> Path:
    """The peers' venv, made (or remade when the requirements changed) with python -m venv and pip."""
    python = PEERS_VENV / "bin" / "python"
    stamp = PEERS_VENV / "requirements.sha256"
    want = hashlib.sha256(PEERS_REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == want:
        return python
    print(f"making {PEERS_VENV.relative_to(ROOT)} from {PEERS_REQUIREMENTS.relative_to(ROOT)}", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(PEERS_VENV)], check=True)  # noqa: S603
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",  # noqa: S603
                    "-r", str(PEERS_REQUIREMENTS)], check=True)
    stamp.write_text(want + "\n")
    return python


# --- the servers ------------------------------------------------------------------------------------

@dataclass
class Target:
    """Where a started server's collections are, and how to log in."""

    api_root: str
    read: str  # collection URL (ends with "/") for the pull, the pages and the GETs
    write: str  # collection URL for the POST
    user: str
    password: str
    workers: int

    @property
    def basic(self) -> str:
        return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()


class Server:
    name = ""
    #: paging cursors and statuses live in the worker process (medallion): paging and POST on one worker
    stateful = False

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args, self.workdir = args, workdir / self.name
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc: Process | None = None
        self.notes: list[str] = []

    def load(self, bundle: Path) -> None:  # pragma: no cover - per server
        raise NotImplementedError

    def start(self, workers: int) -> Target:  # pragma: no cover - per server
        raise NotImplementedError

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()
            self.proc = None

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc = None

    def close(self) -> None:
        self.stop()


class Medallion(Server):
    name = "medallion"
    stateful = True

    def load(self, bundle: Path) -> None:
        base = datetime.now(UTC).replace(microsecond=0)
        objects, manifest = [], []
        for n, obj in enumerate(read_bundle(bundle)):
            objects.append(obj)
            manifest.append({"id": obj["id"], "date_added": added(n, base), "version": obj["modified"],
                             "media_type": "application/stix+json;version=2.1"})
        info = {"title": "Bench", "description": "taxii_bench", "versions": [TAXII], "max_content_length": 104857600}
        data = {
            "/discovery": {"title": "medallion (taxii_bench)", "default": f"/{MEDALLION_ROOT}/",
                           "api_roots": [f"/{MEDALLION_ROOT}/"]},
            MEDALLION_ROOT: {"information": info, "status": [], "collections": [{
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "taxii_bench")), "title": "bench", "can_read": True,
                "can_write": True, "media_types": ["application/stix+json;version=2.1"],
                "objects": objects, "manifest": manifest}]},
        }
        (self.workdir / "data.json").write_text(json.dumps(data), encoding="utf-8")
        config = {"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                              "filename": str(self.workdir / "data.json")},
                  "users": {PEER_USER: PEER_PASSWORD}, "taxii": {"max_page_size": 1000}}
        (self.workdir / "config.json").write_text(json.dumps(config), encoding="utf-8")
        self.collection = data[MEDALLION_ROOT]["collections"][0]["id"]

    def start(self, workers: int) -> Target:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        python = peers_python()
        self.proc = spawn([str(python), "-m", "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
                           "--timeout", "3600", "--log-level", "warning",
                           f"medallion:load_app({str(self.workdir / 'config.json')!r})"],
                          env={**os.environ}, cwd=self.workdir, log=self.workdir / "server.log",
                          ready=f"{base}/taxii2/", auth=(PEER_USER, PEER_PASSWORD))
        root = f"{base}/{MEDALLION_ROOT}/"
        collection = f"{root}collections/{self.collection}/"
        return Target(root, collection, collection, PEER_USER, PEER_PASSWORD, workers)


class OpenTaxii(Server):
    name = "opentaxii"

    LOADER = r"""
import datetime, json, sys, uuid
from opentaxii.cli import app
from opentaxii.persistence.sqldb import taxii2models
bundle, root_id = sys.argv[1], sys.argv[2]
with app.app_context():
    api = app.taxii_server.servers.taxii2.persistence.api
    api.add_api_root(title="Bench", description="taxii_bench", default=True, is_public=False, api_root_id=root_id)
    collection = api.add_collection(api_root_id=root_id, title="bench")
    app.taxii_server.auth.api.create_account(username=sys.argv[3], password=sys.argv[4], is_admin=True)
    table = taxii2models.STIXObject.__table__
    base = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    rows = []
    def flush():
        api.db.session.execute(table.insert(), rows)
        rows.clear()
    with open(bundle, encoding="utf-8") as f:
        next(f)
        for n, line in enumerate(f):
            if line.startswith("]"):
                break
            obj = json.loads(line.lstrip(","))
            version = datetime.datetime.strptime(obj["modified"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=datetime.timezone.utc)
            rows.append({"pk": uuid.uuid4(), "id": obj["id"], "collection_id": collection.id, "type": obj["type"],
                         "spec_version": obj["spec_version"], "date_added": base + datetime.timedelta(milliseconds=n),
                         "version": version, "serialized_data": {k: v for k, v in obj.items()
                                                                 if k not in ("id", "type", "spec_version")}})
            if len(rows) >= 5000:
                flush()
    if rows:
        flush()
    api.db.session.commit()
    print(collection.id)
"""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        super().__init__(args, workdir)
        self._drop: Callable[[], None] = lambda: None
        if args.db == "postgresql":
            from contextlib import ExitStack

            from sqlalchemy.engine import make_url

            from kommcert.db import scratch_postgres_database

            stack = ExitStack()
            url = stack.enter_context(scratch_postgres_database(PG, f"kc_taxii_ot_{uuid.uuid4().hex[:8]}"))
            self._drop = stack.close
            self.db_url = make_url(url).set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)
        else:
            for p in self.workdir.glob("*.db"):
                p.unlink()
            self.db_url = f"sqlite:///{self.workdir / 'data.db'}"
        config = (
            f'domain: "127.0.0.1"\nsupport_basic_auth: yes\nreturn_server_error_details: no\n'
            f"auth_api:\n  class: opentaxii.auth.sqldb.SQLDatabaseAPI\n  parameters:\n"
            f"    db_connection: {self.db_url}\n    create_tables: yes\n"
            f"    secret: {SECRET}\n    token_ttl_secs: 86400\n"
            f"taxii2:\n  persistence_api:\n    class: opentaxii.persistence.sqldb.Taxii2SQLDatabaseAPI\n"
            f"    parameters:\n      db_connection: {self.db_url}\n      create_tables: yes\n"
            f'  title: "OpenTAXII (taxii_bench)"\n  public_discovery: true\n  max_content_length: 209715200\n'
            f"logging:\n  opentaxii: warning\n  root: warning\n")
        (self.workdir / "opentaxii.yml").write_text(config, encoding="utf-8")
        self.env = {**os.environ, "OPENTAXII_CONFIG": str(self.workdir / "opentaxii.yml"), "PYTHONWARNINGS": "ignore"}

    def load(self, bundle: Path) -> None:
        out = subprocess.run([str(peers_python()), "-c", self.LOADER, str(bundle), OPENTAXII_ROOT,  # noqa: S603
                              PEER_USER, PEER_PASSWORD], env=self.env, cwd=self.workdir, capture_output=True,
                             text=True)
        if out.returncode != 0:
            raise SystemExit("OpenTAXII load failed:\n" + out.stderr[-3000:])
        self.collection = str(uuid.UUID(out.stdout.strip().splitlines()[-1]))

    def start(self, workers: int) -> Target:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        self.proc = spawn([str(peers_python()), "-m", "gunicorn", "--workers", str(workers), "--bind",
                           f"127.0.0.1:{port}", "--timeout", "3600", "--log-level", "warning", "opentaxii.http:app"],
                          env=self.env, cwd=self.workdir, log=self.workdir / "server.log", ready=f"{base}/taxii2/",
                          auth=None)
        root = f"{base}/taxii2/{OPENTAXII_ROOT}/"
        collection = f"{root}collections/{self.collection}/"
        return Target(root, collection, collection, PEER_USER, PEER_PASSWORD, workers)

    def bearer(self, target: Target) -> str:
        """OpenTAXII's own token (a JWT from /management/auth): what its Basic auth costs beside."""
        base = target.api_root.split("/taxii2/")[0]
        response = httpx.post(f"{base}/management/auth", json={"username": PEER_USER, "password": PEER_PASSWORD},
                              timeout=60)
        response.raise_for_status()
        return "Bearer " + response.json()["token"]

    def close(self) -> None:
        super().close()
        self._drop()


class Kommcert(Server):
    name = "kommcert"

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        super().__init__(args, workdir)
        self.url, self._drop = ioc_scratch_database(args.db, self.workdir, name="taxii", pg=PG)

    def load(self, bundle: Path) -> None:
        from kommcert.accounts import service as accounts_service
        from kommcert.accounts.models import Role, TokenScope
        from kommcert.config import load_settings
        from kommcert.db import make_engine, make_sessionmaker
        from kommcert.indicators import importing
        from kommcert.indicators import service as indicators_service
        from kommcert.orgs import service as orgs_service
        from kommcert.orgs.models import OrgKind

        settings = load_settings(env="dev", database_url=self.url, secret_key=SECRET)
        engine = make_engine(self.url)
        factory = make_sessionmaker(engine)
        with factory() as db:
            land = orgs_service.create_org(db, key="99", kind=OrgKind.land, name="Benchland")
            cert = orgs_service.create_org(db, key="cert", kind=OrgKind.land_cert, name="Landes-CERT", parent=land)
            self.user = "analyst@cert.example"
            user = accounts_service.create_user(db, actor=None, org=cert, email=self.user, name="Analyst",
                                                role=Role.analyst, password=None)
            self.token = accounts_service.create_token(db, actor=None, user=user, name="taxii",
                                                       scope=TokenScope.read_write, expires_at=None)[0]
            db.commit()
            actor = accounts_service.actor_for(db, user)
        with factory() as db:
            res = indicators_service.import_path(db, actor=actor, settings=settings, fmt="stix", path=str(bundle),
                                                 name=bundle.name, options=importing.ImportOptions())
            db.commit()
        if res.imported != self.args.indicators:
            self.notes.append(f"kommcert's import took {res.imported:,} of {self.args.indicators:,} (duplicates "
                              f"{res.duplicates}, warning-listed {res.warninglisted}, skipped {res.skipped_count}, "
                              f"rejected {res.rejected_count}).")
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        engine.dispose()

    def start(self, workers: int) -> Target:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "KOMMCERT_ENV": "dev", "KOMMCERT_SECURE_COOKIES": "false",
               "KOMMCERT_DATABASE_URL": self.url, "KOMMCERT_SECRET_KEY": SECRET}
        self.proc = spawn([sys.executable, "-m", "kommcert", "serve", "--host", "127.0.0.1", "--port", str(port),
                           "--workers", str(workers)], env=env, cwd=ROOT, log=self.workdir / "server.log",
                          ready=f"{base}/healthz", auth=None)
        auth = (self.user, self.token)
        discovery = httpx.get(f"{base}/taxii2/", auth=auth, headers={"Accept": TAXII}, timeout=30).json()
        root = _absolute(base, discovery.get("default") or discovery["api_roots"][0])
        collections = httpx.get(f"{root}collections/", auth=auth, headers={"Accept": TAXII}, timeout=30).json()
        by_alias = {c.get("alias"): c["id"] for c in collections.get("collections", [])}
        return Target(root, f"{root}collections/{by_alias['community']}/", f"{root}collections/{by_alias['own']}/",
                      self.user, self.token, workers)

    def close(self) -> None:
        super().close()
        self._drop()


def _absolute(base: str, url: str) -> str:
    url = url if "://" in url else base + ("" if url.startswith("/") else "/") + url
    return url if url.endswith("/") else url + "/"


KINDS: dict[str, type[Server]] = {"kommcert": Kommcert, "medallion": Medallion, "opentaxii": OpenTaxii}


# --- the measurements -------------------------------------------------------------------------------

class Capped(Exception):
    """A request did not answer within the cap."""


class Watchdog:
    """Kills the server when no progress was reported for ``cap`` seconds (taxii2-client's requests
    have no timeout of their own): the blocked call then fails and the measurement says so."""

    def __init__(self, server: Server, cap: float) -> None:
        self.server, self.cap = server, cap
        self.last = time.monotonic()
        self.fired = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def tick(self) -> None:
        self.last = time.monotonic()

    def _watch(self) -> None:
        while not self._done.wait(1):
            if time.monotonic() - self.last > self.cap:
                self.fired = True
                self.server.kill()
                return

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()


def pull(server: Server, target: Target, args: argparse.Namespace) -> dict:
    """(a) every object through taxii2-client's as_pages."""
    from taxii2client.v21 import Collection, as_pages

    objects = pages = 0
    first = None
    ids: list[str] = []
    latencies: list[float] = []
    t = last = time.perf_counter()
    with Watchdog(server, args.cap) as dog:
        try:
            collection = Collection(target.read, user=target.user, password=target.password)
            for envelope in as_pages(collection.get_objects, per_request=args.per_request):
                dog.tick()
                now = time.perf_counter()
                latencies.append(now - last)
                last = now
                objects += len(envelope.get("objects", []))
                ids.extend(o["id"] for o in envelope.get("objects", []))
                pages += 1
                if first is None:
                    first = time.perf_counter() - t
                if objects > 2 * args.indicators + args.post:
                    return {"error": f"more than {objects:,} objects: the paging does not end"}
        except Exception as exc:  # noqa: BLE001 - a peer's failure is a result
            if dog.fired:
                return {"capped": True, "objects": objects, "pages": pages,
                        "error": f"no answer within {args.cap:g} s after {pages} pages"}
            return {"error": f"{type(exc).__name__}: {str(exc)[:300]}", "objects": objects, "pages": pages}
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "objects": objects, "pages": pages, "per_second": objects / seconds,
            "first_page_seconds": first, "ids": ids,
            "page_ms": [round(x * 1000, 1) for x in latencies]}


def walk(target: Target, args: argparse.Namespace) -> dict:
    """(b) every page at ``--page-size`` objects over ``next``, each page's latency."""
    latencies: list[float] = []
    params: dict[str, str | int] = {"limit": args.page_size}
    objects = 0
    with httpx.Client(auth=(target.user, target.password), headers={"Accept": TAXII}, timeout=args.cap) as http:
        while True:
            t = time.perf_counter()
            try:
                response = http.get(target.read + "objects/", params=params)
            except httpx.TimeoutException:
                return {"capped": True, "latencies": latencies, "objects": objects,
                        "error": f"page {len(latencies) + 1}: no answer within {args.cap:g} s"}
            latencies.append(time.perf_counter() - t)
            if response.status_code != 200:
                return {"latencies": latencies, "objects": objects,
                        "error": f"page {len(latencies)}: HTTP {response.status_code} {response.text[:200]}"}
            envelope = response.json()
            objects += len(envelope.get("objects", []))
            if not envelope.get("more"):
                break
            if not envelope.get("next"):
                return {"latencies": latencies, "objects": objects,
                        "error": f"page {len(latencies)}: more without next"}
            params = {"limit": args.page_size, "next": envelope["next"]}
    return {"latencies": latencies, "objects": objects}


def page_summary(result: dict, page: int) -> dict:
    lat = result.get("latencies", [])
    if not lat:
        return {}
    last = min(page, len(lat))
    head = lat[:10]
    tail = lat[max(last - 10, 0):last]
    return {"pages": len(lat), "page1_ms": lat[0] * 1000, "pageN": last, "pageN_ms": lat[last - 1] * 1000,
            "first10_median_ms": _pct(head, 0.5) * 1000, "last10_median_ms": _pct(tail, 0.5) * 1000,
            "total_seconds": sum(lat)}


@dataclass
class GetStats:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    unfinished: int = 0


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
                    ) -> tuple[int, bool]:
    """One HTTP/1.1 request; the status and whether the server keeps the connection open."""
    writer.write(request)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked, keep = 0, False, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value:
            chunked = True
        elif name == b"connection" and value == b"close":
            keep = False
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, keep


async def _client(host: str, port: int, paths: Iterator[str], auth: str, deadline: float, stats: GetStats) -> None:
    reader = writer = None
    try:
        while (left := deadline - time.perf_counter()) > 0:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            request = (f"GET {next(paths)} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: {auth}\r\n"
                       f"Accept: {TAXII}\r\n\r\n").encode()
            t = time.perf_counter()
            try:
                status, keep = await asyncio.wait_for(_exchange(reader, writer, request), timeout=left)
            except TimeoutError:
                stats.unfinished += 1
                return
            except (ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
                stats.errors.append(f"{type(exc).__name__}: {exc}")
                writer.close()
                writer = None
                continue
            stats.latencies.append(time.perf_counter() - t)
            stats.statuses[status] = stats.statuses.get(status, 0) + 1
            if not keep:
                writer.close()
                writer = None
    finally:
        if writer is not None:
            writer.close()


def gets(target: Target, args: argparse.Namespace, ids: list[str], auth: str | None = None) -> dict:
    """(c) single-object GETs by ``--get-clients`` concurrent clients for ``--get-seconds``, of ids the
    server itself gave out in the pull (kommcert's objects are its aggregated indicators, with ids of
    their own), or of the loaded ones when the pull gave none."""
    split = urlsplit(target.read)
    rng = random.Random(15)
    ids = ids or [f"indicator--{uuid.UUID(int=n + 1, version=4)}" for n in range(args.indicators)]

    def paths() -> Iterator[str]:
        while True:
            yield f"{split.path}objects/{rng.choice(ids)}/"

    stats = GetStats()
    shared = paths()

    async def run() -> None:
        deadline = time.perf_counter() + args.get_seconds
        await asyncio.gather(*(_client(split.hostname, split.port, shared, auth or target.basic, deadline, stats)
                               for _ in range(args.get_clients)))

    asyncio.run(run())
    ok = stats.statuses.get(200, 0)
    lat = [x * 1000 for x in stats.latencies]
    return {"seconds": args.get_seconds, "clients": args.get_clients, "ok": ok, "per_second": ok / args.get_seconds,
            "statuses": {str(k): v for k, v in sorted(stats.statuses.items())}, "errors": stats.errors[:3],
            "error_count": len(stats.errors), "unfinished": stats.unfinished,
            "p50_ms": _pct(lat, 0.5), "p99_ms": _pct(lat, 0.99), "workers": target.workers}


def post(target: Target, args: argparse.Namespace, day: str) -> dict:
    """(d) one envelope of ``--post`` new objects, then the status until ``complete``."""
    envelope = json.dumps({"objects": list(stix_objects(args.indicators, args.post, day))}).encode()
    headers = {"Accept": TAXII, "Content-Type": TAXII}
    t = time.perf_counter()
    with httpx.Client(auth=(target.user, target.password), timeout=args.cap) as http:
        try:
            response = http.post(target.write + "objects/", content=envelope, headers=headers)
        except httpx.TimeoutException:
            return {"capped": True, "error": f"no answer within {args.cap:g} s"}
        answered = time.perf_counter() - t
        if response.status_code not in (200, 201, 202):
            return {"error": f"HTTP {response.status_code} {response.text[:300]}"}
        status = response.json()
        polls = 0
        while status.get("status") != "complete":
            if time.perf_counter() - t > args.cap:
                return {"capped": True, "error": f"status not complete within {args.cap:g} s", "status": status}
            time.sleep(0.02)
            polls += 1
            response = http.get(f"{target.api_root}status/{status['id']}/", headers={"Accept": TAXII})
            if response.status_code != 200:
                return {"error": f"status: HTTP {response.status_code} {response.text[:300]}"}
            status = response.json()
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "answered_seconds": answered, "polls": polls, "bytes": len(envelope),
            "per_second": args.post / seconds, "success_count": status.get("success_count"),
            "failure_count": status.get("failure_count"), "total_count": status.get("total_count")}


def measure(server: Server, args: argparse.Namespace, day: str) -> dict:
    """The four measurements against one server, restarting it after anything capped."""
    result: dict = {}
    one = 1 if server.stateful else args.workers
    target = server.start(one)
    try:
        print(f"{server.name}: pull …", flush=True)
        result["pull"] = pull(server, target, args)
        print(f"{server.name}: pull {_brief(result['pull'])}", flush=True)
        if result["pull"].get("capped"):
            target = _restart(server, one)
            result["pages"] = {"skipped": "the first page of the pull did not answer" if not
                               result["pull"].get("pages") else "the pull did not finish"}
        else:
            print(f"{server.name}: pages …", flush=True)
            result["pages"] = walk(target, args)
            if result["pages"].get("capped"):
                target = _restart(server, one)
            print(f"{server.name}: pages {_brief(page_summary(result['pages'], args.page))}", flush=True)
        if server.stateful and args.workers != one:
            server.stop()
            target = server.start(args.workers)
        print(f"{server.name}: single GETs …", flush=True)
        ids = result["pull"].pop("ids", [])
        result["gets"] = gets(target, args, ids)
        print(f"{server.name}: single GETs {_brief(result['gets'])}", flush=True)
        if isinstance(server, OpenTaxii):
            target = _restart(server, args.workers)  # nothing of the Basic run still queued
            result["gets_bearer"] = gets(target, args, ids, auth=server.bearer(target))
            print(f"{server.name}: single GETs with its bearer token {_brief(result['gets_bearer'])}", flush=True)
        target = _restart(server, one)  # the GETs' unfinished requests may still run
        print(f"{server.name}: POST …", flush=True)
        result["post"] = post(target, args, day)
        print(f"{server.name}: POST {_brief(result['post'])}", flush=True)
    finally:
        server.kill() if result.get("post", {}).get("capped") else server.stop()
    return result


def _restart(server: Server, workers: int) -> Target:
    server.kill()
    return server.start(workers)


def _brief(r: dict) -> str:
    keep = ("error", "seconds", "per_second", "objects", "pages", "page1_ms", "pageN_ms", "ok", "p50_ms", "statuses")
    return ", ".join(f"{k}={v:,.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items() if k in keep)


# --- the record -------------------------------------------------------------------------------------

LABELS = {"kommcert": "kommcert", "medallion": "medallion 3.0.0 (memory)", "opentaxii": "OpenTAXII 0.10.0b1"}


def render(report: dict) -> str:
    a, m = report["args"], report["machine"]
    store = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}[a["db"]]
    lines = [
        TITLE,
        "",
        f"Run {report['date']} on {m['cpu']}, {m['cores']} cores, Python {m['python']}, load average "
        f"{m['load_before'][0]} before and {m['load'][0]} after (the clients ran on the same cores). "
        f"`{report['command']}`. The same {a['indicators']:,} STIX 2.1 indicators (seven types, TLP:GREEN) in "
        f"each server: kommcert on {store} (`kommcert serve --workers {a['workers']}`, Basic auth = user + API "
        f"token, the `community` collection; POST to `own`), medallion 3.0.0 with its memory backend and "
        f"OpenTAXII 0.10.0b1 on {store} (each under gunicorn, Basic auth = user + password; versions and why "
        f"in `bench/taxii_peers/requirements.txt`). Workers: {a['workers']} for the single GETs everywhere; "
        f"medallion keeps its `next` cursors and statuses in the worker process, so its pull, pages and POST "
        f"ran on one worker. Every request had {a['cap']:g} s to answer.",
        "",
        "| server | load (s) | (a) pull, objects/s | pull s | (b) page 1 ms | page "
        f"{a['page']:,} ms | (c) single GETs/s | GET p50 / p99 ms | (d) POST {a['post']:,}, objects/s | POST s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in report["servers"].items():
        pull_, pages, g, p = r["pull"], page_summary(r.get("pages", {}), a["page"]), r["gets"], r["post"]
        cells = [LABELS[name], f"{r['load_seconds']:,.1f}"]
        cells += [f"{pull_['per_second']:,.0f}", f"{pull_['seconds']:,.1f}"] if "per_second" in pull_ else \
            [_failure(pull_), "–"]
        if pages:
            cells += [f"{pages['page1_ms']:,.0f}", f"{pages['pageN_ms']:,.0f}" + (
                f" (page {pages['pageN']:,})" if pages["pageN"] != a["page"] else "")]
        else:
            cells += [_failure(r.get("pages", {})), "–"]
        cells += [f"{g['per_second']:,.1f}" if g["ok"] else f"no answer within {g['seconds']:g} s",
                  f"{g['p50_ms']:,.0f} / {g['p99_ms']:,.0f}" if g["ok"] else "–"]
        cells += [f"{p['per_second']:,.0f}", f"{p['seconds']:,.2f}"] if "per_second" in p else [_failure(p), "–"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Details:", ""]
    for name, r in report["servers"].items():
        lines.append(f"- {LABELS[name]}: " + _details(r, a))
    k = report["servers"].get("kommcert")
    if k:
        pull_, pages, g, p = k["pull"], page_summary(k.get("pages", {}), a["page"]), k["gets"], k["post"]
        full = a["indicators"] >= 100_000 and a["post"] >= 10_000

        def _met(ok: bool) -> str:
            return ("met" if ok else "**not met**") if full else "not judged"
        lines += ["", "Targets of issue 15 for kommcert" + ("" if full else
                  f" (a smaller run: {a['indicators']:,} indicators, POST of {a['post']:,}; the targets are "
                  "for 100,000 and 10,000)") + ":", ""]
        lines += [
            f"- the 100k pull under 4 s: {_secs(pull_)} – {_met(pull_.get('seconds', 1e9) < 4)}",
            f"- ≥ 1,000 Basic-auth single GETs/s on 2 cores: {g['per_second']:,.0f}/s – "
            f"{_met(g['per_second'] >= 1000)}",
            f"- the 10k POST under 2 s: {_secs(p)} – {_met(p.get('seconds', 1e9) < 2)}",
        ]
        if pages:
            ok = pages["last10_median_ms"] <= pages["first10_median_ms"] * 1.25
            lines.append(
                f"- page {pages['pageN']:,} no slower than page 1: {pages['pageN_ms']:,.1f} vs "
                f"{pages['page1_ms']:,.1f} ms (median of the last ten pages {pages['last10_median_ms']:,.1f} vs "
                f"the first ten {pages['first10_median_ms']:,.1f} ms; met when within 25 %, single pages jitter) "
                f"– {_met(ok)}")
        else:
            lines.append(f"- page {a['page']:,} no slower than page 1: {_failure(k.get('pages', {}))} – **not met**")
    for note in report.get("notes", []):
        lines += ["", note]
    return "\n".join(lines) + "\n"


def _details(r: dict, a: dict) -> str:
    parts = []
    pull_ = r["pull"]
    if "per_second" in pull_:
        parts.append(f"pull {pull_['objects']:,} objects in {pull_['pages']:,} pages, first page "
                     f"{pull_['first_page_seconds'] * 1000:,.0f} ms")
    else:
        parts.append(f"pull: {pull_.get('error')}")
    pages = page_summary(r.get("pages", {}), a["page"])
    if pull_.get("page_ms") and len(pull_["page_ms"]) > 1:
        ms = pull_["page_ms"]
        parts.append(f"its pages of {a['per_request']:,}: page 2 {ms[1]:,.0f} ms, page {len(ms):,} {ms[-1]:,.0f} ms "
                     "(page 1 includes taxii2-client's collection lookup)")
    if pages:
        parts.append(f"{pages['pages']:,} pages of {a['page_size']} in {pages['total_seconds']:,.1f} s, median of "
                     f"the first ten {pages['first10_median_ms']:,.1f} ms and of the last ten "
                     f"{pages['last10_median_ms']:,.1f} ms")
    if r.get("pages", {}).get("error"):
        parts.append(f"pages: {r['pages']['error']}")
    g = r["gets"]
    parts.append(f"GETs: {g['ok']:,} answered 200 in {g['seconds']:g} s by {g['clients']} clients on "
                 f"{g['workers']} workers (statuses {g['statuses']}, {g['error_count']} connection errors, "
                 f"{g['unfinished']} still running at the end)")
    if r.get("gets_bearer"):
        b = r["gets_bearer"]
        parts.append(f"with its own bearer token (JWT) instead of Basic: {b['per_second']:,.1f} GETs/s "
                     f"(p50 {b['p50_ms']:,.0f} ms)")
    p = r["post"]
    if "per_second" in p:
        parts.append(f"POST answered after {p['answered_seconds']:,.2f} s, status complete after "
                     f"{p['seconds']:,.2f} s ({p['polls']} polls; {p['success_count']} succeeded, "
                     f"{p['failure_count']} failed)")
    return "; ".join(parts) + "."


def _failure(r: dict) -> str:
    return r.get("skipped") or ("no answer within the cap" if r.get("capped") else "error") if r else "–"


def _secs(r: dict) -> str:
    return f"{r['seconds']:,.2f} s" if "seconds" in r else (r.get("error") or "no result")


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--indicators", type=int, default=100_000)
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma-separated: " + ", ".join(SERVERS))
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql",
                        help="kommcert's and OpenTAXII's store")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--per-request", type=int, default=1000, help="page size of the taxii2-client pull")
    parser.add_argument("--page-size", type=int, default=100, help="page size of the page-latency walk")
    parser.add_argument("--page", type=int, default=1000, help="the page compared with page 1")
    parser.add_argument("--get-seconds", type=float, default=20)
    parser.add_argument("--get-clients", type=int, default=8)
    parser.add_argument("--post", type=int, default=10_000, help="objects in the POSTed envelope")
    parser.add_argument("--cap", type=float, default=600, help="seconds any one request may take")
    parser.add_argument("--workdir", default="/tmp/kommcert-taxii")  # noqa: S108 - scratch data only
    parser.add_argument("--json", help="write the full report here")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--render", metavar="JSON", help="only render a saved report (from --json) again")
    args = parser.parse_args(argv)
    if args.render:
        report = json.loads(Path(args.render).read_text(encoding="utf-8"))
        print(render(report))
        if args.write_docs:
            update_docs(render(report), title=TITLE)
        return report
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers and drop the scratch databases
    names = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = set(names) - set(SERVERS)
    if unknown:
        parser.error(f"unknown servers: {', '.join(sorted(unknown))}")
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    load_before = [round(x, 1) for x in os.getloadavg()]
    day = the_day()
    bundle = workdir / f"bundle-{args.indicators}-{day[:10]}.json"
    if not bundle.exists():
        write_bundle(bundle, 0, args.indicators, day)
    if set(names) - {"kommcert"}:
        peers_python()
    results: dict = {}
    notes: list[str] = []
    for name in names:
        server = KINDS[name](args, workdir)
        try:
            t = time.perf_counter()
            server.load(bundle)
            load_seconds = time.perf_counter() - t
            print(f"{name}: loaded {args.indicators:,} in {load_seconds:,.1f} s", flush=True)
            results[name] = {"load_seconds": load_seconds, **measure(server, args, day)}
            notes += server.notes
        finally:
            server.close()
    command = "python bench/taxii_bench.py " + " ".join(
        a for a in (argv if argv is not None else sys.argv[1:]) if a not in ("--write-docs",))
    report = {"date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", "args": vars(args), "command": command.strip(),
              "machine": {**_machine(), "load_before": load_before}, "servers": results,
              "notes": notes}
    section = render(report)
    print(section)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1), encoding="utf-8")
    if args.write_docs:
        update_docs(section, title=TITLE)
    return report


if __name__ == "__main__":
    main()
