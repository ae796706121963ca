"""The entry points the warning service calls: ``match_advisory`` after an advisory's revision changed,
``match_inventory`` after an organisation's inventory changed, ``rematch_all`` after the rules or the
aliases changed (and in the benchmark). Each writes ``AdvisoryMatch`` rows — one per organisation and
advisory with at least one hit, none for the others — and returns the :class:`ResultChange` of every
organisation whose result differs from what it was last told (``notified_result``), for the
notifications. ``notified_result`` itself is left to them.

Withdrawn advisories and drafts are not matched: their rows go.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import multiprocessing.connection
import queue
import threading
import traceback
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import LargeBinary, and_, bindparam, cast, delete, func, or_, select, tuple_, update
from sqlalchemy.orm import Session

from kommcert import bulk
from kommcert.advisories.matching import engine
from kommcert.advisories.models import Advisory, AdvisoryMatch, AdvisoryProduct, AdvisoryState
from kommcert.db import utcnow
from kommcert.inventory.models import Inventory, InventoryItem


class ResultChange(NamedTuple):
    """A tuple, not a dataclass: a first full re-match returns ~3 million of them (a third of the time)."""

    advisory_id: int
    org_id: int
    old: str | None  # the MatchResult value the organisation was last told (None: never)
    new: str  # the MatchResult value now


LINE_COLUMNS = (InventoryItem.id, Inventory.owner_org_id, InventoryItem.vendor_key, InventoryItem.product_key,
                InventoryItem.version, InventoryItem.cpe, InventoryItem.purl)
PRODUCT_COLUMNS = (AdvisoryProduct.id, AdvisoryProduct.advisory_id, AdvisoryProduct.product_id,
                   AdvisoryProduct.vendor_key, AdvisoryProduct.product_key, AdvisoryProduct.version,
                   AdvisoryProduct.cpe, AdvisoryProduct.purl, AdvisoryProduct.status)
_CHUNK = 500  # names per IN list, fragments per OR


def matchable(advisory: Advisory) -> bool:
    return advisory.withdrawn_at is None and advisory.state != AdvisoryState.draft


def _matchable_clause() -> Any:
    return and_(Advisory.withdrawn_at.is_(None), Advisory.state != AdvisoryState.draft.value)


def _chunks(values: Iterable, size: int = _CHUNK) -> Iterable[list]:
    values = sorted(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _like(fragment: str) -> str:
    return "%" + fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _ascii_lower(column: Any, dialect: str) -> Any:
    """What ``LIKE`` compares with a lower-case pattern, ASCII letters folded: on PostgreSQL ``lower()``
    under the "C" collation (several times faster than ``ILIKE`` or a locale-aware ``lower``, which a
    sequential scan over every line pays per row); on SQLite the column itself, its ``LIKE`` folds ASCII
    case (kommcert never sets ``case_sensitive_like``) and a ``lower()`` per row doubled the scan."""
    return func.lower(column.collate("C")) if dialect == "postgresql" else column


def _non_ascii(column: Any, dialect: str) -> Any:
    """Values with any non-ASCII character (more bytes than characters): Python's ``lower`` may fold
    one of them into a fragment's letters (KELVIN SIGN → k), so they are candidates regardless."""
    if dialect == "postgresql":
        return func.octet_length(column) != func.length(column)
    return func.length(cast(column, LargeBinary)) != func.length(column)


def _candidates(db: Session, base: Any, model: Any, probe: Iterable[Sequence]) -> dict[int, tuple]:
    """Rows of ``base`` (lines or products) that may meet anything in ``probe``: equal name keys through
    the (vendor_key, product_key) index, and CPE/purl fragments (ASCII ``[a-z0-9_]``) by ``LIKE`` on the
    ASCII-lower-cased text, plus every value with a non-ASCII character (a superset; the engine decides)."""
    names, cpe_fragments, purl_fragments = engine.candidate_filters(probe)
    dialect = db.get_bind().dialect.name
    found: dict[int, tuple] = {}
    for chunk in _chunks(names):
        for row in db.execute(base.where(tuple_(model.vendor_key, model.product_key).in_(chunk))):
            found[row[0]] = tuple(row)
    likes = []
    for column, fragments in ((model.cpe, cpe_fragments), (model.purl, purl_fragments)):
        if fragments:
            lowered = _ascii_lower(column, dialect)
            likes += [lowered.like(_like(f), escape="\\") for f in sorted(fragments)]
            likes.append(_non_ascii(column, dialect))
    for start in range(0, len(likes), _CHUNK):
        for row in db.execute(base.where(or_(*likes[start:start + _CHUNK]))):
            found[row[0]] = tuple(row)
    return found


