"""What an administrator is shown of the audit log: entries about objects the reader may not see
keep who, when, from where and the TLP, but lose what would tell their content.

The log is written once and never changed (a database trigger refuses it); the hiding happens
here, for each reader, with the one sharing policy: a CERT administrator does not see the MISP
event UUID, the imported file's name or the addressed persons of a TLP:RED report addressed to
someone else, although the entry itself stays in the CERT's view.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kommcert.audit.models import AuditEntry
from kommcert.audit.schemas import AuditRead
from kommcert.sharing.actor import Actor

HIDDEN = "(verborgen)"
MISP_EVENT = "misp-event "
# Detail keys that never tell what an object holds: kept also where the object is hidden.
SAFE_KEYS = frozenset({"tlp", "actor_org_id"})


def _report_refs(entries: Sequence[AuditEntry]) -> tuple[set[int], set[uuid.UUID]]:
    ids: set[int] = set()
    uuids: set[uuid.UUID] = set()
    for e in entries:
        if e.object_type == "report" and e.object_id and e.object_id.isdigit():
            ids.add(int(e.object_id))
        elif e.object_type == "indicator_import":
            ids.update(r for r in (e.detail or {}).get("reports", []) if isinstance(r, int))
        elif e.object_type == "feed" and (e.object_id or "").startswith(MISP_EVENT):
            try:
                uuids.add(uuid.UUID(e.object_id[len(MISP_EVENT):]))  # type: ignore[index]
            except ValueError:
                continue
    return ids, uuids


def _visible(db: Session, actor: Actor, ids: set[int], uuids: set[uuid.UUID]) -> tuple[set[int], set[str]]:
    from kommcert.reports.models import Report
    from kommcert.sharing.policy import visible

    if not ids and not uuids:
        return set(), set()
    stmt = visible(select(Report.id, Report.uuid).where(or_(Report.id.in_(ids), Report.uuid.in_(uuids))),
                   Report, actor)
    rows = db.execute(stmt).all()
    return {r.id for r in rows}, {str(r.uuid) for r in rows}


def readable(db: Session, *, actor: Actor, entries: Sequence[AuditEntry]) -> list[AuditRead]:
    """The entries as ``actor`` may read them (copies; the stored rows are never touched)."""
    ids, uuids = _report_refs(entries)
    seen_ids, seen_uuids = _visible(db, actor, ids, uuids)
    out = []
    for e in entries:
        item = AuditRead.model_validate(e)
        detail = dict(item.detail or {})
        if e.object_type == "report" and e.object_id and e.object_id.isdigit() and int(e.object_id) not in seen_ids:
            detail = {k: v for k, v in detail.items() if k in SAFE_KEYS} | {"hidden": True}
        elif e.object_type == "indicator_import" and any(
                isinstance(r, int) and r not in seen_ids for r in detail.get("reports", [])):
            detail["source"] = HIDDEN
        elif e.object_type == "feed" and (e.object_id or "").startswith(MISP_EVENT) and \
                e.object_id[len(MISP_EVENT):] not in seen_uuids:  # type: ignore[index]
            item.object_id = MISP_EVENT + HIDDEN
        item.detail = detail
        if not actor.is_admin:
            item.ip = None  # a CERT's members read their team's entries, not where colleagues logged in from
        out.append(item)
    return out
