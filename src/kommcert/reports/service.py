"""Use cases of reports (Meldungen)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.db import utcnow
from kommcert.errors import Conflict, InvalidInput, PermissionDenied
from kommcert.orgs.models import Organization, OrgKind
from kommcert.reports import audience as audience_rules
from kommcert.reports.models import Report
from kommcert.reports.schemas import ReportCreate, ReportUpdate
from kommcert.sharing import policy
from kommcert.sharing import service as sharing_service
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP


def create_report(db: Session, *, actor: Actor, report_in: ReportCreate) -> Report:
    if not actor.can_write or actor.org_id is None:
        raise PermissionDenied()
    report = Report(
        title=report_in.title.strip(), summary=report_in.summary, tlp=report_in.tlp,
        owner_org_id=actor.org_id, created_by_id=actor.user_id, upward=report_in.upward,
    )
    db.add(report)
    db.flush()
    audience = Audience(
        orgs=tuple(report_in.audience_orgs), orgs_without_subtree=tuple(report_in.audience_orgs_strict),
        users=tuple(report_in.audience_users),
    )
    sharing_service.set_audience(db, report, audience)
    audit_service.record(db, AuditEvent(
        events.SHARED, actor_user_id=actor.user_id, org_id=actor.org_id, object_type="report",
        object_id=report.id, detail={"tlp": str(report.tlp), "orgs": list(audience.orgs),
                                     "orgs_strict": list(audience.orgs_without_subtree),
                                     "users": list(audience.users)},
    ))
    return report


def get_report(db: Session, *, actor: Actor, report_id: int, ip: str | None = None) -> Report:
    return sharing_service.get_or_404(db, Report, report_id, actor, ip=ip)


def get_report_to_extend(db: Session, *, actor: Actor, report_id: int, ip: str | None = None) -> Report:
    """A report the actor may add to (indicators, files): seen (else 404) and owned by its organisation."""
    report = get_report(db, actor=actor, report_id=report_id, ip=ip)
    if not policy.can(db, actor, policy.EDIT, report):
        raise PermissionDenied("Nur Meldungen der eigenen Organisation können ergänzt werden.",
                               "Only reports of your own organisation can be extended.")
    if report.withdrawn:
        raise Conflict("Die Meldung ist zurückgezogen; stellen Sie sie zuerst wieder her.",
                       "The report is withdrawn; restore it first.")
    return report


def get_report_to_change(db: Session, *, actor: Actor, report_id: int, ip: str | None = None) -> Report:
    """A report the actor may edit, withdraw or restore: seen (else 404), of the own organisation."""
    report = get_report(db, actor=actor, report_id=report_id, ip=ip)
    if not policy.can(db, actor, policy.EDIT, report):
        raise PermissionDenied("Nur die Organisation, die eine Meldung erstellt hat, kann sie ändern.",
                               "Only the organisation that made a report can change it.")
    return report


def may_change(db: Session, *, actor: Actor, report: Report) -> bool:
    return policy.can(db, actor, policy.EDIT, report)


def _sharing(report: Report, audience: Audience) -> dict[str, object]:
    return {"tlp": str(report.tlp), "upward": bool(report.upward), "orgs": sorted(audience.orgs),
            "orgs_strict": sorted(audience.orgs_without_subtree), "users": sorted(audience.users)}


def update_report(db: Session, *, actor: Actor, report_id: int, report_in: ReportUpdate,
                  ip: str | None = None) -> Report:
    """Edit title, text, TLP and audience. Narrowing takes effect at once: feeds compute visibility
    from the report, and its ``updated_at`` moves every reader's feed state. The audit entry holds
    the old and new sharing; texts only as "changed" (a TLP:RED title stays out of the log)."""
    report = get_report_to_change(db, actor=actor, report_id=report_id, ip=ip)
    if report.withdrawn:
        raise Conflict("Die Meldung ist zurückgezogen; stellen Sie sie zuerst wieder her.",
                       "The report is withdrawn; restore it first.")
    given = report_in.model_fields_set
    old_audience = sharing_service.get_audience(db, report)
    old = _sharing(report, old_audience)
    changed: dict[str, object] = {}
    if "title" in given and report_in.title is not None and report_in.title.strip() != report.title:
        report.title = report_in.title.strip()
        changed["title"] = True
    if "summary" in given and report_in.summary is not None and report_in.summary != report.summary:
        report.summary = report_in.summary
        changed["summary"] = True
    if "tlp" in given and report_in.tlp is not None:
        report.tlp = report_in.tlp
    if "upward" in given and report_in.upward is not None:
        report.upward = report_in.upward
    audience = Audience(
        orgs=tuple(report_in.audience_orgs) if report_in.audience_orgs is not None else old_audience.orgs,
        orgs_without_subtree=tuple(report_in.audience_orgs_strict) if report_in.audience_orgs_strict is not None
        else old_audience.orgs_without_subtree,
        users=tuple(report_in.audience_users) if report_in.audience_users is not None else old_audience.users)
    new = _sharing(report, audience)
    if new != old:
        sharing_service.set_audience(db, report, audience)
        new = _sharing(report, sharing_service.get_audience(db, report))
        changed["sharing"] = {"old": old, "new": new}
    if changed:
        report.updated_at = utcnow()
        db.flush()
        audit_service.record(db, AuditEvent(
            events.REPORT_UPDATED, actor_user_id=actor.user_id, org_id=report.owner_org_id, object_type="report",
            object_id=report.id, ip=ip, detail=changed))
    return report


def withdraw_report(db: Session, *, actor: Actor, report_id: int, ip: str | None = None) -> Report:
    """Take the report's indicators out of every feed, search and scan set that had them only from
    it; the report stays readable to its audience, marked as withdrawn."""
    report = get_report_to_change(db, actor=actor, report_id=report_id, ip=ip)
    if not report.withdrawn:
        report.withdrawn_at = report.updated_at = utcnow()
        db.flush()
        audit_service.record(db, AuditEvent(
            events.REPORT_WITHDRAWN, actor_user_id=actor.user_id, org_id=report.owner_org_id,
            object_type="report", object_id=report.id, ip=ip, detail={"tlp": str(report.tlp)}))
    return report


def restore_report(db: Session, *, actor: Actor, report_id: int, ip: str | None = None) -> Report:
    report = get_report_to_change(db, actor=actor, report_id=report_id, ip=ip)
    if report.withdrawn:
        report.withdrawn_at = None
        report.updated_at = utcnow()
        db.flush()
        audit_service.record(db, AuditEvent(
            events.REPORT_RESTORED, actor_user_id=actor.user_id, org_id=report.owner_org_id,
            object_type="report", object_id=report.id, ip=ip, detail={"tlp": str(report.tlp)}))
    return report


def visibility(db: Session, *, actor: Actor, report: Report) -> audience_rules.Visibility:
    """Who sees this report (the caller fetched it through the policy)."""
    proposal = audience_rules.Proposal(owner_org_id=report.owner_org_id, tlp=TLP(report.tlp),
                                       upward=bool(report.upward), audience=sharing_service.get_audience(db, report))
    return audience_rules.visibility(db, proposal, person_names=actor.org_id == report.owner_org_id)


def proposed_visibility(db: Session, *, actor: Actor, tlp: TLP, upward: bool, audience: Audience,
                        report_id: int | None = None, person_names: bool = False) -> audience_rules.Visibility:
    """Who would see a new report of the actor's organisation (or the given report, changed) with
    this sharing. Unknown organisations are refused like in the form. ``person_names`` only where the
    people were named by addresses the actor may use (the form checks them); user ids from the API
    are counted, never named, so they cannot be used to look up names."""
    if report_id is not None:
        owner = get_report_to_change(db, actor=actor, report_id=report_id).owner_org_id
    elif actor.org_id is None or not actor.is_authenticated:
        raise PermissionDenied()
    else:
        owner = actor.org_id
    org_ids = set(audience.orgs) | set(audience.orgs_without_subtree)
    if org_ids and len(set(db.scalars(select(Organization.id).where(Organization.id.in_(org_ids))))) != len(org_ids):
        raise InvalidInput("Unbekannte Organisation im Empfängerkreis.", "Unknown organisation in the audience.")
    return audience_rules.visibility(db, audience_rules.Proposal(owner, tlp, upward, audience),
                                     person_names=person_names)


MUNICIPAL_UPWARD_KINDS = frozenset({OrgKind.ortsgemeinde, OrgKind.verbandsgemeinde, OrgKind.verbandsfreie_gemeinde})


def shares_upward_by_default(actor: Actor) -> bool:
    """A Gemeinde's or VG's new report goes to its VG, Kreis and the CERTs unless it says otherwise:
    TLP:AMBER without recipients was invisible to its own Kreis."""
    return actor.org_kind is not None and OrgKind(actor.org_kind) in MUNICIPAL_UPWARD_KINDS


def list_reports(
    db: Session, *, actor: Actor, limit: int = 50, before_id: int | None = None
) -> Sequence[Report]:
    stmt = select(Report).order_by(Report.id.desc()).limit(min(max(limit, 1), 500))
    if before_id is not None:
        stmt = stmt.where(Report.id < before_id)
    return db.scalars(policy.visible(stmt, Report, actor)).all()


def audience_choices(db: Session, *, actor: Actor) -> Sequence[Organization]:
    """Organisations offered in the sharing form: the Land's top level (Kreise, kreisfreie Städte,
    CERTs, providers) and the actor's own branch. Any other org can be named by its key."""
    top = select(Organization.id).where(Organization.parent_id.is_(None))
    stmt = select(Organization).where(
        (Organization.parent_id.in_(top)) | (Organization.id.in_(top)) | (Organization.id.in_(actor.org_path))
        | (Organization.parent_id == actor.org_id)
    )
    order = list(OrgKind)
    return sorted(db.scalars(stmt).all(), key=lambda o: (order.index(OrgKind(o.kind)), o.name))


def owner_of(db: Session, report: Report) -> Organization:
    return db.get(Organization, report.owner_org_id)  # type: ignore[return-value]
