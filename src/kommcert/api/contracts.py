"""The framework contract (rate card) and the contingents under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter, Query

from kommcert.api.auth import UserActor, WriterActor
from kommcert.contracts import service
from kommcert.contracts.schemas import (
    BalanceRead,
    ContingentIn,
    ContingentOverview,
    ContractIn,
    ContractRead,
    KreisRollup,
    RateIn,
    RateRead,
)
from kommcert.db import utcnow
from kommcert.deps import DbSession
from kommcert.validation import Id

router = APIRouter(tags=["contracts"])


def balance_read(item: service.Balance) -> BalanceRead:
    return BalanceRead(contingent_id=item.contingent.id, org_id=item.org.id, org_key=item.org.key,
                       org_name=item.org.name, year=item.contingent.year, unit=item.contingent.unit,
                       amount=item.amount, used=item.used, reserved=item.reserved, left=item.left)


def rollup_read(rollup: service.Rollup, year: int) -> KreisRollup:
    kreis = rollup.kreis
    return KreisRollup(
        org_id=kreis.id, org_key=kreis.key, org_name=kreis.name,
        contingents=[balance_read(b) for b in rollup.balances],
        totals=[BalanceRead(contingent_id=0, org_id=kreis.id, org_key=kreis.key, org_name=kreis.name, year=year,
                            unit=unit, amount=a, used=u, reserved=r, left=a - u - r)
                for unit, (a, u, r) in sorted(rollup.totals.items())])


@router.get("/contracts", response_model=list[ContractRead])
def list_contracts(db: DbSession, actor: UserActor) -> list[ContractRead]:
    return [ContractRead.model_validate(c) for c in service.list_contracts(db, actor=actor)]


@router.get("/contracts/{contract_id}", response_model=ContractRead)
def read_contract(contract_id: Id, db: DbSession, actor: UserActor) -> ContractRead:
    return ContractRead.model_validate(service.get_contract(db, actor=actor, contract_id=contract_id))


@router.post("/contracts", response_model=ContractRead, status_code=201)
def create_contract(contract_in: ContractIn, db: DbSession, actor: WriterActor) -> ContractRead:
    """A framework contract with its rate card (Land's CERT administrators)."""
    return ContractRead.model_validate(service.create_contract(db, actor=actor, contract_in=contract_in))


@router.post("/contracts/{contract_id}/rates", response_model=RateRead, status_code=201)
def add_rate(contract_id: Id, rate_in: RateIn, db: DbSession, actor: WriterActor) -> RateRead:
    """One more rate card line; overlapping validity for the same role is refused (409)."""
    return RateRead.model_validate(service.add_rate(db, actor=actor, contract_id=contract_id, rate_in=rate_in))


@router.get("/contingents", response_model=ContingentOverview)
def list_contingents(db: DbSession, actor: UserActor, year: int | None = Query(None, ge=2000, le=2100)
                     ) -> ContingentOverview:
    """The contingents the caller may see, per organisation and rolled up per Kreis."""
    year = year or utcnow().year
    return ContingentOverview(year=year, kreise=[rollup_read(r, year)
                                                 for r in service.overview(db, actor=actor, year=year)])


@router.get("/contingents/{contingent_id}", response_model=BalanceRead)
def read_contingent(contingent_id: Id, db: DbSession, actor: UserActor) -> BalanceRead:
    contingent = service.get_contingent(db, actor=actor, contingent_id=contingent_id)
    return balance_read(service.balance(db, contingent))


@router.put("/contingents", response_model=BalanceRead)
def set_contingent(contingent_in: ContingentIn, db: DbSession, actor: WriterActor) -> BalanceRead:
    """Set an organisation's or a Kreis's contingent for a year (Land's CERT administrators)."""
    contingent = service.set_contingent(db, actor=actor, org_key=contingent_in.org_key, year=contingent_in.year,
                                        unit=contingent_in.unit, amount=contingent_in.amount)
    return balance_read(service.balance(db, contingent))
