"""Use cases of the framework contract: contracts and rate cards, contingents and their ledger.

The Land's CERT administrators keep contracts, rate cards and contingents. A municipality sees the
contingents of its own organisation and the organisations above it (its Kreis's); a Kreis also those
below it; the CERTs see all; nobody sees another Kreis's (404). ``reserve`` never overspends: it locks
the contingent's row (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the first write takes the
database's single write lock) and checks what is left inside the lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from sqlalchemy import ColumnElement, exists, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.contracts.models import (
    Contingent,
    ContingentEntry,
    ContingentUnit,
    EntryKind,
    FrameworkContract,
    RateCardLine,
)
from kommcert.contracts.schemas import ContractIn, RateIn
from kommcert.db import utcnow
from kommcert.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import MUNICIPAL_KINDS, OrgAncestry, Organization, OrgKind
from kommcert.sharing.actor import Actor

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
ZERO = Decimal("0.00")
PROVIDER_KINDS = frozenset({OrgKind.dienstleister, OrgKind.mirt})
CONTINGENT_KINDS = MUNICIPAL_KINDS - {OrgKind.it_dienstleister}
KREIS_KINDS = frozenset({OrgKind.kreis, OrgKind.kreisfreie_stadt})


# --- who ------------------------------------------------------------------------------------------

def _require_keeper(actor: Actor | None) -> None:
    """Contracts, rate cards and contingents are kept by the Land's CERT administrators (None: the CLI's system)."""
    if actor is None:
        return
    if not (actor.is_admin and actor.org_kind == OrgKind.land_cert and actor.can_write):
        raise PermissionDenied("Nur Administratoren des Landes-CERT pflegen Rahmenvertrag und Kontingente.",
                               "Only administrators of the Land's CERT keep the framework contract and contingents.")


def _require_ledger_writer(actor: Actor | None) -> None:
    """Reservations and charges are made by the CERTs (approving help) or the system."""
    if actor is None:
        return
    if not (actor.is_cert and actor.can_write):
        raise PermissionDenied("Nur ein CERT reserviert oder verbucht Kontingent.",
                               "Only a CERT reserves or charges a contingent.")


def contingent_visibility(actor: Actor) -> ColumnElement[bool]:
    """SQL truth of "actor may see this contingent": CERTs all, others their org, above and below it."""
    if actor.is_cert:
        return true()
    if actor.org_id is None:
        return Contingent.id.is_(None)
    below = exists().where(OrgAncestry.org_id == Contingent.org_id, OrgAncestry.ancestor_id == actor.org_id)
    return or_(Contingent.org_id.in_(actor.org_path or (actor.org_id,)), below)


def _contract_visibility(actor: Actor) -> ColumnElement[bool]:
    """The CERTs and the municipalities read contracts and rate cards; a provider only its own."""
    if actor.is_cert or (actor.org_kind is not None and OrgKind(actor.org_kind) in MUNICIPAL_KINDS):
        return true()
    if actor.org_id is None:
        return FrameworkContract.id.is_(None)
    return FrameworkContract.provider_org_id == actor.org_id


def _audit(db: Session, actor: Actor | None, action: str, object_type: str, object_id: int, org_id: int | None,
           **detail: object) -> None:
    audit_service.record(db, AuditEvent(action, actor_user_id=actor.user_id if actor else None,
                                        org_id=org_id if actor is None else actor.org_id, object_type=object_type,
                                        object_id=object_id, detail={k: str(v) for k, v in detail.items()}))


# --- money ----------------------------------------------------------------------------------------

def money(value: object, *, what: str = "Betrag", positive: bool = False) -> Decimal:
    """A Decimal amount with at most two decimal places, 0 ≤ value ≤ 9 999 999 999.99 (> 0 if positive)."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{what}: keine Zahl ({value}).", f"{what}: not a number ({value}).") from None
    if not amount.is_finite() or amount != amount.quantize(CENT, rounding=ROUND_DOWN):
        raise InvalidInput(f"{what}: höchstens zwei Nachkommastellen ({value}).",
                           f"{what}: at most two decimal places ({value}).")
    if amount < 0 or (positive and amount == 0) or amount > MAX_AMOUNT:
        raise InvalidInput(f"{what} muss größer als 0 und höchstens 9999999999,99 sein ({value})." if positive
                           else f"{what} muss zwischen 0 und 9999999999,99 liegen ({value}).",
                           f"{what} must be greater than 0 and at most 9999999999.99 ({value})." if positive
                           else f"{what} must be between 0 and 9999999999.99 ({value}).")
    return amount.quantize(CENT)


