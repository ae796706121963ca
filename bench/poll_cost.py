"""Server CPU per feed poll: what one appliance's ``If-None-Match`` poll (a 304) and one full list cost
the server process, read from its own CPU clock (``/proc/<pid>/stat``), so neither the load generator
nor other work on the machine counts.

    python bench/poll_cost.py --db postgresql --indicators 100000 --feed-values 20000

It builds a scratch Land with ``load_bench.build_land``, starts ``kommcert serve --workers 1``, primes
each Gemeinde's ETag, then sends ``--polls`` conditional polls one after another (round robin over the
appliances' tokens) and reports CPU milliseconds per poll, and the same for ``--full`` full downloads.
It is the profile target of the load benchmark's 304 p99: 2,500 appliances in a 60 s burst are 42 polls
a second, so each millisecond of CPU per poll is 4 % of a core.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_bench import SEARCHES, build_land, scratch_database, start_server, stop_server  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def postgres_cpu() -> float:
    """CPU of every PostgreSQL process on this machine (0 without access to them)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if "(postgres)" in text:
            fields = text.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def measure(pid: int, calls: list[tuple[str, dict]], client: httpx.Client, expect: int) -> tuple[float, float]:
    before, wall = cpu_seconds(pid), time.perf_counter()
    for url, headers in calls:
        status = client.get(url, headers=headers).status_code
        if status != expect:
            raise SystemExit(f"{url}: {status}, expected {expect}")
    return cpu_seconds(pid) - before, time.perf_counter() - wall


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--indicators", type=int, default=100_000)
    parser.add_argument("--feed-values", type=int, default=20_000)
    parser.add_argument("--appliances", type=int, default=100)
    parser.add_argument("--municipalities", type=int, default=10)
    parser.add_argument("--analysts", type=int, default=1)
    parser.add_argument("--polls", type=int, default=1000)
    parser.add_argument("--full", type=int, default=50)
    parser.add_argument("--searches", type=int, default=40)
    parser.add_argument("--workdir", default="/tmp/kommcert-pollcost")  # noqa: S108 - scratch data only
    args = parser.parse_args(argv)
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    url, drop = scratch_database(args.db, workdir)
    try:
        land = build_land(url, args, workdir)
        server, base = start_server(url, 1, workdir / "server.log")
        try:
            pid = server.pid
            with httpx.Client(base_url=base, timeout=60) as client:
                etags: dict[str, str] = {}
                for _, token in land.appliances:
                    response = client.get(f"/feeds/txt?token={token}")
                    etags[token] = response.headers["etag"]
                tokens = [token for _, token in land.appliances]
                polls = [(f"/feeds/txt?token={tokens[n % len(tokens)]}",
                          {"If-None-Match": etags[tokens[n % len(tokens)]]}) for n in range(args.polls)]
                measure(pid, polls[:50], client, 304)  # warm up
                cpu, wall = measure(pid, polls, client, 304)
                fulls = [(f"/feeds/txt?token={tokens[n % len(tokens)]}", {}) for n in range(args.full)]
                full_cpu, full_wall = measure(pid, fulls, client, 200)
                analyst = {"Authorization": f"Bearer {land.analysts[0]}"}
                searches = [(f"/api/v1/indicators?q={SEARCHES[n % len(SEARCHES)]}&limit=100", analyst)
                            for n in range(args.searches)]
                pg_before = postgres_cpu()
                search_cpu, search_wall = measure(pid, searches, client, 200)
                search_pg = postgres_cpu() - pg_before
        finally:
            stop_server(server)
    finally:
        drop()
    result = {"poll_cpu_ms": 1000 * cpu / args.polls, "poll_wall_ms": 1000 * wall / args.polls,
              "full_cpu_ms": 1000 * full_cpu / args.full, "full_wall_ms": 1000 * full_wall / args.full,
              "search_cpu_ms": 1000 * search_cpu / args.searches, "search_wall_ms": 1000 * search_wall / args.searches,
              "search_postgres_cpu_ms": 1000 * search_pg / args.searches}
    print(" ".join(f"{k}={v:.2f}" for k, v in result.items()))
    return result


if __name__ == "__main__":
    main()