def _line_select() -> Any:
    return select(*LINE_COLUMNS).join(Inventory, Inventory.id == InventoryItem.inventory_id)


def _changes(rows: Iterable[tuple[int, int, str | None, str]]) -> list[ResultChange]:
    return [ResultChange(a, o, old, new) for a, o, old, new in rows if old != new]


def _store(db: Session, existing: Sequence, outcomes: dict[tuple[int, int], engine.Outcome],
           versions: dict[int, str]) -> list[ResultChange]:
    """Upsert ``outcomes`` over ``existing`` rows (id, advisory_id, org_id, result, reasons, version,
    notified_result) of the same scope; rows without an outcome go."""
    now = utcnow()
    table = AdvisoryMatch.__table__
    have = {(r[1], r[2]): r for r in existing}
    gone = [r[0] for key, r in have.items() if key not in outcomes]
    for chunk in _chunks(gone):
        db.execute(delete(AdvisoryMatch).where(AdvisoryMatch.id.in_(chunk)))
    inserts, updates, out = [], [], []
    for (advisory_id, org_id), (result, reasons) in sorted(outcomes.items()):
        row = have.get((advisory_id, org_id))
        version = versions.get(advisory_id, "")
        if row is None:
            inserts.append((advisory_id, org_id, result, json.dumps(reasons), version, now))
            notified = None
        else:
            if (row[3], row[4], row[5]) != (result, reasons, version):
                updates.append({"row_id": row[0], "result": result, "reasons": reasons,
                                "advisory_version": version, "computed_at": now})
            notified = row[6]
        out.append((advisory_id, org_id, notified, result))
    # COPY (PostgreSQL) / one executemany of driver values: the ORM's per-value processing of ~2,000 rows
    # was a fifth of one new advisory's time. The JSON text is what the JSON column writes (json.dumps).
    bulk.insert_rows(db, table, _INSERT_COLUMNS, inserts)
    if updates:
        db.execute(update(table).where(table.c.id == bindparam("row_id"))
                   .values(result=bindparam("result"), reasons=bindparam("reasons"),
                           advisory_version=bindparam("advisory_version"), computed_at=bindparam("computed_at"))
                   .execution_options(synchronize_session=False), updates)
    db.expire_all()  # ORM copies of the rows written above are stale
    return _changes(out)


_INSERT_COLUMNS = ("advisory_id", "org_id", "result", "reasons", "advisory_version", "computed_at")
_EXISTING = (AdvisoryMatch.id, AdvisoryMatch.advisory_id, AdvisoryMatch.org_id, AdvisoryMatch.result,
             AdvisoryMatch.reasons, AdvisoryMatch.advisory_version, AdvisoryMatch.notified_result)


def match_advisory(db: Session, advisory: Advisory) -> list[ResultChange]:
    """Match one advisory's products against the candidate lines of all inventories."""
    db.flush()
    existing = db.execute(select(*_EXISTING).where(AdvisoryMatch.advisory_id == advisory.id)).all()
    if not matchable(advisory):
        return _store(db, existing, {}, {})
    products = [tuple(r) for r in db.execute(select(*PRODUCT_COLUMNS)
                                             .where(AdvisoryProduct.advisory_id == advisory.id))]
    probe = [(p[3], p[4], p[6], p[7]) for p in products]
    lines = _candidates(db, _line_select(), InventoryItem, probe)
    index = engine.LineIndex()
    index.add(lines.values())
    outcomes = {(advisory.id, org_id): outcome
                for org_id, outcome in engine.match_products(index, products).items()}
    return _store(db, existing, outcomes, {advisory.id: advisory.version})


def match_inventory(db: Session, *, org_id: int) -> list[ResultChange]:
    """Match one organisation's inventory against the candidate products of all matchable advisories."""
    db.flush()
    existing = db.execute(select(*_EXISTING).where(AdvisoryMatch.org_id == org_id)).all()
    lines = [tuple(r) for r in db.execute(_line_select().where(Inventory.owner_org_id == org_id))]
    probe = [(line[2], line[3], line[5], line[6]) for line in lines]
    base = select(*PRODUCT_COLUMNS).join(Advisory, Advisory.id == AdvisoryProduct.advisory_id) \
        .where(_matchable_clause())
    products = _candidates(db, base, AdvisoryProduct, probe)
    by_advisory: dict[int, list[tuple]] = {}
    for product in sorted(products.values()):
        by_advisory.setdefault(product[1], []).append(product)
    index = engine.LineIndex()
    index.add(lines)
    outcomes = {}
    for advisory_id, advisory_products in by_advisory.items():
        outcome = engine.match_products(index, advisory_products).get(org_id)
        if outcome is not None:
            outcomes[(advisory_id, org_id)] = outcome
    versions: dict[int, str] = {}
    for chunk in _chunks(by_advisory):
        versions.update(db.execute(select(Advisory.id, Advisory.version).where(Advisory.id.in_(chunk))).all())
    return _store(db, existing, outcomes, versions)


