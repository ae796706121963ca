"""The entry points the warning service calls: ``match_advisory`` after an advisory's revision changed,
``match_inventory`` after an organisation's inventory changed, ``rematch_all`` after the rules or the
aliases changed (and in the benchmark). Each writes ``AdvisoryMatch`` rows — one per organisation and
advisory with at least one hit, none for the others — and returns the :class:`ResultChange` of every
organisation whose result differs from what it was last told (``notified_result``), for the
notifications. ``notified_result`` itself is left to them.

Withdrawn advisories and drafts are not matched: their rows go.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import LargeBinary, and_, bindparam, cast, delete, func, or_, select, tuple_, update
from sqlalchemy.orm import Session

from kommcert import bulk
from kommcert.advisories.matching import engine
from kommcert.advisories.models import Advisory, AdvisoryMatch, AdvisoryProduct, AdvisoryState
from kommcert.db import utcnow
from kommcert.inventory.models import Inventory, InventoryItem


@dataclass(frozen=True)
class ResultChange:
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

_STAGE = bulk.Stage(
    name="tmp_advisory_match_stage",
    select_sql="SELECT advisory_id, org_id, result, reasons, advisory_version, computed_at "
               "FROM advisory_matches WHERE 1 = 0",
    columns=("advisory_id", "org_id", "result", "reasons", "advisory_version", "computed_at"))
_BATCH = 50_000
_ADVISORIES_PER_QUERY = 1_000


def _apply_stage_sql(dialect: str) -> list[str]:
    """DELETE what no longer hits, then one upsert that writes only rows that changed. No ``NOT EXISTS``
    against the table being filled: on an empty (unanalysed) table PostgreSQL chose a nested loop that
    rescanned the growing table for every row (minutes for a million rows)."""
    s, m = _STAGE.name, "advisory_matches"
    reasons_differ = (f"{m}.reasons::text IS DISTINCT FROM excluded.reasons::text" if dialect == "postgresql"
                      else f"{m}.reasons IS NOT excluded.reasons")
    return [
        f"DELETE FROM {m} WHERE NOT EXISTS (SELECT 1 FROM {s} s "  # noqa: S608
        f"WHERE s.advisory_id = {m}.advisory_id AND s.org_id = {m}.org_id)",
        f"INSERT INTO {m} (advisory_id, org_id, result, reasons, advisory_version, computed_at) "  # noqa: S608
        f"SELECT advisory_id, org_id, result, reasons, advisory_version, computed_at FROM {s} WHERE true "
        f"ON CONFLICT (advisory_id, org_id) DO UPDATE SET result = excluded.result, reasons = excluded.reasons, "
        f"advisory_version = excluded.advisory_version, computed_at = excluded.computed_at "
        f"WHERE {m}.result <> excluded.result OR {m}.advisory_version <> excluded.advisory_version "
        f"OR {reasons_differ}",
    ]


def _stream_lines(db: Session) -> engine.LineIndex:
    index = engine.LineIndex()
    sql = str(_line_select().compile(dialect=db.get_bind().dialect))
    result = db.connection().exec_driver_sql(sql)
    while rows := result.fetchmany(_BATCH):
        index.add(rows)
    return index


def rematch_all(db: Session) -> list[ResultChange]:
    """Every matchable advisory against every inventory: the lines are read once into the index, the
    products advisory by advisory, the results written in bulk through a staging table."""
    db.flush()
    conn = db.connection()
    dialect = conn.dialect.name
    index = _stream_lines(db)
    advisories = db.execute(select(Advisory.id, Advisory.version).where(_matchable_clause())
                            .order_by(Advisory.id)).all()
    _STAGE.create(conn)
    conn.exec_driver_sql(_STAGE.clear_sql(dialect))
    if dialect == "sqlite":
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {_STAGE.name}_key ON {_STAGE.name} (advisory_id, org_id)")
    stamp = utcnow()
    copy = dialect == "postgresql"
    now = bulk._sqlite_datetime(stamp) if dialect == "sqlite" else stamp.isoformat()  # noqa: SLF001
    pending: list = []
    for start in range(0, len(advisories), _ADVISORIES_PER_QUERY):
        chunk = advisories[start:start + _ADVISORIES_PER_QUERY]
        versions = dict(chunk)
        by_advisory: dict[int, list[tuple]] = {}
        products = db.execute(select(*PRODUCT_COLUMNS).where(
            AdvisoryProduct.advisory_id.between(chunk[0][0], chunk[-1][0])).order_by(AdvisoryProduct.id))
        for product in products:
            if product[1] in versions:
                by_advisory.setdefault(product[1], []).append(tuple(product))
        for advisory_id, advisory_products in by_advisory.items():
            version = versions[advisory_id]
            if copy:  # the COPY text line itself: no per-value conversion of ~3 million rows
                tail = f"\t{bulk.copy_text([(version, now)])}"
                pending += [f"{advisory_id}\t{org_id}\t{result}\t{_copy_json(reasons)}{tail}"
                            for org_id, result, reasons in engine.match_products_json(index, advisory_products)]
            else:
                pending += [(advisory_id, org_id, result, reasons, version, now)
                            for org_id, result, reasons in engine.match_products_json(index, advisory_products)]
        if len(pending) >= _BATCH:
            _STAGE.write(conn, "".join(pending) if copy else pending)
            pending = []
    _STAGE.write(conn, "".join(pending) if copy else pending)
    if dialect == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {_STAGE.name}")
        conn.exec_driver_sql("ANALYZE advisory_matches")
    bulk.run_script(conn, _apply_stage_sql(dialect))
    conn.exec_driver_sql(_STAGE.clear_sql(dialect))
    db.expire_all()
    # Through the driver's cursor: SQLAlchemy's result rows cost three quarters of reading ~3 million changes.
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute("SELECT advisory_id, org_id, notified_result, result FROM advisory_matches "
                       "WHERE notified_result IS NULL OR notified_result <> result ORDER BY advisory_id, org_id")
        return [ResultChange(*row) for row in cursor.fetchall()]
    finally:
        cursor.close()


def _copy_json(text: str) -> str:
    """JSON text as ``match_products_json`` writes it (ASCII, no raw control characters) in COPY text
    format: only its backslashes need doubling."""
    return text.replace("\\", "\\\\") if "\\" in text else text


