"""Use cases of a deployment: team, daily reports, evidence, hand-over, time sheets, closing.

Who: the *provider* (writers of ``provider_org_id``), the *municipality* (writers of ``org_id``, the
paying organisation) and the *CERT* (writers of a CERT organisation). A deployment and every part of
it is visible when its incident is (the sharing policy) and the actor is not another provider or MIRT;
anything else is "not found", and nothing is written. The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from kommcert import timefmt
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.contracts import service as contracts_service
from kommcert.db import utcnow
from kommcert.deployments import costs
from kommcert.deployments import notifications as deployment_notifications
from kommcert.deployments.access import (  # noqa: F401 - the rules are part of the service's interface
    PROVIDER_KINDS,
    get_deployment,
    is_cert,
    is_municipality,
    is_provider,
    may_see_costs,
    may_view,
    visibility_filter,
)
from kommcert.deployments.checklist import DEFAULT_CHECKLIST
from kommcert.deployments.models import (
    CostStatement,
    Deployment,
    DeploymentEvidence,
    DeploymentMember,
    DeploymentState,
    EntryState,
    HandoverItem,
    HandoverSignoff,
    SignoffSide,
    StatusReport,
    TimeEntry,
)
from kommcert.deployments.schemas import (
    HandoverItemIn,
    HandoverItemUpdate,
    MemberIn,
    MemberTimes,
    StatusReportIn,
    TimeEntryIn,
    TimeEntryUpdate,
)
from kommcert.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kommcert.helprequests.models import HelpRequest, HelpState
from kommcert.incidents import service as incident_service
from kommcert.incidents.models import EventKind, Incident, IncidentEvidence
from kommcert.incidents.schemas import EvidenceCreate
from kommcert.orgs.models import OrgAncestry, Organization
from kommcert.providers.models import ProviderPerson
from kommcert.sharing.actor import Actor

if TYPE_CHECKING:
    from kommcert.config import Settings

QUARTER = Decimal("0.25")
MAX_DAY_HOURS = Decimal("24")
FUTURE_SLACK = timedelta(minutes=10)

AUDIT_TEAM = events.DEPLOYMENT_TEAM_CHANGED
AUDIT_CLOSED = events.DEPLOYMENT_CLOSED
AUDIT_SIGNED = events.DEPLOYMENT_SIGNED_OFF
AUDIT_ENTRY = events.DEPLOYMENT_TIME_ENTRY


def list_deployments(db: Session, *, actor: Actor, open_only: bool = False,
                     limit: int = 200) -> Sequence[Deployment]:
    """The board: a provider/MIRT its own, the CERT all, a municipality what it may see of its incidents."""
    if not actor.is_authenticated:
        return []
    stmt = (select(Deployment).join(Incident, Incident.id == Deployment.incident_id)
            .where(visibility_filter(actor)).order_by(Deployment.id.desc()).limit(min(max(limit, 1), 500)))
    if open_only:
        stmt = stmt.where(Deployment.state != DeploymentState.closed)
    if not actor.is_cert and actor.org_kind not in PROVIDER_KINDS:
        below = select(OrgAncestry.org_id).where(OrgAncestry.ancestor_id == actor.org_id)
        stmt = stmt.where(or_(Deployment.org_id == actor.org_id, Deployment.org_id.in_(below)))
    return db.scalars(stmt).all()


def _for_write(db: Session, actor: Actor, deployment_id: int) -> Deployment:
    """The deployment (visible, else 404), its row locked until the transaction ends: writes on one
    deployment run one after the other, so two sign-offs at once still close it and two entries at
    once cannot pass the 24-hour check together (on SQLite a touching UPDATE takes the write lock)."""
    deployment = get_deployment(db, actor=actor, deployment_id=deployment_id)
    if db.get_bind().dialect.name == "sqlite":
        db.execute(update(Deployment).where(Deployment.id == deployment.id).values(state=Deployment.state))
    locked = db.scalar(select(Deployment).where(Deployment.id == deployment.id).with_for_update()
                       .execution_options(populate_existing=True))
    assert locked is not None
    return locked


def _writable(deployment: Deployment) -> None:
    if deployment.state == DeploymentState.closed:
        raise Conflict("Der Einsatz ist abgeschlossen; es kann nichts mehr geändert werden.",
                       "The deployment is closed; nothing can be changed any more.")


def _require(allowed: bool, de: str, en: str) -> None:
    if not allowed:
        raise PermissionDenied(de, en)


def _team_writer(actor: Actor, deployment: Deployment) -> None:
    _require(is_provider(actor, deployment) or is_cert(actor),
             "Nur der Dienstleister des Einsatzes oder das CERT ändert das Team.",
             "Only the deployment's provider or the CERT changes the team.")


def _audit(db: Session, actor: Actor, action: str, deployment: Deployment, **detail: object) -> None:
    audit_service.record(db, AuditEvent(action, actor_user_id=actor.user_id, org_id=actor.org_id,
                                        object_type="deployment", object_id=deployment.id,
                                        detail={k: str(v) for k, v in detail.items()}))


def local_day(when: datetime) -> date:
    """The calendar day where the municipality is (KOMMCERT_TIMEZONE): a day's hours are booked in local time."""
    return when.astimezone(timefmt.zone_from_environment()).date()


