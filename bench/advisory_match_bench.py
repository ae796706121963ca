"""Matching advisories against inventories (issue 14): a full re-match of 10,000 advisories against
2,500 organisations with 200 inventory lines each, the incremental match of one new advisory, and the
plain nested-loop matcher (``advisories.matching.reference``) on a sample of the same data.

    python bench/advisory_match_bench.py --db sqlite --db postgresql --write-docs
    python bench/advisory_match_bench.py --orgs 100 --advisories 500          # a smoke run

Data: a vocabulary of vendors and products (real names, CPE spelling), popularity skewed the way
municipal IT is (a few products everywhere, a long tail); every line a version of its product's series,
CPEs on ~60 %, purls on ~10 % of lines; every advisory 1–8 products (popular ones more often) with
affected ranges in every notation the matcher reads (vers, operators, NVD bounds, free text, exact
versions, ~1 % unreadable) and fixed versions. The PostgreSQL run uses a throw-away database on
KOMMCERT_BENCH_PG.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ioc_bench import scratch_database, update_docs  # noqa: E402 - sibling scripts, not a package

TITLE = "## Warnungen: Abgleich mit dem Inventar (issue 14)"
PG = os.environ.get("KOMMCERT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
VENDORS = {
    "microsoft": ["windows_10", "windows_11", "windows_server_2019", "windows_server_2022", "exchange_server",
                  "office", "365_apps", "sharepoint_server", "sql_server", "edge", "teams", ".net_framework"],
    "google": ["chrome"], "mozilla": ["firefox", "firefox_esr", "thunderbird"],
    "apache": ["http_server", "tomcat", "log4j", "struts", "openoffice", "activemq"],
    "oracle": ["java_se", "mysql", "virtualbox", "weblogic_server"], "adobe": ["acrobat_reader", "acrobat"],
    "citrix": ["netscaler_adc", "netscaler_gateway", "workspace_app"], "vmware": ["esxi", "vcenter_server",
                                                                                 "workstation"],
    "fortinet": ["fortios", "fortigate", "forticlient"], "cisco": ["ios_xe", "asa", "webex", "anyconnect"],
    "sophos": ["firewall", "endpoint"], "siemens": ["simatic_s7-1500", "simatic_wincc", "sinema_remote_connect"],
    "rockwell": ["factorytalk_view"], "veeam": ["backup_replication"], "atlassian": ["confluence", "jira"],
    "gitlab": ["gitlab"], "nextcloud": ["server", "desktop"], "libreoffice": ["libreoffice"],
    "7-zip": ["7-zip"], "openssl": ["openssl"], "zoom": ["zoom"], "igel": ["os"], "dataport": ["dpexpert"],
    "hp": ["laserjet_firmware"], "lancom": ["lcos"], "avm": ["fritz!os"], "ivanti": ["connect_secure"],
    "paloaltonetworks": ["pan-os"], "wordpress": ["wordpress"], "typo3": ["typo3"], "jetbrains": ["teamcity"],
    "progress": ["moveit_transfer"], "sap": ["netweaver"], "trendmicro": ["apex_one"], "synology": ["dsm"],
    "qnap": ["qts"], "nginx": ["nginx"], "php": ["php"], "postgresql": ["postgresql"], "keepass": ["keepass"],
}
NPM = ["lodash", "express", "axios", "moment", "jquery", "minimist", "node-fetch", "ws", "semver", "tar"]


TAIL = 20_000  # products only a few municipalities run (Fachverfahren, devices, niche tools)


def vocabulary(rnd: random.Random) -> tuple[list[dict], list[dict]]:
    """(the named products, most popular first; the long tail), each with a version series."""
    named = []
    for vendor, products in VENDORS.items():
        for product in products:
            major = rnd.randrange(1, 20)
            named.append({"vendor": vendor, "product": product, "purl": "",
                          "versions": [f"{major}.{minor}.{patch}" for minor in range(3) for patch in range(0, 12, 2)]})
    for name in NPM:
        named.append({"vendor": "", "product": name, "purl": f"pkg:npm/{name}",
                      "versions": [f"{m}.{n}.{p}" for m in (1, 2, 4) for n in (0, 5) for p in (0, 3)]})
    rnd.shuffle(named)
    tail = [{"vendor": f"hersteller{n % 3000}", "product": f"produkt_{n}", "purl": "",
             "versions": [f"{y}.{q}" for y in (2022, 2023, 2024, 2025) for q in (1, 2, 3)]} for n in range(TAIL)]
    return named, tail


def org_products(rnd: random.Random, named: list[dict], tail: list[dict], lines: int) -> list[dict]:
    """About a fifth named products, popular ones more often, the rest from the long tail."""
    chosen: dict[int, dict] = {}
    while len(chosen) < min(lines // 5, len(named)):
        n = min(int(rnd.paretovariate(0.8)) - 1, len(named) - 1)
        chosen[n] = named[n]
    return list(chosen.values()) + rnd.sample(tail, lines - len(chosen))


def newer_version(rnd: random.Random, versions: list[str]) -> str:
    """Municipalities mostly run recent versions."""
    return versions[-1 - min(int(rnd.expovariate(0.4)), len(versions) - 1)]


def cpe_of(entry: dict, version: str) -> str:
    def esc(value: str) -> str:
        return "".join("\\" + c if not (c.isalnum() or c in "_-.") else c for c in value)

    return f"cpe:2.3:a:{esc(entry['vendor'] or 'npmjs')}:{esc(entry['product'])}:{esc(version or '*')}:*:*:*:*:*:*:*"


def spec_for(rnd: random.Random, versions: list[str], fixed: str, purl: str) -> str:
    low = versions[0]
    kind = rnd.random()
    if purl and kind < 0.5:
        return f"vers:npm/>={low}|<{fixed}"
    if kind < 0.25:
        return f"vers:generic/>={low}|<{fixed}"
    if kind < 0.5:
        return f">={low} <{fixed}"
    if kind < 0.6:
        return f"<{fixed}"
    if kind < 0.7:
        return f"versionStartIncluding {low} versionEndExcluding {fixed}"
    if kind < 0.8:
        return f"vor {fixed}"
    if kind < 0.9:
        return rnd.choice(versions)
    if kind < 0.99:
        return f"{low} - {versions[max(versions.index(fixed) - 1, 0)]}"
    return "siehe Herstellerangaben"


def generate(url: str, args: argparse.Namespace) -> dict:
    from sqlalchemy import text

    from kommcert import bulk
    from kommcert.advisories.models import Advisory, AdvisoryProduct
    from kommcert.db import make_engine, make_sessionmaker
    from kommcert.inventory.models import Inventory, InventoryItem
    from kommcert.orgs.models import Organization

    rnd = random.Random(args.seed)
    named, tail = vocabulary(rnd)
    now = datetime.now(UTC)
    engine = make_engine(url)
    started = time.perf_counter()
    with make_sessionmaker(engine)() as db:
        orgs = [(1, "99", "land", "Messland", None, False, False, now, now),
                (2, "cert", "land_cert", "Landes-CERT", 1, False, False, now, now)]
        orgs += [(3 + n, f"g{n:05d}", "ortsgemeinde", f"Gemeinde {n}", 1, False, False, now, now)
                 for n in range(args.orgs)]
        bulk.insert_rows(db, Organization.__table__, ("id", "key", "kind", "name", "parent_id", "require_totp",
                                                      "bsig_in_scope", "created_at", "updated_at"), orgs)
        bulk.insert_rows(db, Inventory.__table__, ("id", "owner_org_id", "tlp", "upward", "created_at",
                                                   "updated_at"),
                         [(n + 1, 3 + n, "amber+strict", True, now, now) for n in range(args.orgs)])
        items, item_id = [], 0
        for n in range(args.orgs):
            for entry in org_products(rnd, named, tail, args.lines):
                item_id += 1
                version = newer_version(rnd, entry["versions"]) if rnd.random() < 0.95 else ""
                cpe = cpe_of(entry, version) if not entry["purl"] and rnd.random() < 0.6 else ""
                purl = f"{entry['purl']}@{version}" if entry["purl"] and version else entry["purl"]
                items.append((item_id, n + 1, entry["vendor"], entry["product"], version, cpe, purl, 1, "",
                              entry["vendor"], entry["product"], "csv", now, now))
        bulk.insert_rows(db, InventoryItem.__table__, (
            "id", "inventory_id", "vendor", "product", "version", "cpe", "purl", "count", "where_used",
            "vendor_key", "product_key", "origin", "created_at", "updated_at"), items)
        advisories, products, product_id = [], [], 0
        for n in range(args.advisories):
            advisories.append((n + 1, uuid.UUID(int=n + 1), 2, "clear", False, "csaf", "published",
                               "https://bench.example", "Bench", f"BENCH-{n}",
                               "1", "csaf_security_advisory", "de", f"Schwachstelle {n}", "mittel", "[]", "",
                               "", "[]", "{}", "{}", now, now, now, now))
            for p in range(rnd.randrange(1, 9)):
                entry = rnd.choice(named) if rnd.random() < 0.15 else rnd.choice(tail)
                fixed = entry["versions"][rnd.randrange(len(entry["versions"]) // 2, len(entry["versions"]))]
                spec = spec_for(rnd, entry["versions"], fixed, entry["purl"])
                for status, version in (("affected", spec), ("fixed", fixed)):
                    product_id += 1
                    cpe = cpe_of(entry, "") if not entry["purl"] and rnd.random() < 0.7 else ""
                    products.append((product_id, n + 1, f"CSAFPID-{p}{status[0]}", entry["product"], entry["vendor"],
                                     entry["product"], version, entry["vendor"], entry["product"], cpe,
                                     entry["purl"], status, "[]"))
        bulk.insert_rows(db, Advisory.__table__, (
            "id", "uuid", "owner_org_id", "tlp", "upward", "origin", "state", "publisher_namespace", "publisher_name",
            "tracking_id",
            "version", "category", "lang", "title", "risk", "cves", "summary", "measures", "\"references\"", "draft",
            "document", "initial_release_date", "current_release_date", "created_at", "updated_at"), advisories)
        bulk.insert_rows(db, AdvisoryProduct.__table__, (
            "id", "advisory_id", "product_id", "name", "vendor", "product", "version", "vendor_key", "product_key",
            "cpe", "purl", "status", "cves"), products)
        if engine.dialect.name == "postgresql":
            for table in ("organizations", "inventories", "inventory_items", "advisories", "advisory_products"):
                db.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                                f"(SELECT max(id) FROM {table}))"))
            db.commit()
            db.connection().exec_driver_sql("ANALYZE")
        db.commit()
    engine.dispose()
    return {"lines": len(items), "products": len(products), "generate_s": time.perf_counter() - started,
            "named": named}


def database(kind: str, workdir: Path) -> tuple[str, callable]:
    """A migrated throw-away database: an SQLite file, or ``kc_bench_match`` on KOMMCERT_BENCH_PG."""
    if kind == "sqlite":
        return scratch_database(kind, workdir, name="match")
    from contextlib import ExitStack

    from kommcert import migrate
    from kommcert.db import scratch_postgres_database

    stack = ExitStack()
    url = stack.enter_context(scratch_postgres_database(PG, "kc_bench_match"))
    try:
        migrate.upgrade(url)
    except BaseException:
        stack.close()
        raise
    return url, stack.close


def timed(fn, *args, **kw):  # noqa: ANN001, ANN002, ANN003, ANN201
    start = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - start


def run(kind: str, args: argparse.Namespace, workdir: Path) -> dict:
    from sqlalchemy import func, select

    from kommcert.advisories.matching import engine as match_engine
    from kommcert.advisories.matching import reference, service
    from kommcert.advisories.models import Advisory, AdvisoryMatch, AdvisoryProduct
    from kommcert.db import make_engine, make_sessionmaker
    from kommcert.inventory.models import Inventory, InventoryItem
    from kommcert.sharing.tlp import TLP

    url, drop = database(kind, workdir)
    try:
        data = generate(url, args)
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        out: dict = {"db": kind, "lines": data["lines"], "products": data["products"],
                     "generate_s": data["generate_s"], "load_before": os.getloadavg()[0]}
        with factory() as db:
            changes, out["full_s"] = timed(service.rematch_all, db)
            db.commit()
            out["changes"] = len(changes)
            out["rows"] = db.scalar(select(func.count()).select_from(AdvisoryMatch))
            out["by_result"] = dict(db.execute(select(AdvisoryMatch.result, func.count())
                                               .group_by(AdvisoryMatch.result)).all())
        with factory() as db:
            db.execute(AdvisoryMatch.__table__.update().values(notified_result=AdvisoryMatch.result))
            db.commit()
            changes, out["again_s"] = timed(service.rematch_all, db)
            db.commit()
            out["again_changes"] = len(changes)
        rnd = random.Random(args.seed + 1)
        incremental = []
        for n in range(args.new):
            with factory() as db:
                advisory = Advisory(owner_org_id=2, tlp=TLP.clear, publisher_namespace="https://bench.example",
                                    tracking_id=f"NEW-{n}", title="Neu")
                db.add(advisory)
                db.flush()
                for p in range(3):
                    entry = data["named"][n * 3 + p]  # the popular products: the most lines to look at
                    fixed = entry["versions"][-3]
                    db.add(AdvisoryProduct(advisory_id=advisory.id, product_id=f"P{p}", vendor_key=entry["vendor"],
                                           product_key=entry["product"], version=spec_for(
                                               rnd, entry["versions"], fixed, entry["purl"]),
                                           cpe="" if entry["purl"] else cpe_of(entry, ""), purl=entry["purl"],
                                           status="affected"))
                db.commit()
                changes, seconds = timed(service.match_advisory, db, advisory)
                db.commit()
                incremental.append({"seconds": seconds, "orgs": len(changes)})
        out["incremental"] = incremental
        # The nested-loop peer on a sample (every line × every product is hours on the full data).
        with factory() as db:
            lines = [tuple(r) for r in db.execute(service._line_select()  # noqa: SLF001
                                                  .where(Inventory.owner_org_id < 3 + args.peer_orgs))]
            chosen = db.scalars(select(Advisory.id).where(Advisory.tracking_id.like("BENCH-%"))
                                .order_by(Advisory.id).limit(args.peer_advisories)).all()
            products: dict[int, list] = {}
            for row in db.execute(select(*service.PRODUCT_COLUMNS).where(AdvisoryProduct.advisory_id.in_(chosen))):
                products.setdefault(row[1], []).append(tuple(row))
            total_products = db.scalar(select(func.count()).select_from(AdvisoryProduct))
            total_lines = db.scalar(select(func.count()).select_from(InventoryItem))
        expected, peer_s = timed(reference.match, lines, products)
        got, engine_s = timed(match_engine.match, lines, products)
        pairs = len(lines) * sum(len(v) for v in products.values())
        out["peer"] = {"lines": len(lines), "advisories": len(products), "pairs": pairs, "seconds": peer_s,
                       "engine_s": engine_s, "equal": expected == got,
                       "extrapolated_s": peer_s / pairs * total_lines * total_products if pairs else None}
        engine.dispose()
        out["load_after"] = os.getloadavg()[0]
        return out
    finally:
        drop()


def render(results: list[dict], args: argparse.Namespace) -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    lines = [TITLE, "",
             f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {cpu}, {os.cpu_count()} cores, Python "
             f"{platform.python_version()}; `python bench/advisory_match_bench.py --orgs {args.orgs} --lines "
             f"{args.lines} --advisories {args.advisories}`. {args.orgs:,} organisations × {args.lines} lines; "
             f"{args.advisories:,} advisories with 1–8 products each, every product once affected (a range in one "
             "of the notations the matcher reads) and once fixed. The full re-match runs in one process (one "
             "core); the peer is the nested-loop matcher (`advisories/matching/reference.py`, every line × every "
             f"product) on the first {args.peer_orgs} organisations × first {args.peer_advisories} advisories, "
             "checked equal to the engine there and extrapolated by line×product pairs.", "",
             "| store | lines | products | match rows | full re-match (s) | again, unchanged (s) | "
             "one new advisory (s, median / max) | nested loop, sample (s) | nested loop, extrapolated | "
             "equal on sample |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        inc = [i["seconds"] for i in r["incremental"]]
        peer = r["peer"]
        hours = peer["extrapolated_s"] / 3600 if peer["extrapolated_s"] else 0
        lines.append(f"| {r['db']} | {r['lines']:,} | {r['products']:,} | {r['rows']:,} | {r['full_s']:.1f} | "
                     f"{r['again_s']:.1f} | {statistics.median(inc):.2f} / {max(inc):.2f} | {peer['seconds']:.1f} "
                     f"({peer['pairs']:,} pairs; engine {peer['engine_s']:.2f}) | ≈ {hours:,.0f} h | "
                     f"{'yes' if peer['equal'] else '**no**'} |")
    lines += ["", "Load average (1 min) before / after each store's run: " + "; ".join(
        f"{r['db']} {r['load_before']:.1f} / {r['load_after']:.1f}" for r in results)
        + " (the machine was shared with other work; the times are wall-clock).",
        "", "Results of the full re-match: " + "; ".join(
        f"{r['db']}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(r["by_result"].items())) for r in results) + ".",
        "", "Where the time goes (pyinstrument, 100,000 lines × 2,000 advisories on SQLite, before the last "
        "changes): reading the lines and building the index ≈ 45 %, matching ≈ 25 %, reading the changes back "
        "≈ 15 %, writing through the staging table ≈ 15 %. The result rows dominate: ~12 % of all (advisory, "
        "organisation) pairs hit, because the generator lets a fifth of each inventory be the popular products; "
        "on PostgreSQL the first run also inserts every row with three indexes and two foreign keys. The "
        "incremental match (a new advisory on three of the most popular products, ~1,700 organisations hit) is "
        "not profiled yet; the suspects are the candidate search (`ILIKE` over all lines' CPEs, a sequential "
        "scan) and writing the rows through the ORM's executemany.",
        "", "Targets of issue 14:", ""]
    for r in results:
        worst = max(i["seconds"] for i in r["incremental"])
        lines.append(f"- {r['db']}: full re-match under 60 s: {r['full_s']:.1f} s – "
                     f"{'met' if r['full_s'] < 60 else '**not met**'}; one new advisory under 1 s: {worst:.2f} s – "
                     f"{'met' if worst < 1 else '**not met**'}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--orgs", type=int, default=2500)
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--advisories", type=int, default=10_000)
    parser.add_argument("--new", type=int, default=5, help="new advisories matched one by one")
    parser.add_argument("--peer-orgs", type=int, default=25)
    parser.add_argument("--peer-advisories", type=int, default=100)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--render", type=Path, help="render the docs section from an earlier --json file")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    if args.render:
        results = json.loads(args.render.read_text())
    else:
        with tempfile.TemporaryDirectory(prefix="kc-match-") as tmp:
            results = []
            for kind in args.db or ["sqlite"]:
                results.append(run(kind, args, Path(tmp)))
                print(json.dumps(results[-1], default=str), flush=True)
                if args.json:
                    args.json.write_text(json.dumps(results, indent=2, default=str))
    text = render(results, args)
    print(text)
    if args.write_docs:
        update_docs(text, title=TITLE)
    return results


if __name__ == "__main__":
    main()