# --- contracts and rate cards ---------------------------------------------------------------------

def _check_period(valid_from: date, valid_until: date) -> None:
    if valid_until < valid_from:
        raise InvalidInput("Das Ende der Gültigkeit liegt vor ihrem Beginn.", "The validity ends before it begins.")


def _add_rate(db: Session, contract: FrameworkContract, rate_in: RateIn) -> RateCardLine:
    start = rate_in.valid_from or contract.valid_from
    end = rate_in.valid_until or contract.valid_until
    _check_period(start, end)
    if start < contract.valid_from or end > contract.valid_until:
        raise InvalidInput(f"Satz für {rate_in.role}: gilt außerhalb der Laufzeit des Vertrags.",
                           f"Rate for {rate_in.role}: valid outside the contract's term.")
    role = rate_in.role.strip()
    for other in contract.rates:
        if other.role.casefold() == role.casefold() and other.valid_from <= end and start <= other.valid_until:
            raise Conflict(
                f"Satz für {role}: überschneidet sich mit dem Satz vom {other.valid_from:%d.%m.%Y} "
                f"bis {other.valid_until:%d.%m.%Y}.",
                f"Rate for {role}: overlaps the rate from {other.valid_from:%Y-%m-%d} to {other.valid_until:%Y-%m-%d}.")
    line = RateCardLine(role=role, hourly_rate=money(rate_in.hourly_rate, what="Stundensatz"),
                        daily_flat_rate=money(rate_in.daily_flat_rate, what="Tagespauschale"),
                        travel_flat_rate=money(rate_in.travel_flat_rate, what="Reisepauschale"),
                        valid_from=start, valid_until=end)
    contract.rates.append(line)
    return line


def create_contract(db: Session, *, actor: Actor | None, contract_in: ContractIn) -> FrameworkContract:
    _require_keeper(actor)
    _check_period(contract_in.valid_from, contract_in.valid_until)
    provider = orgs_service.get_by_key(db, contract_in.provider_org_key)
    if provider is None or OrgKind(provider.kind) not in PROVIDER_KINDS:
        raise InvalidInput(f"{contract_in.provider_org_key}: kein Dienstleister und kein MIRT.",
                           f"{contract_in.provider_org_key}: neither a provider nor the MIRT.")
    contract = FrameworkContract(title=contract_in.title, provider_org_id=provider.id,
                                 valid_from=contract_in.valid_from, valid_until=contract_in.valid_until,
                                 created_by_id=actor.user_id if actor else None, rates=[])
    for rate_in in contract_in.rates:
        _add_rate(db, contract, rate_in)
    db.add(contract)
    db.flush()
    _audit(db, actor, events.CONTRACT_SAVED, "framework_contract", contract.id, provider.id, title=contract.title,
           rates=len(contract.rates))
    return contract


def add_rate(db: Session, *, actor: Actor | None, contract_id: int, rate_in: RateIn) -> RateCardLine:
    _require_keeper(actor)
    contract = db.get(FrameworkContract, contract_id, with_for_update=True)
    if contract is None:
        raise NotFound("Rahmenvertrag nicht gefunden.", "Framework contract not found.")
    line = _add_rate(db, contract, rate_in)
    db.flush()
    _audit(db, actor, events.CONTRACT_SAVED, "framework_contract", contract.id, contract.provider_org_id,
           role=line.role, hourly_rate=line.hourly_rate)
    return line


def list_contracts(db: Session, *, actor: Actor) -> Sequence[FrameworkContract]:
    return db.scalars(select(FrameworkContract).where(_contract_visibility(actor))
                      .order_by(FrameworkContract.valid_from.desc(), FrameworkContract.id)).all()