def today() -> date:
    return local_day(utcnow())


def _not_future(when: datetime | None, de: str, en: str) -> None:
    if when is not None and when > utcnow() + FUTURE_SLACK:
        raise InvalidInput(f"{de} liegt in der Zukunft.", f"{en} is in the future.")


# ---------------------------------------------------------------- team

def _check_role(db: Session, deployment: Deployment, role: str, day: date) -> str:
    text = role.strip()
    if not text or len(text) > 100:
        raise InvalidInput("Bitte eine Rolle angeben (höchstens 100 Zeichen).",
                           "Please give a role (at most 100 characters).")
    if deployment.contract_id is None:
        return text  # the MIRT works without a contract
    line = contracts_service.rate_for(db, contract_id=deployment.contract_id, role=text, day=day)
    if line is None:
        raise InvalidInput(f"Die Rolle „{text}“ steht am {day:%d.%m.%Y} nicht im Preisblatt des Rahmenvertrags.",
                           f"The role '{text}' is not on the contract's rate card on {day.isoformat()}.")
    return line.role


def add_member(db: Session, *, actor: Actor, deployment_id: int, member_in: MemberIn) -> DeploymentMember:
    deployment = _for_write(db, actor, deployment_id)
    _team_writer(actor, deployment)
    _writable(deployment)
    name = member_in.name.strip()
    person_id = None
    if member_in.person_id is not None:
        person = db.get(ProviderPerson, member_in.person_id)
        if person is None or person.provider_org_id != deployment.provider_org_id:
            raise InvalidInput("Diese Person steht nicht im Verzeichnis des Dienstleisters.",
                               "This person is not in the provider's registry.")
        person_id, name = person.id, name or person.name
    if not name:
        raise InvalidInput("Bitte eine Person aus dem Verzeichnis wählen oder einen Namen angeben.",
                           "Please choose a person from the registry or give a name.")
    role = _check_role(db, deployment, member_in.role, today())
    member = DeploymentMember(deployment_id=deployment.id, person_id=person_id, name=name, role=role)
    db.add(member)
    db.flush()
    _audit(db, actor, AUDIT_TEAM, deployment, added=member.id)
    return member


def _member(db: Session, deployment: Deployment, member_id: int) -> DeploymentMember:
    member = db.get(DeploymentMember, member_id)
    if member is None or member.deployment_id != deployment.id:
        raise NotFound("Teammitglied nicht gefunden.", "Team member not found.")
    return member


def remove_member(db: Session, *, actor: Actor, deployment_id: int, member_id: int) -> None:
    deployment = _for_write(db, actor, deployment_id)
    _team_writer(actor, deployment)
    _writable(deployment)
    member = _member(db, deployment, member_id)
    if db.scalar(select(TimeEntry.id).where(TimeEntry.member_id == member.id).limit(1)) is not None:
        raise Conflict(f"{member.name} hat schon Stunden erfasst und bleibt im Team.",
                       f"{member.name} has recorded hours and stays in the team.")
    deployment.members.remove(member)
    db.flush()
    _audit(db, actor, AUDIT_TEAM, deployment, removed=member_id)