# -- all advisories against all inventories -------------------------------------------------------

_COLUMNS = ("advisory_id", "org_id", "result", "reasons", "advisory_version", "computed_at")
_STAGE = bulk.Stage(
    name="tmp_advisory_match_stage",
    select_sql="SELECT advisory_id, org_id, result, reasons, advisory_version, computed_at "
               "FROM advisory_matches WHERE 1 = 0",
    columns=_COLUMNS)
_BATCH = 50_000  # rows per payload (COPY text on PostgreSQL, executemany rows on SQLite)
_FETCH = 50_000
# Line × product pairs from which the full re-match goes the bulk way: the matching in a second process
# (fork) while this one writes, and into an empty table the indexes built after the load. Below it that
# costs more than it saves (and the tests' small data stays on the simple way unless they lower it).
BULK_MIN_PAIRS = 200_000_000
# Matching processes of the bulk way: two keep both cores busy while the database takes the payloads
# (it waited for one matcher); more only queue for the same cores.
MATCHING_PROCESSES = 2
_QUEUED = 8  # payloads waiting for the writer (~10 MB each on PostgreSQL)


def _apply_stage_sql(dialect: str) -> list[str]:
    """Merge the staged result into a table that had rows: DELETE what no longer hits, UPDATE what changed,
    INSERT what is new. On PostgreSQL three hash joins after ``ANALYZE`` (one ``INSERT … ON CONFLICT``
    over all ~3 million rows paid a speculative insertion and an index probe per row); the INSERT keeps
    ``ON CONFLICT`` for a row another transaction wrote meanwhile. On SQLite the staging table has an
    index and one upsert over all rows is cheap. Never ``NOT EXISTS`` against an empty, unanalysed table:
    PostgreSQL chose a nested loop that rescanned it for every row (the caller COPYs straight into an
    empty table instead)."""
    s, m = _STAGE.name, "advisory_matches"
    key = f"s.advisory_id = {m}.advisory_id AND s.org_id = {m}.org_id"
    delete_gone = f"DELETE FROM {m} WHERE NOT EXISTS (SELECT 1 FROM {s} s WHERE {key})"  # noqa: S608
    upsert = (f"INSERT INTO {m} ({', '.join(_COLUMNS)}) "  # noqa: S608
              f"SELECT {', '.join(_COLUMNS)} FROM {s} s WHERE {{where}} "
              f"ON CONFLICT (advisory_id, org_id) DO UPDATE SET result = excluded.result, reasons = excluded.reasons, "
              f"advisory_version = excluded.advisory_version, computed_at = excluded.computed_at "
              f"WHERE {m}.result <> excluded.result OR {m}.advisory_version <> excluded.advisory_version "
              f"OR {{reasons_differ}}")
    if dialect != "postgresql":
        return [delete_gone, upsert.format(where="true", reasons_differ=f"{m}.reasons IS NOT excluded.reasons")]
    return [
        f"ANALYZE {s}",
        "ANALYZE advisory_matches",
        delete_gone,
        f"UPDATE {m} SET result = s.result, reasons = s.reasons, advisory_version = s.advisory_version, "  # noqa: S608
        f"computed_at = s.computed_at FROM {s} s WHERE {key} AND ({m}.result <> s.result OR "
        f"{m}.advisory_version <> s.advisory_version OR {m}.reasons::text IS DISTINCT FROM s.reasons::text)",
        upsert.format(where=f"NOT EXISTS (SELECT 1 FROM {m} WHERE {key})",  # noqa: S608
                      reasons_differ=f"{m}.reasons::text IS DISTINCT FROM excluded.reasons::text"),
    ]


def _driver_rows(conn: Any, stmt: Any) -> Iterable[tuple]:
    """Rows of ``stmt`` through the driver's own cursor: SQLAlchemy's result rows cost more than the
    query itself for half a million lines."""
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(_FETCH):
            yield from rows
    finally:
        cursor.close()