def get_contract(db: Session, *, actor: Actor, contract_id: int) -> FrameworkContract:
    contract = db.scalar(select(FrameworkContract).where(FrameworkContract.id == contract_id,
                                                         _contract_visibility(actor)))
    if contract is None:
        raise NotFound("Rahmenvertrag nicht gefunden.", "Framework contract not found.")
    return contract


def rate_for(db: Session, *, contract_id: int, role: str, day: date) -> RateCardLine | None:
    """The rate card line of ``role`` valid on ``day`` (for cost statements)."""
    return db.scalar(select(RateCardLine).where(
        RateCardLine.contract_id == contract_id, func.lower(RateCardLine.role) == role.strip().lower(),
        RateCardLine.valid_from <= day, RateCardLine.valid_until >= day))


# --- contingents ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Balance:
    contingent: Contingent
    org: Organization
    amount: Decimal
    used: Decimal
    reserved: Decimal

    @property
    def left(self) -> Decimal:
        return self.amount - self.used - self.reserved


def _sums(db: Session, contingent_id: int) -> dict[str, Decimal]:
    rows = db.execute(select(ContingentEntry.kind, func.coalesce(func.sum(ContingentEntry.amount), 0))
                      .where(ContingentEntry.contingent_id == contingent_id)
                      .group_by(ContingentEntry.kind)).all()
    sums = {kind: Decimal(str(total)).quantize(CENT) for kind, total in rows}
    return {k: sums.get(k, ZERO) for k in EntryKind}


def balance(db: Session, contingent: Contingent) -> Balance:
    """used = Σ charges; reserved = Σ reservations − Σ releases; left = amount − used − reserved."""
    sums = _sums(db, contingent.id)
    org = db.get(Organization, contingent.org_id)
    assert org is not None
    return Balance(contingent=contingent, org=org, amount=Decimal(contingent.amount).quantize(CENT),
                   used=sums[EntryKind.charge], reserved=sums[EntryKind.reserve] - sums[EntryKind.release])


def set_contingent(db: Session, *, actor: Actor | None, org_key: str, year: int, unit: ContingentUnit,
                   amount: object) -> Contingent:
    """Create or change an organisation's (or a Kreis's) contingent for a year."""
    _require_keeper(actor)
    value = money(amount, what="Kontingent")
    if not 2000 <= year <= 2100:
        raise InvalidInput(f"Jahr {year}: zwischen 2000 und 2100.", f"Year {year}: between 2000 and 2100.")
    org = orgs_service.get_by_key(db, org_key)
    if org is None:
        raise InvalidInput(f"Organisation {org_key} nicht gefunden.", f"Organisation {org_key} not found.")
    if OrgKind(org.kind) not in CONTINGENT_KINDS:
        raise InvalidInput(f"{org.name}: Kontingente gibt es nur für Kommunen und Kreise.",
                           f"{org.name}: contingents exist only for municipalities and Kreise.")
    contingent = db.scalar(select(Contingent).where(Contingent.org_id == org.id, Contingent.year == year)
                           .with_for_update())
    if contingent is None:
        contingent = Contingent(org_id=org.id, year=year, unit=unit, amount=value)
        try:
            with db.begin_nested():
                db.add(contingent)
                db.flush()
        except IntegrityError:  # set at the same moment by someone else
            raise Conflict(f"{org.name} {year}: das Kontingent wurde gerade angelegt; bitte erneut festlegen.",
                           f"{org.name} {year}: the contingent was just created; please set it again.") from None
        _audit(db, actor, events.CONTINGENT_SET, "contingent", contingent.id, org.id, year=year, unit=unit,
               amount=value)
        return contingent
    _lock(db, contingent.id)
    current = balance(db, contingent)
    if ContingentUnit(contingent.unit) != unit and (current.used or current.reserved):
        raise Conflict(f"{org.name} {year}: das Kontingent ist schon in Anspruch genommen; die Einheit bleibt.",
                       f"{org.name} {year}: the contingent is already in use; its unit stays.")
    if value < current.used + current.reserved:
        raise Conflict(
            f"{org.name} {year}: {current.used + current.reserved} sind schon verbraucht oder reserviert; "
            f"das Kontingent kann nicht kleiner werden.",
            f"{org.name} {year}: {current.used + current.reserved} are already used or reserved; "
            f"the contingent cannot be smaller.")
    contingent.unit = unit
    contingent.amount = value
    db.flush()
    _audit(db, actor, events.CONTINGENT_SET, "contingent", contingent.id, org.id, year=year, unit=unit, amount=value)
    return contingent