def set_member_times(db: Session, *, actor: Actor, deployment_id: int, member_id: int,
                     times: MemberTimes) -> DeploymentMember:
    """Arrival and departure of one person; the deployment's arrival is the first person's."""
    deployment = _for_write(db, actor, deployment_id)
    _team_writer(actor, deployment)
    _writable(deployment)
    member = _member(db, deployment, member_id)
    arrived = times.arrived_at or member.arrived_at
    departed = times.departed_at or member.departed_at
    _not_future(times.arrived_at, "Die Ankunft", "The arrival")
    _not_future(times.departed_at, "Die Abreise", "The departure")
    if arrived is not None and departed is not None and departed < arrived:
        raise InvalidInput("Die Abreise liegt vor der Ankunft.", "The departure is before the arrival.")
    if departed is not None and arrived is None:
        raise InvalidInput("Bitte zuerst die Ankunft eintragen.", "Please record the arrival first.")
    member.arrived_at, member.departed_at = arrived, departed
    first = deployment.arrived_at
    if arrived is not None and (first is None or arrived < first):
        deployment.arrived_at = arrived
        deployment_notifications.tell(db, deployment, deployment_notifications.ARRIVED)
    db.flush()
    return member


# ---------------------------------------------------------------- daily status reports

def report_status(db: Session, *, actor: Actor, deployment_id: int, report_in: StatusReportIn) -> StatusReport:
    """Lage / Maßnahmen / Bedarf of one day; a second report for the same day revises it."""
    deployment = _for_write(db, actor, deployment_id)
    _require(is_provider(actor, deployment) or is_cert(actor),
             "Lageberichte schreiben der Dienstleister des Einsatzes und das CERT.",
             "Status reports are written by the deployment's provider and the CERT.")
    _writable(deployment)
    if report_in.day > today():
        raise InvalidInput("Der Tag des Lageberichts liegt in der Zukunft.", "The report's day is in the future.")
    if report_in.day < local_day(deployment.created_at) - timedelta(days=1):
        raise InvalidInput("Der Tag des Lageberichts liegt vor dem Einsatz.",
                           "The report's day is before the deployment.")
    report = db.scalar(select(StatusReport).where(StatusReport.deployment_id == deployment.id,
                                                  StatusReport.day == report_in.day))
    if report is None:
        report = StatusReport(deployment_id=deployment.id, day=report_in.day)
        db.add(report)
    report.conditions, report.actions = report_in.conditions, report_in.actions
    report.needs, report.author_id = report_in.needs.strip(), actor.user_id
    report.updated_at = utcnow()
    db.flush()
    return report


# ---------------------------------------------------------------- evidence

def hand_over_evidence(db: Session, *, actor: Actor, deployment_id: int,
                       evidence_in: EvidenceCreate) -> IncidentEvidence:
    """A record in the incident's chain of custody, linked to this deployment."""
    deployment = _for_write(db, actor, deployment_id)
    _require(is_provider(actor, deployment) or is_municipality(actor, deployment) or is_cert(actor),
             "Beweismittel übergeben die Beteiligten des Einsatzes.",
             "Evidence is handed over by the parties of the deployment.")
    _writable(deployment)
    evidence = incident_service.add_evidence(db, actor=actor, incident_id=deployment.incident_id,
                                             evidence_in=evidence_in)
    db.add(DeploymentEvidence(deployment_id=deployment.id, evidence_id=evidence.id))
    db.flush()
    return evidence


# ---------------------------------------------------------------- hand-over

def depart(db: Session, *, actor: Actor, deployment_id: int, departed_at: datetime | None = None) -> Deployment:
    """The team leaves: the hand-over begins with the default checklist."""
    deployment = _for_write(db, actor, deployment_id)
    _team_writer(actor, deployment)
    if deployment.state != DeploymentState.active:
        raise Conflict("Der Einsatz ist schon beendet.", "The deployment has already ended.")
    _not_future(departed_at, "Die Abreise", "The departure")
    when = departed_at or utcnow()
    if deployment.arrived_at is not None and when < deployment.arrived_at:
        raise InvalidInput("Die Abreise liegt vor der Ankunft.", "The departure is before the arrival.")
    deployment.departed_at, deployment.state = when, DeploymentState.handover
    for member in deployment.members:
        if member.arrived_at is not None and member.departed_at is None:
            member.departed_at = max(when, member.arrived_at)
    for position, (area, text) in enumerate(DEFAULT_CHECKLIST):
        db.add(HandoverItem(deployment_id=deployment.id, area=area, position=position, text=text,
                            updated_by_id=actor.user_id))
    db.flush()
    deployment_notifications.tell(db, deployment, deployment_notifications.HANDOVER)
    return deployment