def _work(conn: Any) -> list[tuple[int, str, list[tuple]]]:
    """(advisory_id, version, products) of every matchable advisory, in id order."""
    versions = dict(_driver_rows(conn, select(Advisory.id, Advisory.version).where(_matchable_clause())))
    by_advisory: dict[int, list[tuple]] = {}
    for product in _driver_rows(conn, select(*PRODUCT_COLUMNS).order_by(AdvisoryProduct.advisory_id,
                                                                        AdvisoryProduct.id)):
        if product[1] in versions:
            by_advisory.setdefault(product[1], []).append(product)
    return [(advisory_id, versions[advisory_id], products) for advisory_id, products in sorted(by_advisory.items())]


def _produce(index: engine.LineIndex, work: Sequence[tuple[int, str, list[tuple]]], dialect: str,
             stamp: datetime) -> Iterator[Any]:
    """The rows of the result in payloads of about ``_BATCH`` rows, as the driver takes them: the COPY text
    itself on PostgreSQL (no per-value conversion of ~3 million rows), tuples of driver values on SQLite.
    Rows in (advisory_id, org_id) order. Needs no connection (runs in the matching process)."""
    copy = dialect == "postgresql"
    now = stamp.isoformat() if copy else bulk._sqlite_datetime(stamp)  # noqa: SLF001
    pending: list = []
    for advisory_id, version, products in work:
        found = sorted(engine.match_products_json(index, products))
        if copy:
            head, tail = f"{advisory_id}\t", f"\t{bulk.copy_text([(version, now)])}"
            pending += [f"{head}{org_id}\t{result}\t{_copy_json(reasons)}{tail}" for org_id, result, reasons in found]
        else:
            pending += [(advisory_id, org_id, result, reasons, version, now) for org_id, result, reasons in found]
        if len(pending) >= _BATCH:
            yield "".join(pending) if copy else pending
            pending = []
    if pending:
        yield "".join(pending) if copy else pending


def _child(writer: Any, index: engine.LineIndex, work: Sequence, dialect: str, stamp: datetime) -> None:
    gc.disable()  # the inherited index is acyclic; a full collection would touch (and copy) every page of it
    try:
        for payload in _produce(index, work, dialect, stamp):
            writer.send(("rows", payload))
        writer.send(("done", None))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        writer.send(("error", traceback.format_exc()))
    finally:
        writer.close()


def _produce_in_children(index: engine.LineIndex, work: Sequence, dialect: str, stamp: datetime,
                         processes: int = MATCHING_PROCESSES) -> Iterator[Any]:
    """:func:`_produce` in forked processes (every ``processes``-th advisory each) while this process and
    the database write: a thread drains the children's pipes into a bounded queue, so they go on matching
    while the caller waits for the database (a pipe's own buffer holds less than one payload). Forked, not
    spawned: the children inherit the index and the products (nothing to pickle) and need no connection
    of their own, which could not see the caller's uncommitted rows. Rows come in key order per process."""
    ctx = multiprocessing.get_context("fork")
    readers, children = {}, []
    ready: queue.Queue = queue.Queue(maxsize=_QUEUED)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def drain() -> None:
        try:
            while readers and not stop.is_set():
                for reader in multiprocessing.connection.wait(list(readers), timeout=0.2):
                    try:
                        kind, payload = reader.recv()
                    except EOFError:
                        kind, payload = "error", f"ended early (exit code {readers[reader].exitcode})"
                    if kind == "done":
                        del readers[reader]
                    elif not put((kind, payload)) or kind == "error":
                        return
            put(("done", None))
        except BaseException:  # noqa: BLE001 - handed to the consumer, which raises
            put(("error", traceback.format_exc()))

    try:
        for n in range(max(1, min(processes, len(work)))):
            reader, writer = ctx.Pipe(duplex=False)
            child = ctx.Process(target=_child, args=(writer, index, work[n::processes], dialect, stamp),
                                daemon=True, name=f"kommcert-rematch-{n}")
            child.start()
            writer.close()
            readers[reader] = child
            children.append((reader, child))
        thread = threading.Thread(target=drain, name="kommcert-rematch-drain", daemon=True)
        thread.start()
        while True:
            kind, payload = ready.get()
            if kind == "done":
                return
            if kind == "error":
                raise RuntimeError(f"matching process failed:\n{payload}")
            yield payload
    finally:
        stop.set()
        for reader, child in children:
            if child.is_alive():
                child.kill()
            child.join()
            reader.close()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Millions of small, acyclic tuples and strings: the cyclic collector's full passes over the growing
    heap cost more than building it. Restored afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _drop_indexes(conn: Any) -> list[str]:
    """Drop the indexes of the (empty) ``advisory_matches`` and return the statements that build them again,
    exactly as they were (names and definitions read from the catalogue). Building an index once from
    ~3 million rows sorts them; keeping three indexes up to date row by row took twice as long in all (on
    PostgreSQL 2026-12-02: COPY with the indexes 143 s, COPY without 54 s + building them 19 s, under load).
    The price: ``DROP INDEX`` locks the table until the commit, so readers of the (empty) table wait."""
    quote = conn.dialect.identifier_preparer.quote
    if conn.dialect.name == "sqlite":  # the unique constraint's index cannot be dropped; the rowid is the key
        found = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                     "AND tbl_name = 'advisory_matches' AND sql IS NOT NULL").all()
        for name, _ in found:
            conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
        return [sql for _, sql in found]
    table = "'advisory_matches'::regclass"
    constraints = conn.exec_driver_sql(
        f"SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = {table} "  # noqa: S608
        "AND contype IN ('p', 'u') ORDER BY contype, conname").all()
    indexes = conn.exec_driver_sql(
        f"SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "  # noqa: S608
        f"WHERE i.indrelid = {table} AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid "
        f"AND k.conrelid = {table}) ORDER BY c.relname").all()
    drop = [f"DROP INDEX {quote(name)}" for name, _ in indexes]
    drop += [f"ALTER TABLE advisory_matches DROP CONSTRAINT {quote(name)}" for name, _ in constraints]
    bulk.run_script(conn, drop)
    # The sorts of the builds in memory, for this transaction only (the default 64 MB spilled to disk).
    return (["SET LOCAL maintenance_work_mem = '256MB'"]
            + [f"ALTER TABLE advisory_matches ADD CONSTRAINT {quote(name)} {definition}"
               for name, definition in constraints]
            + [definition for _, definition in indexes]
            + [f"SET LOCAL maintenance_work_mem = '{_setting(conn, 'maintenance_work_mem')}'"])


