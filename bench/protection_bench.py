"""Time to protection, server side: from the CERT's publish request to the published values in
another Kreis's ``/feeds/txt`` answer (a new ETag), against ``kommcert serve`` on loopback.

    python bench/protection_bench.py --db sqlite --db postgresql --write-docs
    python bench/protection_bench.py --db sqlite --rounds 2 --background 1000      # a smoke run

A scratch Land (built directly, not over HTTP): the Landes-CERT, Kreis A with the victim Gemeinde,
Kreis B with Seedorf, ``--background`` TLP:GREEN values in every feed. Each round, over HTTP: the
victim reports a ransomware incident, the CERT records two observables marked "teilen"; Seedorf's
appliance polls ``/feeds/txt`` with If-None-Match every ``--poll`` seconds (primed before); then
the CERT publishes. Measured: the publish request, the time until a poll first answers 200 with both
values (an upper bound: it includes up to one poll interval), and the server's own record
(``first_download_at`` − ``published_at`` from ``GET /api/v1/incidents/{id}/protection``). The server
runs with its defaults, so the feed data state is reused for ``KOMMCERT_FEED_STATE_SECONDS`` (10 s):
that reuse is most of the wait. Target (issue 12): under 15 s.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ioc_bench import update_docs  # noqa: E402 - sibling scripts, not a package
from load_bench import SECRET, scratch_database, start_server, stop_server, write_bundle  # noqa: E402

TARGET_SECONDS = 15.0
TITLE = "## Time to protection (issue 12)"
REPORT = {"category": "ransomware", "reporter_name": "IT Gemeinde", "callback_phone": "+49 6131 000000",
          "answers": {"systems": "Fileserver", "observed": "Dateien verschlüsselt"}, "ransom_note": True}


def build_land(url: str, background: int, workdir: Path) -> dict[str, str]:
    """The scratch Land; returns the tokens (CERT analyst read-write, victim read-write, Seedorf read)."""
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
    with factory() as db:
        def org(key: str, kind: OrgKind, name: str, parent=None):  # noqa: ANN001, ANN202
            return orgs_service.create_org(db, key=key, kind=kind, name=name, parent=parent)

        def user(where, email: str, role: Role):  # noqa: ANN001, ANN202
            return accounts_service.create_user(db, actor=None, org=where, email=email, name=email, role=role,
                                                password=None)

        def token(who, scope: TokenScope) -> str:  # noqa: ANN001
            return accounts_service.create_token(db, actor=None, user=who, name="bench", scope=scope,
                                                 expires_at=None)[0]

        land = org("99", OrgKind.land, "Messland")
        cert = org("cert", OrgKind.land_cert, "Landes-CERT", land)
        kreis_a = org("99101", OrgKind.kreis, "Kreis A", land)
        victim = org("99101001", OrgKind.verbandsfreie_gemeinde, "Gemeinde Opfer", kreis_a)
        kreis_b = org("99102", OrgKind.kreis, "Kreis B", land)
        seedorf = org("99102001", OrgKind.verbandsfreie_gemeinde, "Seedorf", kreis_b)
        analyst = user(cert, "analyst@cert.example", Role.analyst)
        tokens = {"cert": token(analyst, TokenScope.read_write),
                  "victim": token(user(victim, "it@opfer.example", Role.member), TokenScope.read_write),
                  "seedorf": token(user(seedorf, "it@seedorf.example", Role.member), TokenScope.read)}
        db.commit()
        actor = accounts_service.actor_for(db, analyst)
    if background > 0:
        path = workdir / f"background-{background}.json"
        write_bundle(path, 0, background, "green")
        with factory() as db:
            indicators_service.import_path(db, actor=actor, settings=settings, fmt="stix", path=str(path),
                                           name=path.name, options=importing.ImportOptions())
            db.commit()
    engine.dispose()
    return tokens


class Poller(threading.Thread):
    """Seedorf's appliance: polls with If-None-Match until a 200 carries all ``wanted`` values."""

    def __init__(self, base: str, token: str, interval: float) -> None:
        super().__init__(daemon=True)
        self.base, self.token, self.interval = base, token, interval
        self.wanted: set[str] = set()
        self.etag: str | None = None
        self.found_at: float | None = None
        self.polls = self.not_modified = 0
        self.stop = threading.Event()
        self.primed = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=60) as client:
            while not self.stop.is_set():
                headers = {"If-None-Match": self.etag} if self.etag else {}
                response = client.get(f"{self.base}/feeds/txt", params={"token": self.token}, headers=headers)
                self.polls += 1
                if response.status_code == 304:
                    self.not_modified += 1
                elif response.status_code == 200:
                    self.etag = response.headers.get("ETag")
                    lines = set(response.text.splitlines())
                    if self.wanted and self.wanted <= lines and self.found_at is None:
                        self.found_at = time.perf_counter()
                self.primed.set()
                self.stop.wait(self.interval)