def _handover_open(db: Session, deployment: Deployment) -> None:
    if deployment.state != DeploymentState.handover:
        raise Conflict("Die Übergabe beginnt, wenn das Team abreist.", "The hand-over begins when the team departs.")
    if db.scalar(select(HandoverSignoff.id).where(HandoverSignoff.deployment_id == deployment.id).limit(1)):
        raise Conflict("Die Übergabe ist schon gezeichnet; die Checkliste bleibt, wie sie ist.",
                       "The hand-over has been signed; the checklist stays as it is.")


def _handover_writer(actor: Actor, deployment: Deployment) -> None:
    _require(is_provider(actor, deployment) or is_municipality(actor, deployment) or is_cert(actor),
             "Die Checkliste führen Dienstleister, Kommune und CERT.",
             "The checklist is kept by the provider, the municipality and the CERT.")


def add_handover_item(db: Session, *, actor: Actor, deployment_id: int, item_in: HandoverItemIn) -> HandoverItem:
    deployment = _for_write(db, actor, deployment_id)
    _handover_writer(actor, deployment)
    _handover_open(db, deployment)
    last = db.scalar(select(func.max(HandoverItem.position)).where(HandoverItem.deployment_id == deployment.id))
    item = HandoverItem(deployment_id=deployment.id, area=item_in.area, position=(last or 0) + 1,
                        text=item_in.text, updated_by_id=actor.user_id)
    db.add(item)
    db.flush()
    return item


def update_handover_item(db: Session, *, actor: Actor, deployment_id: int, item_id: int,
                         update: HandoverItemUpdate) -> HandoverItem:
    """Tick a line as done, naming who confirms it (a done line needs that name)."""
    deployment = _for_write(db, actor, deployment_id)
    _handover_writer(actor, deployment)
    _handover_open(db, deployment)
    item = db.get(HandoverItem, item_id)
    if item is None or item.deployment_id != deployment.id:
        raise NotFound("Punkt der Checkliste nicht gefunden.", "Checklist item not found.")
    text = item.text if update.text is None else update.text.strip()
    confirmed_by = item.confirmed_by if update.confirmed_by is None else update.confirmed_by.strip()
    done = item.done if update.done is None else update.done
    if not text:
        raise InvalidInput("Der Punkt braucht einen Text.", "The item needs a text.")
    if done and not confirmed_by:
        raise InvalidInput("Bitte angeben, wer den Punkt bestätigt.", "Please name who confirms the item.")
    item.text, item.confirmed_by, item.done, item.updated_by_id = text, confirmed_by, done, actor.user_id
    item.updated_at = utcnow()
    db.flush()
    return item


def handover_items(db: Session, deployment: Deployment) -> list[HandoverItem]:
    return list(db.scalars(select(HandoverItem).where(HandoverItem.deployment_id == deployment.id)
                           .order_by(HandoverItem.area.desc(), HandoverItem.position, HandoverItem.id)))


def sign_off(db: Session, *, actor: Actor, deployment_id: int) -> HandoverSignoff:
    """The municipality (a writer of the paying organisation) and the CERT each sign once; the
    deployment closes when both have signed and every time entry is confirmed."""
    deployment = _for_write(db, actor, deployment_id)
    if is_municipality(actor, deployment):
        side = SignoffSide.municipality
    elif is_cert(actor):
        side = SignoffSide.cert
    else:
        raise PermissionDenied("Die Übergabe zeichnen die zahlende Kommune und das CERT.",
                               "The hand-over is signed by the paying municipality and the CERT.")
    if deployment.state != DeploymentState.handover:
        raise Conflict("Gezeichnet wird die Übergabe, nachdem das Team abgereist ist.",
                       "The hand-over is signed after the team has departed.")
    items = handover_items(db, deployment)
    undone = sum(1 for i in items if not i.done)
    if undone or not items:
        raise Conflict(f"Noch {undone} Punkt(e) der Checkliste offen; erst dann kann gezeichnet werden.",
                       f"{undone} checklist item(s) still open; signing needs all of them done.")
    if db.scalar(select(HandoverSignoff.id).where(HandoverSignoff.deployment_id == deployment.id,
                                                  HandoverSignoff.side == side)) is not None:
        raise Conflict("Diese Seite hat die Übergabe schon gezeichnet.", "This side has already signed the hand-over.")
    signoff = HandoverSignoff(deployment_id=deployment.id, side=side, user_id=actor.user_id)
    db.add(signoff)
    db.flush()
    _audit(db, actor, AUDIT_SIGNED, deployment, side=side)
    _close_if_ready(db, actor, deployment)
    return signoff


