"""Load benchmark: a Land's appliances polling their feeds with ETags in a burst, analysts searching
and one import running, against ``kommcert serve`` with several worker processes.

    python bench/load_bench.py --db postgresql --write-docs          # the record: 1M indicators
    python bench/load_bench.py --db sqlite --indicators 2000 --feed-values 1000 --appliances 50 \\
        --municipalities 5 --import-values 500 --burst 3 --workers 1 --json /tmp/load.json   # a smoke run

The scratch database is built directly (not over HTTP): a Land with a Land-CERT (analysts, the
importer) and ``--municipalities`` Gemeinden, each with one member and ``appliances/municipalities``
read tokens (distinct pollers; the ETag is per user, so one full download per Gemeinde primes the
tag every appliance of it sends back). Of ``--indicators`` values, ``--feed-values`` are TLP:GREEN
(each Gemeinde's ``/feeds/txt``), the rest TLP:AMBER for the Land-CERT only, so a feed is read from
a table of the full size. Then, over HTTP:

1. the import of ``--import-values`` new values (AMBER, Land-CERT) with nothing else running;
2. priming: one full ``/feeds/txt`` per Gemeinde, ``--prime-concurrency`` at a time;
3. the burst: every appliance polls once with If-None-Match (arrivals spread evenly over
   ``--burst`` seconds, open loop: a slow server queues them), ``--full-polls`` appliances download
   the whole list (new or restarted ones), ``--analysts`` search without pause, and the same import
   runs again with new values. It hides nothing the Gemeinden see, so their tags must hold: a poll
   that gets 200 instead of 304 is counted as ``poll (tag changed)``.

PostgreSQL uses a throw-away database on KOMMCERT_BENCH_PG (default: the local server's ``bench_load``
name is created and dropped). Results: JSON (``--json``) and a section in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ioc_bench import pattern, update_docs  # noqa: E402 - a sibling script, not a package
from ioc_bench import scratch_database as ioc_scratch_database  # noqa: E402

PG = os.environ.get("KOMMCERT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SECRET = "load-bench-secret-key-0123456789-abcdefghij"  # noqa: S105 - a scratch server on loopback
SEARCHES = ["c2-1", "evil.example", "bad7", "11.0.", "phish12", "payload/99", "mail5", "2a01:4f8:0"]


# --- the scratch Land ---------------------------------------------------------------------------

def write_bundle(path: Path, start: int, count: int, tlp: str) -> None:
    """STIX bundle of ``count`` indicators numbered from ``start`` (ioc_bench's seven types), dated
    yesterday so default lifetimes keep them in the blocking feeds."""
    from kommcert.indicators.formats.stix import TLP_IDS
    from kommcert.sharing.tlp import TLP

    since = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    marking = TLP_IDS[TLP(tlp)]
    with path.open("w", encoding="utf-8") as out:
        out.write(f'{{"type": "bundle", "id": "bundle--{uuid.uuid4()}", "objects": [\n')
        for n in range(start, start + count):
            obj = {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.UUID(int=n + 1, version=4)}",
                   "created": since, "modified": since, "pattern": pattern(n), "pattern_type": "stix",
                   "valid_from": since, "indicator_types": ["malicious-activity"], "object_marking_refs": [marking]}
            out.write(("," if n > start else "") + json.dumps(obj) + "\n")
        out.write("]}\n")


def scratch_database(kind: str, workdir: Path) -> tuple[str, callable]:
    return ioc_scratch_database(kind, workdir, name="load", pg=PG)


@dataclass
class Land:
    appliances: list[tuple[int, str]]  # (Gemeinde number, token)
    analysts: list[str]
    importer: str


def build_land(url: str, args: argparse.Namespace, workdir: Path) -> Land:
    from kommcert.accounts import service as accounts_service
    from kommcert.accounts.models import Role, TokenScope
    from kommcert.config import load_settings
    from kommcert.db import make_engine, make_sessionmaker
    from kommcert.indicators import importing
    from kommcert.indicators import service as indicators_service
    from kommcert.orgs import service as orgs_service
    from kommcert.orgs.models import OrgKind

    settings = load_settings(env="dev", database_url=url, secret_key=SECRET)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)

    def token(db, user, name: str, scope: TokenScope = TokenScope.read) -> str:  # noqa: ANN001
        return accounts_service.create_token(db, actor=None, user=user, name=name, scope=scope, expires_at=None)[0]

    with factory() as db:
        land = orgs_service.create_org(db, key="99", kind=OrgKind.land, name="Lastland")
        cert = orgs_service.create_org(db, key="cert", kind=OrgKind.land_cert, name="Landes-CERT", parent=land)
        kreis = orgs_service.create_org(db, key="99101", kind=OrgKind.kreis, name="Lastkreis", parent=land)
        analysts = [accounts_service.create_user(db, actor=None, org=cert, email=f"analyst{n}@cert.example",
                                                 name=f"Analyst {n}", role=Role.analyst, password=None)
                    for n in range(max(args.analysts, 1))]
        importer = token(db, analysts[0], "import", TokenScope.read_write)
        analyst_tokens = [token(db, user, "search") for user in analysts[:args.analysts]]
        appliances: list[tuple[int, str]] = []
        per = math.ceil(args.appliances / args.municipalities)
        for g in range(args.municipalities):
            org = orgs_service.create_org(db, key=f"99101{g:03d}", kind=OrgKind.verbandsfreie_gemeinde,
                                          name=f"Gemeinde {g}", parent=kreis)
            member = accounts_service.create_user(db, actor=None, org=org, email=f"it@gemeinde{g}.example",
                                                  name=f"IT Gemeinde {g}", role=Role.member, password=None)
            appliances += [(g, token(db, member, f"Firewall {n}"))
                           for n in range(min(per, args.appliances - len(appliances)))]
        db.commit()
        actor = accounts_service.actor_for(db, analysts[0])
    for tlp, start, count in (("green", 0, args.feed_values),
                              ("amber", args.feed_values, args.indicators - args.feed_values)):
        if count <= 0:
            continue
        path = workdir / f"land-{tlp}-{start}-{count}.json"
        if not path.exists():
            write_bundle(path, start, count, tlp)
        t = time.perf_counter()
        with factory() as db:
            indicators_service.import_path(db, actor=actor, settings=settings, fmt="stix", path=str(path),
                                           name=path.name, options=importing.ImportOptions())
            db.commit()
        print(f"loaded {count:,} {tlp} in {time.perf_counter() - t:,.1f} s", flush=True)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return Land(appliances, analyst_tokens, importer)


# --- the server -----------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, workers: int, log: Path, feed_state_seconds: float | None = None,
                 ) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "KOMMCERT_ENV": "dev", "KOMMCERT_SECURE_COOKIES": "false", "KOMMCERT_DATABASE_URL": url,
           "KOMMCERT_SECRET_KEY": SECRET}
    if feed_state_seconds is not None:
        env["KOMMCERT_FEED_STATE_SECONDS"] = str(feed_state_seconds)
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "kommcert", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers)], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return server, base
        except httpx.TransportError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit("kommcert serve did not start:\n" + log.read_text(errors="replace")[-3000:])
        time.sleep(0.2)


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# --- the load ---------------------------------------------------------------------------------------

@dataclass
class Sample:
    kind: str
    seconds: float
    status: int  # 0: no response (connection error, timeout)
    values: int = 0
    error: str = ""
    etag: str | None = None
    started: float = 0.0  # perf_counter at the request's start


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)

    async def get_feed(self, http: httpx.AsyncClient, kind: str, token: str, etag: str | None = None) -> Sample:
        headers = {"If-None-Match": etag} if etag else {}
        t = time.perf_counter()
        started = t
        try:
            response = await http.get("/feeds/txt", params={"token": token}, headers=headers)
            body = response.text
            sample = Sample(kind, time.perf_counter() - t, response.status_code,
                            values=sum(1 for line in body.splitlines() if line and not line.startswith("#")),
                            etag=response.headers.get("etag"), started=started)
        except httpx.HTTPError as exc:
            sample = Sample(kind, time.perf_counter() - t, 0, error=f"{type(exc).__name__}: {exc}", started=started)
        if kind == "poll 304" and sample.status == 200:
            sample.kind = "poll (tag changed)"
        self.samples.append(sample)
        return sample

    async def search(self, http: httpx.AsyncClient, token: str, q: str) -> None:
        t = time.perf_counter()
        try:
            response = await http.get("/api/v1/indicators", params={"q": q, "limit": 100},
                                      headers={"Authorization": f"Bearer {token}"})
            self.samples.append(Sample("search", time.perf_counter() - t, response.status_code,
                                       values=len(response.json().get("items", [])) if response.status_code == 200
                                       else 0))
        except (httpx.HTTPError, ValueError) as exc:
            self.samples.append(Sample("search", time.perf_counter() - t, 0, error=f"{type(exc).__name__}: {exc}"))

    async def import_file(self, http: httpx.AsyncClient, token: str, path: Path) -> Sample:
        t = time.perf_counter()
        try:
            with path.open("rb") as f:
                response = await http.post("/api/v1/indicators/import", headers={"Authorization": f"Bearer {token}"},
                                           data={"format": "stix", "tlp": "amber"},
                                           files={"file": (path.name, f, "application/json")})
            sample = Sample("import", time.perf_counter() - t, response.status_code,
                            values=response.json().get("imported", 0) if response.status_code == 200 else 0,
                            error="" if response.status_code == 200 else response.text[:300])
        except (httpx.HTTPError, ValueError) as exc:
            sample = Sample("import", time.perf_counter() - t, 0, error=f"{type(exc).__name__}: {exc}")
        self.samples.append(sample)
        return sample


def _client(base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base, timeout=300,
                             limits=httpx.Limits(max_connections=1000, max_keepalive_connections=1000))


async def run_load(base: str, land: Land, args: argparse.Namespace, bundles: tuple[Path, Path]) -> dict:
    rng = random.Random(1)
    result: dict = {}
    async with _client(base) as http:
        # 1. the import alone
        alone = await Recorder().import_file(http, land.importer, bundles[0])
        if alone.status != 200:
            raise SystemExit(f"import failed: {alone.status} {alone.error}")
        result["import_alone"] = {"seconds": alone.seconds, "imported": alone.values}
        print(f"import alone: {alone.values:,} in {alone.seconds:,.1f} s", flush=True)

        # 2. priming: one full download per Gemeinde gives the tag all its appliances send back
        prime = Recorder()
        firsts: dict[int, str] = {}
        for g, token in land.appliances:
            firsts.setdefault(g, token)
        gate = asyncio.Semaphore(args.prime_concurrency)
        etags: dict[int, str | None] = {}

        async def first(g: int, token: str) -> None:
            async with gate:
                etags[g] = (await prime.get_feed(http, "full txt (priming)", token)).etag

        t = time.perf_counter()
        await asyncio.gather(*(first(g, token) for g, token in firsts.items()))
        result["priming"] = {"seconds": time.perf_counter() - t, "samples": prime.samples}
        print(f"primed {len(firsts)} Gemeinden in {time.perf_counter() - t:,.1f} s", flush=True)

        # 3. the burst
        burst = Recorder()
        done = asyncio.Event()
        start = time.perf_counter()
        step = args.burst / max(len(land.appliances), 1)
        full_every = max(len(land.appliances) // args.full_polls, 1) if args.full_polls else 0

        async def poll(n: int, g: int, token: str) -> None:
            await asyncio.sleep(max(start + n * step - time.perf_counter(), 0))
            if full_every and n % full_every == full_every // 2 and n // full_every < args.full_polls:
                await burst.get_feed(http, "full txt (burst)", token)
            else:
                await burst.get_feed(http, "poll 304", token, etags.get(g))

        async def analyst(token: str) -> None:
            while not done.is_set():
                await burst.search(http, token, rng.choice(SEARCHES))
                await asyncio.sleep(args.think)

        async def importing() -> Sample:
            return await burst.import_file(http, land.importer, bundles[1])

        searches = [asyncio.create_task(analyst(token)) for token in land.analysts]
        imported, *_ = await asyncio.gather(importing(), *(poll(n, g, token)
                                                          for n, (g, token) in enumerate(land.appliances)))
        done.set()
        await asyncio.gather(*searches)
        wall = time.perf_counter() - start
        result["import_burst"] = {"seconds": imported.seconds, "imported": imported.values}
        result["burst"] = {"seconds": wall, "samples": burst.samples, "start": start}
        print(f"burst: {len(burst.samples):,} requests in {wall:,.1f} s; import {imported.seconds:,.1f} s", flush=True)
    return result


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(math.ceil(q * len(ordered)) - 1, 0))] if ordered else 0.0


def summarise(samples: list[Sample], seconds: float) -> dict:
    kinds: dict[str, dict] = {}
    for kind in sorted({s.kind for s in samples}):
        these = [s for s in samples if s.kind == kind]
        ok = [s for s in these if s.status in (200, 304)]
        lat = [s.seconds * 1000 for s in these]
        kinds[kind] = {"requests": len(these), "errors": len(these) - len(ok), "per_second": len(these) / seconds,
                       "p50_ms": _pct(lat, 0.5), "p99_ms": _pct(lat, 0.99), "max_ms": max(lat),
                       "values": max((s.values for s in these), default=0),
                       "statuses": {str(k): v for k, v in sorted(_count(s.status for s in these).items())},
                       "first_errors": [s.error or str(s.status) for s in these if s.status not in (200, 304)][:3]}
    return {"seconds": seconds, "requests": len(samples), "per_second": len(samples) / seconds if seconds else 0,
            "errors": sum(k["errors"] for k in kinds.values()), "kinds": kinds}


def _count(items) -> dict:  # noqa: ANN001
    out: dict = {}
    for item in items:
        out[item] = out.get(item, 0) + 1
    return out


def _machine() -> dict:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            model = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.machine()
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "load": [round(x, 1) for x in os.getloadavg()]}


TITLES = {"postgresql": "## Load: a Land's appliances, analysts and an import at once",
          "sqlite": "## Load on SQLite (the embedded default)"}


def render(report: dict) -> str:
    a, m, burst = report["args"], report["machine"], report["burst"]
    alone, loaded = report["import_alone"], report["import_burst"]
    slowdown = loaded["seconds"] / alone["seconds"] if alone["seconds"] else 0
    flags = ("db", "indicators", "feed_values", "appliances", "municipalities", "burst", "full_polls", "analysts",
             "import_values", "workers", "feed_state_seconds")
    command = "python bench/load_bench.py " + " ".join(
        f"--{flag.replace('_', '-')} {a[flag]:g}" if isinstance(a[flag], float) else f"--{flag.replace('_', '-')} "
        f"{a[flag]}" for flag in flags if a.get(flag) is not None)
    shared = "nothing else ran" if m["load_before"][0] < 1 else "the machine was shared with other work"
    lines = [
        TITLES[a["db"]],
        "",
        f"Run {report['date']} on {m['cpu']}, {m['cores']} cores, Python {m['python']}, load average "
        f"{m['load_before'][0]} before and {m['load'][0]} after ({shared}; the load generator ran on it too). "
        f"`{command}`: {a['db']}, `kommcert serve --workers "
        f"{a['workers']}`, {a['indicators']:,} indicators of which {a['feed_values']:,} TLP:GREEN make each "
        f"Gemeinde's `/feeds/txt`; {a['appliances']:,} appliances (read tokens of {a['municipalities']} "
        f"Gemeinden) poll once with their ETag, arrivals spread over {a['burst']:g} s; {a['full_polls']} more "
        f"download the full list meanwhile; {a['analysts']} analysts search without pause; one import of "
        f"{a['import_values']:,} new values runs from the start.",
        "",
        "| request | count | per s | errors | p50 ms | p99 ms | max ms | values |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for phase in ("priming", "burst"):
        for kind, k in report[phase]["kinds"].items():
            lines.append(f"| {kind} | {k['requests']:,} | {k['per_second']:,.1f} | {k['errors']} | {k['p50_ms']:,.0f} "
                         f"| {k['p99_ms']:,.0f} | {k['max_ms']:,.0f} | {k['values']:,} |")
    lines.append(f"| burst, all | {burst['requests']:,} | {burst['per_second']:,.1f} | {burst['errors']} | | | | |")
    lines += ["", f"Import of {a['import_values']:,} values over HTTP: {alone['seconds']:,.1f} s alone, "
              f"{loaded['seconds']:,.1f} s during the burst ({slowdown:,.2f}×).", "", "Targets:", ""]
    kinds = burst["kinds"]
    polls = kinds.get("poll 304", {})
    full = [k for name, k in {**report["priming"]["kinds"], **kinds}.items() if name.startswith("full txt")]
    full_p99 = max((k["p99_ms"] for k in full), default=0)
    errors = burst["errors"] + report["priming"]["errors"]
    lines += [
        f"- zero errors: {errors} – {_met(errors == 0)}",
        f"- p99 of a 304 poll under 50 ms: {polls.get('p99_ms', 0):,.0f} ms – "
        f"{_met(0 < polls.get('p99_ms', 1e9) < 50)}",
        f"- p99 of a full `/feeds/txt` of {a['feed_values']:,} values under 2 s: {full_p99:,.0f} ms – "
        f"{_met(0 < full_p99 < 2000)}",
        f"- the import at most 2× slower during the burst: {slowdown:,.2f}× – {_met(0 < slowdown <= 2)}",
    ]
    if kinds.get("poll (tag changed)"):
        lines.append(f"- polls whose tag changed during the burst: {kinds['poll (tag changed)']['requests']:,}")
    return "\n".join(lines) + "\n"


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--indicators", type=int, default=1_000_000, help="values in the database")
    parser.add_argument("--feed-values", type=int, default=100_000, help="of which TLP:GREEN (each feed)")
    parser.add_argument("--appliances", type=int, default=2_500)
    parser.add_argument("--municipalities", type=int, default=50)
    parser.add_argument("--burst", type=float, default=60.0, help="seconds over which the polls arrive")
    parser.add_argument("--full-polls", type=int, default=20, help="full downloads during the burst")
    parser.add_argument("--analysts", type=int, default=4)
    parser.add_argument("--think", type=float, default=0.2, help="seconds between an analyst's searches")
    parser.add_argument("--import-values", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--prime-concurrency", type=int, default=4)
    parser.add_argument("--feed-state-seconds", type=float, help="the server's KOMMCERT_FEED_STATE_SECONDS")
    parser.add_argument("--workdir", default="/tmp/kommcert-load")  # noqa: S108 - scratch data only
    parser.add_argument("--json", help="write the full report here")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--render", metavar="JSON", help="only render a saved report (from --json) again")
    args = parser.parse_args(argv)
    if args.render:
        report = json.loads(Path(args.render).read_text(encoding="utf-8"))
        print(render(report))
        if args.write_docs:
            update_docs(render(report), title=TITLES[report["args"]["db"]])
        return report
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    load_before = [round(x, 1) for x in os.getloadavg()]
    bundles = []
    for n, start in enumerate((args.indicators, args.indicators + args.import_values)):
        path = workdir / f"import-{n}-{start}-{args.import_values}.json"
        if not path.exists():
            write_bundle(path, start, args.import_values, "amber")
        bundles.append(path)
    url, drop = scratch_database(args.db, workdir)
    try:
        land = build_land(url, args, workdir)
        server, base = start_server(url, args.workers, workdir / "server.log", args.feed_state_seconds)
        try:
            result = asyncio.run(run_load(base, land, args, (bundles[0], bundles[1])))
        finally:
            stop_server(server)
    finally:
        drop()
    report = {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", "args": vars(args),
        "machine": {**_machine(), "load_before": load_before},
        "import_alone": result["import_alone"], "import_burst": result["import_burst"],
        "priming": summarise(result["priming"]["samples"], result["priming"]["seconds"]),
        "burst": summarise(result["burst"]["samples"], result["burst"]["seconds"]),
    }
    section = render(report)
    print(section)
    if args.json:
        # Each burst poll as (seconds after the burst's start, latency ms, status): slow ones that
        # cluster in time point at shared work (the data state), scattered ones at queueing.
        report["burst_polls"] = [(round(s.started - result["burst"]["start"], 3), round(s.seconds * 1000, 1), s.status)
                                 for s in result["burst"]["samples"] if s.kind.startswith(("poll", "full"))]
        Path(args.json).write_text(json.dumps(report, indent=1), encoding="utf-8")
    if args.write_docs:
        update_docs(section, title=TITLES[args.db])
    return report


if __name__ == "__main__":
    main()
