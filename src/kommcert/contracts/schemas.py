from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from kommcert.contracts.models import ContingentUnit
from kommcert.validation import NonBlank

# Money and hours: at most 10 digits before and 2 after the point (Numeric(12, 2)), never float.
Amount = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2, allow_inf_nan=False)]
PositiveAmount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2, allow_inf_nan=False)]


class RateIn(BaseModel):
    role: NonBlank = Field(max_length=100)
    hourly_rate: Amount
    daily_flat_rate: Amount = Decimal("0")
    travel_flat_rate: Amount = Decimal("0")
    valid_from: date | None = None  # default: the contract's validity
    valid_until: date | None = None


class RateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    role: str
    hourly_rate: Decimal
    daily_flat_rate: Decimal
    travel_flat_rate: Decimal
    valid_from: date
    valid_until: date


class ContractIn(BaseModel):
    title: NonBlank = Field(max_length=200)
    provider_org_key: NonBlank = Field(max_length=64)
    valid_from: date
    valid_until: date
    rates: list[RateIn] = Field(default_factory=list, max_length=200)


class ContractRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    provider_org_id: int
    valid_from: date
    valid_until: date
    rates: list[RateRead]


class ContingentIn(BaseModel):
    org_key: NonBlank = Field(max_length=64)
    year: int = Field(ge=2000, le=2100)
    unit: ContingentUnit
    amount: Amount


class BalanceRead(BaseModel):
    contingent_id: int
    org_id: int
    org_key: str
    org_name: str
    year: int
    unit: ContingentUnit
    amount: Decimal
    used: Decimal
    reserved: Decimal
    left: Decimal


class KreisRollup(BaseModel):
    """One Kreis (or kreisfreie Stadt): its own contingent and its municipalities', summed per unit."""

    org_id: int
    org_key: str
    org_name: str
    contingents: list[BalanceRead]
    totals: list[BalanceRead]  # one per unit; contingent_id 0, the Kreis's org fields


class ContingentOverview(BaseModel):
    year: int
    kreise: list[KreisRollup]