def signoffs(db: Session, deployment: Deployment) -> list[HandoverSignoff]:
    return list(db.scalars(select(HandoverSignoff).where(HandoverSignoff.deployment_id == deployment.id)
                           .order_by(HandoverSignoff.id)))


# ---------------------------------------------------------------- time sheets

def _hours(value: Decimal) -> Decimal:
    if not value.is_finite() or value <= 0 or value > MAX_DAY_HOURS:
        raise InvalidInput("Stunden: mehr als 0 und höchstens 24.", "Hours: more than 0 and at most 24.")
    if value % QUARTER != 0:
        raise InvalidInput("Stunden bitte in Viertelstunden angeben (z. B. 7,75).",
                           "Please give hours in quarter hours (e.g. 7.75).")
    return value.quantize(Decimal("0.01"))


def _check_entry(db: Session, deployment: Deployment, member_id: int, day: date, hours: Decimal,
                 exclude_id: int | None = None) -> None:
    if day > today():
        raise InvalidInput("Der Tag liegt in der Zukunft.", "The day is in the future.")
    if day < local_day(deployment.created_at) - timedelta(days=1):
        raise InvalidInput("Der Tag liegt vor dem Einsatz.", "The day is before the deployment.")
    stmt = select(func.coalesce(func.sum(TimeEntry.hours), 0)).where(TimeEntry.member_id == member_id,
                                                                      TimeEntry.day == day)
    if exclude_id is not None:
        stmt = stmt.where(TimeEntry.id != exclude_id)
    booked = Decimal(str(db.scalar(stmt)))
    if booked + hours > MAX_DAY_HOURS:
        raise InvalidInput(f"An diesem Tag sind schon {booked} Stunden erfasst; mehr als 24 geht nicht.",
                           f"{booked} hours are already recorded on this day; more than 24 is not possible.")


def _provider_writes(actor: Actor, deployment: Deployment) -> None:
    _require(is_provider(actor, deployment), "Stunden erfasst das Personal des Dienstleisters.",
             "Hours are recorded by the provider's staff.")
    _writable(deployment)


def record_time(db: Session, *, actor: Actor, deployment_id: int, entry_in: TimeEntryIn) -> TimeEntry:
    deployment = _for_write(db, actor, deployment_id)
    _provider_writes(actor, deployment)
    member = _member(db, deployment, entry_in.member_id)
    hours = _hours(entry_in.hours)
    role = _check_role(db, deployment, entry_in.role, entry_in.day)
    _check_entry(db, deployment, member.id, entry_in.day, hours)
    entry = TimeEntry(deployment_id=deployment.id, member_id=member.id, day=entry_in.day, role=role, hours=hours,
                      daily_flat=entry_in.daily_flat, travel=entry_in.travel, note=entry_in.note.strip(),
                      recorded_by_id=actor.user_id)
    db.add(entry)
    db.flush()
    _audit(db, actor, AUDIT_ENTRY, deployment, entry=entry.id, change="recorded", hours=hours)
    deployment_notifications.tell(db, deployment, deployment_notifications.ENTRIES_WAITING, key=today().isoformat())
    return entry


def _entry(db: Session, deployment: Deployment, entry_id: int) -> TimeEntry:
    entry = db.get(TimeEntry, entry_id)
    if entry is None or entry.deployment_id != deployment.id:
        raise NotFound("Zeiteintrag nicht gefunden.", "Time entry not found.")
    return entry