def _lock(db: Session, contingent_id: int) -> Contingent:
    """Lock the contingent's row until the transaction ends (on SQLite: the database's write lock)."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(update(Contingent).where(Contingent.id == contingent_id).values(updated_at=utcnow()))
    contingent = db.scalar(select(Contingent).where(Contingent.id == contingent_id).with_for_update()
                           .execution_options(populate_existing=True))
    if contingent is None:
        raise NotFound("Kontingent nicht gefunden.", "Contingent not found.")
    return contingent


def _reference(reference: str) -> str:
    text = (reference or "").strip()
    if not text or len(text) > 200:
        raise InvalidInput("Bezug: 1 bis 200 Zeichen.", "Reference: 1 to 200 characters.")
    return text


def _entry(db: Session, contingent: Contingent, kind: EntryKind, amount: Decimal, reference: str,
           actor: Actor | None) -> ContingentEntry:
    entry = ContingentEntry(contingent_id=contingent.id, kind=kind, amount=amount, reference=reference,
                            created_by_id=actor.user_id if actor else None)
    db.add(entry)
    db.flush()
    _audit(db, actor, events.CONTINGENT_BOOKED, "contingent", contingent.id, contingent.org_id, kind=kind,
           amount=amount, reference=reference)
    return entry


def reserve(db: Session, *, actor: Actor | None, contingent_id: int, amount: object,
            reference: str) -> ContingentEntry:
    """Reserve ``amount``; refused (nothing written) when less is left. Never overspends under concurrency."""
    _require_ledger_writer(actor)
    value = money(amount, positive=True)
    ref = _reference(reference)
    contingent = _lock(db, contingent_id)
    current = balance(db, contingent)
    if current.left < value:
        raise Conflict(f"Kontingent {current.org.name} {contingent.year} reicht nicht: {value} angefragt, "
                       f"{current.left} frei.",
                       f"Contingent {current.org.name} {contingent.year} is not enough: {value} requested, "
                       f"{current.left} left.")
    return _entry(db, contingent, EntryKind.reserve, value, ref, actor)


def release(db: Session, *, actor: Actor | None, contingent_id: int, amount: object,
            reference: str) -> ContingentEntry:
    """Give back (part of) a reservation; never more than is reserved."""
    _require_ledger_writer(actor)
    value = money(amount, positive=True)
    ref = _reference(reference)
    contingent = _lock(db, contingent_id)
    current = balance(db, contingent)
    if value > current.reserved:
        raise Conflict(f"Freigabe {value} ist mehr als reserviert ({current.reserved}).",
                       f"Release {value} is more than reserved ({current.reserved}).")
    return _entry(db, contingent, EntryKind.release, value, ref, actor)


def charge(db: Session, *, actor: Actor | None, contingent_id: int, amount: object, reference: str,
           release_reserved: object = ZERO) -> ContingentEntry:
    """Charge what was used, first giving back ``release_reserved`` of the reservation. A charge records
    costs that arose, so it may take the contingent below zero (left < 0 shows the overrun)."""
    _require_ledger_writer(actor)
    value = money(amount, positive=True)
    to_release = money(release_reserved, what="Freigabe")
    ref = _reference(reference)
    contingent = _lock(db, contingent_id)
    if to_release:
        current = balance(db, contingent)
        if to_release > current.reserved:
            raise Conflict(f"Freigabe {to_release} ist mehr als reserviert ({current.reserved}).",
                           f"Release {to_release} is more than reserved ({current.reserved}).")
        _entry(db, contingent, EntryKind.release, to_release, ref, actor)
    return _entry(db, contingent, EntryKind.charge, value, ref, actor)


def contingent_for(db: Session, *, org_id: int, year: int) -> Contingent | None:
    """The contingent a municipality's help draws on: its own, else the nearest one above it (its Kreis's)."""
    return db.scalar(select(Contingent).join(OrgAncestry, OrgAncestry.ancestor_id == Contingent.org_id)
                     .where(OrgAncestry.org_id == org_id, Contingent.year == year)
                     .order_by(OrgAncestry.depth).limit(1))


def get_contingent(db: Session, *, actor: Actor, contingent_id: int) -> Contingent:
    contingent = db.scalar(select(Contingent).where(Contingent.id == contingent_id,
                                                    contingent_visibility(actor)))
    if contingent is None:
        raise NotFound("Kontingent nicht gefunden.", "Contingent not found.")
    return contingent


def list_balances(db: Session, *, actor: Actor, year: int, org_id: int | None = None) -> list[Balance]:
    """The contingents of ``year`` the actor may see (of one organisation and those above it, if given).

    Three queries however many contingents there are (the overview of a whole Land)."""
    stmt = select(Contingent, Organization).join(Organization, Organization.id == Contingent.org_id) \
        .where(Contingent.year == year, contingent_visibility(actor))
    if org_id is not None:
        stmt = stmt.where(Contingent.org_id.in_(orgs_service.ancestor_ids(db, org_id)))
    rows = db.execute(stmt.order_by(Contingent.org_id)).all()
    sums: dict[int, dict[str, Decimal]] = {}
    if rows:
        totals = db.execute(
            select(ContingentEntry.contingent_id, ContingentEntry.kind, func.sum(ContingentEntry.amount))
            .join(Contingent, Contingent.id == ContingentEntry.contingent_id)
            .where(Contingent.year == year, Contingent.id.in_([c.id for c, _ in rows]))
            .group_by(ContingentEntry.contingent_id, ContingentEntry.kind)).all()
        for contingent_id, kind, total in totals:
            sums.setdefault(contingent_id, {})[kind] = Decimal(str(total)).quantize(CENT)
    out = []
    for contingent, org in rows:
        own = sums.get(contingent.id, {})
        out.append(Balance(contingent=contingent, org=org, amount=Decimal(contingent.amount).quantize(CENT),
                           used=own.get(EntryKind.charge, ZERO),
                           reserved=own.get(EntryKind.reserve, ZERO) - own.get(EntryKind.release, ZERO)))
    return out


def _kreise_of(db: Session, org_ids: list[int]) -> dict[int, Organization]:
    """The Kreis (or kreisfreie Stadt) of each organisation; itself if it has none."""
    out: dict[int, Organization] = {}
    rows = db.execute(select(OrgAncestry.org_id, Organization).join(Organization,
                                                                     OrgAncestry.ancestor_id == Organization.id)
                      .where(OrgAncestry.org_id.in_(org_ids), Organization.kind.in_(list(KREIS_KINDS)))
                      .order_by(OrgAncestry.depth.desc())).all()
    for org_id, kreis in rows:  # nearest last, so it wins
        out[org_id] = kreis
    return out


@dataclass(frozen=True, slots=True)
class Rollup:
    kreis: Organization
    balances: list[Balance]
    totals: dict[ContingentUnit, tuple[Decimal, Decimal, Decimal]]  # amount, used, reserved


def overview(db: Session, *, actor: Actor, year: int) -> list[Rollup]:
    """The visible contingents of ``year`` per organisation, rolled up per Kreis (sums per unit)."""
    groups: dict[int, tuple[Organization, list[Balance]]] = {}
    items_all = list_balances(db, actor=actor, year=year)
    kreise = _kreise_of(db, [b.org.id for b in items_all]) if items_all else {}
    for item in items_all:
        kreis = kreise.get(item.org.id, item.org)
        groups.setdefault(kreis.id, (kreis, []))[1].append(item)
    out = []
    for kreis, items in sorted(groups.values(), key=lambda g: g[0].name):
        totals: dict[ContingentUnit, tuple[Decimal, Decimal, Decimal]] = {}
        for b in items:
            a, u, r = totals.get(ContingentUnit(b.contingent.unit), (ZERO, ZERO, ZERO))
            totals[ContingentUnit(b.contingent.unit)] = (a + b.amount, u + b.used, r + b.reserved)
        items.sort(key=lambda b: (b.org.id != kreis.id, b.org.name))
        out.append(Rollup(kreis=kreis, balances=items, totals=totals))
    return out