def one_round(base: str, tokens: dict[str, str], n: int, poll: float, timeout: float) -> dict:
    cert = {"Authorization": f"Bearer {tokens['cert']}"}
    with httpx.Client(base_url=base, timeout=60) as client:
        incident = client.post("/api/v1/incidents", json=REPORT,
                               headers={"Authorization": f"Bearer {tokens['victim']}"}).raise_for_status().json()
        values = [f"203.0.113.{n % 250 + 1}", f"c2-{uuid.uuid4().hex[:10]}.protection-bench.example"]
        for kind, value in zip(("ip", "domain"), values, strict=True):
            client.post(f"/api/v1/incidents/{incident['id']}/observables", headers=cert,
                        json={"type": kind, "value": value, "share": True}).raise_for_status()
        poller = Poller(base, tokens["seedorf"], poll)
        poller.start()
        poller.primed.wait(60)
        time.sleep(poll)  # at least one 304 before the publication
        poller.wanted = set(values)
        start = time.perf_counter()
        published = client.post(f"/api/v1/incidents/{incident['id']}/publish", json={}, headers=cert)
        publish_s = time.perf_counter() - start
        published.raise_for_status()
        while poller.found_at is None and time.perf_counter() - start < timeout:
            time.sleep(0.05)
        poller.stop.set()
        poller.join()
        shown = client.get(f"/api/v1/incidents/{incident['id']}/protection", headers=cert).raise_for_status().json()
    server_s = None
    if shown["first_download_at"] and shown["published_at"]:
        server_s = (datetime.fromisoformat(shown["first_download_at"])
                    - datetime.fromisoformat(shown["published_at"])).total_seconds()
    return {"publish_s": publish_s, "visible_s": None if poller.found_at is None else poller.found_at - start,
            "server_s": server_s, "polls": poller.polls, "not_modified": poller.not_modified}


def run(kind: str, args: argparse.Namespace, workdir: Path) -> dict:
    url, drop = scratch_database(kind, workdir)
    try:
        tokens = build_land(url, args.background, workdir)
        server, base = start_server(url, args.workers, workdir / f"server-{kind}.log")
        try:
            rounds = [one_round(base, tokens, n, args.poll, args.timeout) for n in range(args.rounds)]
        finally:
            stop_server(server)
    finally:
        drop()
    seen = [r["visible_s"] for r in rounds if r["visible_s"] is not None]
    recorded = [r["server_s"] for r in rounds if r["server_s"] is not None]
    return {"db": kind, "rounds": rounds, "missed": len(rounds) - len(seen),
            "publish_median_s": statistics.median(r["publish_s"] for r in rounds),
            "visible_median_s": statistics.median(seen) if seen else None, "visible_max_s": max(seen, default=None),
            "server_median_s": statistics.median(recorded) if recorded else None,
            "met": len(seen) == len(rounds) and max(seen) < TARGET_SECONDS}


def render(results: list[dict], args: argparse.Namespace) -> str:
    def s(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f} s"

    lines = [TITLE, "",
             f"`python bench/protection_bench.py` ({args.rounds} rounds per store, {args.background:,} TLP:GREEN "
             f"values in every feed, Seedorf's appliance polls every {args.poll:g} s with If-None-Match, "
             f"`kommcert serve --workers {args.workers}` with its defaults, i.e. the feed data state reused for "
             f"10 s; {platform.machine()}, {platform.python_version()}, {datetime.now().date().isoformat()}).",
             "",
             "| store | publish request (median) | in Seedorf's `/feeds/txt` (median / max) | recorded first "
             "download after publication (median) | target < 15 s |",
             "|---|---|---|---|---|"]
    for r in results:
        missed = f" ({r['missed']} not seen)" if r["missed"] else ""
        verdict = "met" if r["met"] else "missed"
        lines.append(f"| {r['db']} | {s(r['publish_median_s'])} | {s(r['visible_median_s'])} / "
                     f"{s(r['visible_max_s'])}{missed} | {s(r['server_median_s'])} | {verdict} |")
    lines += ["", "The time in the feed is measured by the polling client, so it includes up to one poll interval; "
              "the rest is the feed data state the server reuses (`KOMMCERT_FEED_STATE_SECONDS`). The recorded "
              "time is what the incident page and the Lagebild show.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--background", type=int, default=20_000)
    parser.add_argument("--poll", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="kc-protection-") as tmp:
        results = [run(kind, args, Path(tmp)) for kind in args.db or ["sqlite"]]
    text = render(results, args)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if args.write_docs:
        update_docs(text, title=TITLE)
    return results


if __name__ == "__main__":
    main()