def correct_time(db: Session, *, actor: Actor, deployment_id: int, entry_id: int,
                 update: TimeEntryUpdate) -> TimeEntry:
    """The provider corrects an open or disputed entry; it is open again. Confirmed entries are final."""
    deployment = _for_write(db, actor, deployment_id)
    _provider_writes(actor, deployment)
    entry = _entry(db, deployment, entry_id)
    if entry.state == EntryState.confirmed:
        raise Conflict("Bestätigte Einträge sind endgültig.", "Confirmed entries are final.")
    day = update.day or entry.day
    hours = _hours(update.hours) if update.hours is not None else Decimal(entry.hours)
    role = _check_role(db, deployment, update.role if update.role is not None else entry.role, day)
    _check_entry(db, deployment, entry.member_id, day, hours, exclude_id=entry.id)
    entry.day, entry.hours, entry.role = day, hours, role
    for field in ("daily_flat", "travel"):
        if getattr(update, field) is not None:
            setattr(entry, field, getattr(update, field))
    if update.note is not None:
        entry.note = update.note.strip()
    entry.state, entry.dispute_reason, entry.reviewed_by_id, entry.reviewed_at = EntryState.open, "", None, None
    db.flush()
    _audit(db, actor, AUDIT_ENTRY, deployment, entry=entry.id, change="corrected", hours=hours)
    deployment_notifications.tell(db, deployment, deployment_notifications.ENTRIES_WAITING, key=today().isoformat())
    return entry


def _review(db: Session, actor: Actor, deployment_id: int, entry_id: int) -> tuple[Deployment, TimeEntry]:
    deployment = _for_write(db, actor, deployment_id)
    _require(is_municipality(actor, deployment), "Stunden bestätigt oder bestreitet die zahlende Kommune.",
             "Hours are confirmed or disputed by the paying municipality.")
    _writable(deployment)
    entry = _entry(db, deployment, entry_id)
    if entry.state == EntryState.confirmed:
        raise Conflict("Bestätigte Einträge sind endgültig.", "Confirmed entries are final.")
    entry.reviewed_by_id, entry.reviewed_at = actor.user_id, utcnow()
    return deployment, entry


def confirm_time(db: Session, *, actor: Actor, deployment_id: int, entry_id: int) -> TimeEntry:
    deployment, entry = _review(db, actor, deployment_id, entry_id)
    entry.state, entry.dispute_reason = EntryState.confirmed, ""
    db.flush()
    _audit(db, actor, AUDIT_ENTRY, deployment, entry=entry.id, change="confirmed")
    _close_if_ready(db, actor, deployment)
    return entry


def dispute_time(db: Session, *, actor: Actor, deployment_id: int, entry_id: int, reason: str) -> TimeEntry:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("Bitte begründen, warum der Eintrag bestritten wird.",
                           "Please give a reason for disputing the entry.")
    deployment, entry = _review(db, actor, deployment_id, entry_id)
    if entry.state != EntryState.open:
        raise Conflict("Der Eintrag ist schon bestritten.", "The entry is already disputed.")
    entry.state, entry.dispute_reason = EntryState.disputed, text
    db.flush()
    _audit(db, actor, AUDIT_ENTRY, deployment, entry=entry.id, change="disputed")
    deployment_notifications.tell(db, deployment, deployment_notifications.DISPUTED, key=f"entry:{entry.id}:"
                                  f"{entry.reviewed_at.isoformat() if entry.reviewed_at else ''}")
    return entry


def time_entries(db: Session, deployment: Deployment) -> list[TimeEntry]:
    return list(db.scalars(select(TimeEntry).where(TimeEntry.deployment_id == deployment.id)
                           .order_by(TimeEntry.day, TimeEntry.member_id, TimeEntry.id)))


# ---------------------------------------------------------------- closing and the cost statement

def _pending(db: Session, deployment: Deployment) -> int:
    return db.scalar(select(func.count(TimeEntry.id)).where(
        TimeEntry.deployment_id == deployment.id, TimeEntry.state != EntryState.confirmed)) or 0


def _close_if_ready(db: Session, actor: Actor, deployment: Deployment) -> None:
    if deployment.state == DeploymentState.handover and len(signoffs(db, deployment)) == 2 \
            and not _pending(db, deployment):
        _close(db, actor, deployment)


def close_deployment(db: Session, *, actor: Actor, deployment_id: int) -> CostStatement:
    """Close by hand (municipality or CERT): both sign-offs present, no entry open or disputed."""
    deployment = _for_write(db, actor, deployment_id)
    _require(is_municipality(actor, deployment) or is_cert(actor),
             "Den Einsatz schließen die zahlende Kommune oder das CERT.",
             "The deployment is closed by the paying municipality or the CERT.")
    _writable(deployment)
    if deployment.state != DeploymentState.handover or len(signoffs(db, deployment)) < 2:
        raise Conflict("Abschluss erst nach der Übergabe, gezeichnet von Kommune und CERT.",
                       "Closing needs the hand-over signed by the municipality and the CERT.")
    pending = _pending(db, deployment)
    if pending:
        raise Conflict(f"Noch {pending} Zeiteintrag/-einträge offen oder bestritten.",
                       f"{pending} time entr(y/ies) still open or disputed.")
    return _close(db, actor, deployment)