def _setting(conn: Any, name: str) -> str:
    return conn.exec_driver_sql(f"SHOW {name}").scalar()


def rematch_all(db: Session) -> list[ResultChange]:
    """Every matchable advisory against every inventory: the lines are read once into the index, the
    results written in bulk — straight into ``advisory_matches`` when it is empty (the first run; with much
    work its indexes built afterwards), else through a staging table merged in by three statements. With
    much work the matching runs in a forked process while this one writes (see :func:`_produce_in_children`)."""
    db.flush()
    conn = db.connection()
    dialect = conn.dialect.name
    with _gc_paused():
        index = engine.LineIndex()
        index.add(_driver_rows(conn, _line_select()))
        work = _work(conn)
        empty = conn.exec_driver_sql("SELECT 1 FROM advisory_matches LIMIT 1").first() is None
        pairs = index.size * sum(len(products) for _, _, products in work)
        large = pairs >= BULK_MIN_PAIRS
        rebuild = _drop_indexes(conn) if empty and large else []
        if not empty:
            _STAGE.create(conn)
            conn.exec_driver_sql(_STAGE.clear_sql(dialect))
        if dialect == "sqlite" and not empty:
            conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {_STAGE.name}_key ON {_STAGE.name} "
                                 "(advisory_id, org_id)")
        parallel = large and "fork" in multiprocessing.get_all_start_methods()
        produce = _produce_in_children if parallel else _produce
        target = "advisory_matches" if empty else _STAGE.name
        payloads = produce(index, work, dialect, utcnow())
        if dialect == "postgresql":  # one COPY for all: the server takes each payload while the next comes
            with conn.connection.driver_connection.cursor() as cursor, \
                    cursor.copy(f"COPY {target} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                for payload in payloads:
                    copy.write(payload)
        else:
            for payload in payloads:
                bulk._write(conn, target, _COLUMNS, payload)  # noqa: SLF001 - payloads already in driver form
        del index, work
        bulk.run_script(conn, rebuild)
        if not empty:
            bulk.run_script(conn, _apply_stage_sql(dialect))
            conn.exec_driver_sql(_STAGE.clear_sql(dialect))
        db.expire_all()
        # Sorted here, not by the database: the rows lie nearly in key order, which the sort merely checks,
        # where PostgreSQL sorted ~3 million rows on disk (work_mem).
        changes = list(map(ResultChange._make, _driver_rows(conn, select(
            AdvisoryMatch.advisory_id, AdvisoryMatch.org_id, AdvisoryMatch.notified_result, AdvisoryMatch.result)
            .where(or_(AdvisoryMatch.notified_result.is_(None),
                       AdvisoryMatch.notified_result != AdvisoryMatch.result)))))
        changes.sort()
        return changes


def _copy_json(text: str) -> str:
    """JSON text as ``match_products_json`` writes it (ASCII, no raw control characters) in COPY text
    format: only its backslashes need doubling."""
    return text.replace("\\", "\\\\") if "\\" in text else text


