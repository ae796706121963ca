"""Use cases of reports (Meldungen)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.errors import PermissionDenied
from kommcert.orgs.models import Organization, OrgKind
from kommcert.reports.models import Report
from kommcert.reports.schemas import ReportCreate
from kommcert.sharing import policy
from kommcert.sharing import service as sharing_service
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import Audience


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
    return report


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