def _close(db: Session, actor: Actor, deployment: Deployment) -> CostStatement:
    """Write the cost statement, charge the contingent, close the help request — one transaction."""
    help_request = db.get(HelpRequest, deployment.help_request_id)
    assert help_request is not None
    statement = costs.build_statement(db, deployment, time_entries(db, deployment), help_request.contingent_id,
                                      actor.user_id)
    contingent_id = help_request.contingent_id
    if contingent_id is not None:
        # The ledger is kept by the CERTs; closing books as the system when the municipality closes.
        booker = actor if is_cert(actor) else None
        reference = costs.ledger_reference(deployment)
        reserved = Decimal(help_request.reserved or 0)
        if statement.charged > 0:
            contracts_service.charge(db, actor=booker, contingent_id=contingent_id, amount=statement.charged,
                                     reference=reference, release_reserved=reserved)
        elif reserved > 0:
            contracts_service.release(db, actor=booker, contingent_id=contingent_id, amount=reserved,
                                      reference=reference)
    deployment.state, deployment.closed_at = DeploymentState.closed, utcnow()
    old_state = help_request.state
    help_request.state, help_request.closed_at = HelpState.closed, utcnow()
    db.flush()
    incident = db.get(Incident, deployment.incident_id)
    assert incident is not None
    # On the timeline every participant reads: that it closed, never what it cost.
    incident_service.record_help(db, incident, EventKind.help_closed, actor, {
        "help_request_id": help_request.id, "deployment_id": deployment.id, "to": str(HelpState.closed)})
    audit_service.record(db, AuditEvent(
        events.HELP_REQUEST_CHANGED, actor_user_id=actor.user_id, org_id=actor.org_id, object_type="help_request",
        object_id=help_request.id, detail={"from": str(old_state), "to": str(HelpState.closed),
                                           "incident_id": help_request.incident_id}))
    if contingent_id is not None:
        from kommcert.contracts import alerts

        alerts.check_low(db, contingent_id)
    _audit(db, actor, AUDIT_CLOSED, deployment, total=statement.total, charged=statement.charged,
           hours=statement.hours_total, contingent=contingent_id)
    deployment_notifications.tell(db, deployment, deployment_notifications.CLOSED)
    return statement


# ---------------------------------------------------------------- reading

@dataclass(frozen=True)
class Detail:
    deployment: Deployment
    status_reports: list[StatusReport]
    evidence: list[IncidentEvidence]
    handover_items: list[HandoverItem]
    signoffs: list[HandoverSignoff]
    time_entries: list[TimeEntry]
    cost: costs.CostView | None
    may_see_costs: bool
    incident: Incident
    org_names: dict[int, str]
    people: list[ProviderPerson]  # the provider's registry, for whoever may change the team


def detail(db: Session, *, actor: Actor, deployment_id: int, ip: str | None = None) -> Detail:
    deployment = get_deployment(db, actor=actor, deployment_id=deployment_id, ip=ip)
    reports = list(db.scalars(select(StatusReport).where(StatusReport.deployment_id == deployment.id)
                              .order_by(StatusReport.day.desc())))
    evidence = list(db.scalars(select(IncidentEvidence).join(
        DeploymentEvidence, DeploymentEvidence.evidence_id == IncidentEvidence.id)
        .where(DeploymentEvidence.deployment_id == deployment.id).order_by(IncidentEvidence.id)))
    see_costs = may_see_costs(db, actor, deployment)
    statement = db.scalar(select(CostStatement).where(CostStatement.deployment_id == deployment.id)) \
        if see_costs else None
    cost = costs.view(db, deployment, statement) if statement is not None else None
    incident = db.get(Incident, deployment.incident_id)
    assert incident is not None
    names = dict(db.execute(select(Organization.id, Organization.name).where(
        Organization.id.in_({deployment.org_id, deployment.provider_org_id}))).all())
    people = list(db.scalars(select(ProviderPerson).where(ProviderPerson.provider_org_id == deployment.provider_org_id)
                             .order_by(ProviderPerson.name))) \
        if is_provider(actor, deployment) or is_cert(actor) else []
    return Detail(deployment, reports, evidence, handover_items(db, deployment), signoffs(db, deployment),
                  time_entries(db, deployment), cost, see_costs, incident, names, people)


