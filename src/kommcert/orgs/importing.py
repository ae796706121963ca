"""Apply organisation records to the tree: create or update by key, never duplicate.

All records are checked before the first write and the caller's transaction holds all writes,
so a bad file leaves the tree as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.errors import InvalidInput
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import Organization, OrgKind
from kommcert.orgs.records import OrgRecord


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _ordered(records: list[OrgRecord], existing: dict[str, Organization], name: str) -> list[OrgRecord]:
    """Parents before children; every parent known in the file or the database."""
    by_key = {r.key: r for r in records}
    ordered: list[OrgRecord] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(rec: OrgRecord) -> None:
        if state.get(rec.key) == 2:
            return
        if state.get(rec.key) == 1:
            raise InvalidInput(f"{name}, Zeile {rec.line}: Kreis im Baum bei {rec.key}",
                               f"{name}, line {rec.line}: cycle in the tree at {rec.key}")
        state[rec.key] = 1
        if rec.parent_key is not None:
            parent = by_key.get(rec.parent_key)
            if parent is not None:
                visit(parent)
            elif rec.parent_key not in existing:
                raise InvalidInput(
                    f"{name}, Zeile {rec.line}: übergeordnete Organisation {rec.parent_key} ist unbekannt",
                    f"{name}, line {rec.line}: parent organisation {rec.parent_key} is unknown",
                )
        state[rec.key] = 2
        ordered.append(rec)

    for rec in records:
        visit(rec)
    return ordered


def _check_kinds(ordered: list[OrgRecord], existing: dict[str, Organization], name: str) -> None:
    kinds = {k: OrgKind(o.kind) for k, o in existing.items()} | {r.key: r.kind for r in ordered}
    for rec in ordered:
        # A peer comes with its maximum TLP and credentials (``kommcert peers add``); a tree file
        # neither creates one nor turns an organisation into one or a peer into something else.
        old_kind = OrgKind(existing[rec.key].kind) if rec.key in existing else None
        if OrgKind.peer in (rec.kind, old_kind) and rec.kind != old_kind:
            raise InvalidInput(
                f"{name}, Zeile {rec.line}: Partnerinstanzen legt „kommcert peers add“ an, nicht der Import",
                f"{name}, line {rec.line}: peer instances are created by 'kommcert peers add', not by the import",
            )
        parent_kind = kinds.get(rec.parent_key) if rec.parent_key else None
        if parent_kind not in orgs_service.ALLOWED_PARENTS[rec.kind]:
            under = rec.parent_key or "—"
            raise InvalidInput(
                f"{name}, Zeile {rec.line}: {rec.kind.value} kann nicht unter {under} ({parent_kind}) hängen",
                f"{name}, line {rec.line}: {rec.kind.value} cannot hang under {under} ({parent_kind})",
            )
        for client in rec.serves:
            if client not in kinds:
                raise InvalidInput(f"{name}, Zeile {rec.line}: betreute Organisation {client} ist unbekannt",
                                   f"{name}, line {rec.line}: served organisation {client} is unknown")


def apply_records(db: Session, records: list[OrgRecord], *, source: str, actor_user_id: int | None = None
                  ) -> ImportResult:
    existing = {o.key: o for o in db.scalars(select(Organization))}
    ordered = _ordered(records, existing, source)
    _check_kinds(ordered, existing, source)
    # An organisation entered by hand may already carry the official key under another key.
    by_ars = {o.ars: o for o in existing.values() if o.ars}
    created = updated = unchanged = 0
    for rec in ordered:
        parent = existing[rec.parent_key] if rec.parent_key else None
        fields = {"name": rec.name, "ags": rec.ags, "ars": rec.ars, "population": rec.population,
                  "area_ha": rec.area_ha, "email": rec.email, "phone": rec.phone}
        org = existing.get(rec.key) or (by_ars.get(rec.ars) if rec.ars else None)
        if org is not None and org.key != rec.key:
            existing[rec.key] = org
            org.key = rec.key
        if org is None:
            org = orgs_service.create_org(db, key=rec.key, kind=rec.kind, parent=parent, **fields)
            existing[rec.key] = org
            created += 1
            continue
        changes = {k: v for k, v in fields.items() if v is not None and getattr(org, k) != v}
        changes.update({"kind": rec.kind} if org.kind != rec.kind else {})
        for k, v in changes.items():
            setattr(org, k, v)
        if org.parent_id != (parent.id if parent else None):
            orgs_service.move_org(db, org, parent)
            changes["parent"] = rec.parent_key
        updated += bool(changes)
        unchanged += not changes
    for rec in ordered:
        if rec.serves:
            existing[rec.key].clients = [existing[k] for k in rec.serves]
    db.flush()
    result = ImportResult(created, updated, unchanged)
    audit_service.record(db, AuditEvent(events.ORG_IMPORTED, actor_user_id=actor_user_id, detail={
        "source": source, "created": created, "updated": updated, "unchanged": unchanged}))
    return result