def cost_view(db: Session, *, actor: Actor, deployment_id: int, ip: str | None = None) -> costs.CostView:
    """The cost statement of a closed deployment for the municipality (and above), the provider, the CERT."""
    deployment = get_deployment(db, actor=actor, deployment_id=deployment_id, ip=ip)
    if not may_see_costs(db, actor, deployment):
        raise NotFound("Einsatz nicht gefunden.", "Deployment not found.")
    statement = db.scalar(select(CostStatement).where(CostStatement.deployment_id == deployment.id))
    if statement is None:
        raise NotFound("Die Kostenaufstellung entsteht beim Abschluss des Einsatzes.",
                       "The cost statement is written when the deployment closes.")
    return costs.view(db, deployment, statement)


@dataclass(frozen=True)
class Export:
    data: bytes
    filename: str
    media_type: str


def export_costs(db: Session, *, actor: Actor, deployment_id: int, fmt: str, settings: Settings, lang: str = "de",
                 ip: str | None = None) -> Export:
    """The cost statement as ``pdf`` or ``csv``; logged like every export."""
    cost = cost_view(db, actor=actor, deployment_id=deployment_id, ip=ip)
    if fmt == "pdf":
        made = Export(costs.pdf(cost, lang=lang, settings=settings),
                      costs.csv_name(cost).removesuffix(".csv") + ".pdf", "application/pdf")
    elif fmt == "csv":
        made = Export(costs.csv_bytes(cost), costs.csv_name(cost), "text/csv; charset=utf-8")
    else:
        raise InvalidInput("Format: pdf oder csv.", "Format: pdf or csv.")
    audit_service.record(db, AuditEvent(events.EXPORTED, actor_user_id=actor.user_id, org_id=cost.deployment.org_id,
                                        object_type="deployment", object_id=cost.deployment.id, ip=ip,
                                        detail={"format": fmt, "what": "cost_statement"}))
    return made


def last_report_days(db: Session, deployment_ids: Sequence[int]) -> dict[int, date]:
    if not deployment_ids:
        return {}
    return dict(db.execute(select(StatusReport.deployment_id, func.max(StatusReport.day))
                           .where(StatusReport.deployment_id.in_(list(deployment_ids)))
                           .group_by(StatusReport.deployment_id)).all())


@dataclass(frozen=True)
class BoardRow:
    deployment: Deployment
    incident_title: str
    org_name: str
    provider_name: str
    team: int
    last_report: date | None


def board(db: Session, *, actor: Actor) -> list[BoardRow]:
    """The deployment board: the CERT's open deployments, a provider's/MIRT's or a municipality's own."""
    found = list_deployments(db, actor=actor, open_only=actor.is_cert)
    if not found:
        return []
    ids = [d.id for d in found]
    titles = dict(db.execute(select(Incident.id, Incident.title).where(
        Incident.id.in_({d.incident_id for d in found}))).all())
    names = dict(db.execute(select(Organization.id, Organization.name).where(
        Organization.id.in_({d.org_id for d in found} | {d.provider_org_id for d in found}))).all())
    teams = dict(db.execute(select(DeploymentMember.deployment_id, func.count(DeploymentMember.id))
                            .where(DeploymentMember.deployment_id.in_(ids))
                            .group_by(DeploymentMember.deployment_id)).all())
    last = last_report_days(db, ids)
    return [BoardRow(d, titles.get(d.incident_id, ""), names.get(d.org_id, ""), names.get(d.provider_org_id, ""),
                     teams.get(d.id, 0), last.get(d.id)) for d in found]


def deployments_of_incident(db: Session, *, actor: Actor, incident: Incident) -> list[Deployment]:
    """For the case page (the incident was fetched through the policy): the deployments the actor may see."""
    stmt = select(Deployment).where(Deployment.incident_id == incident.id).order_by(Deployment.id)
    if actor.org_kind is not None and actor.org_kind in PROVIDER_KINDS:
        stmt = stmt.where(Deployment.provider_org_id == actor.org_id)
    return list(db.scalars(stmt))
