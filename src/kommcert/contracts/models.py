"""Framework contract, rate card lines, contingents and their ledger. Money and hours are Decimal."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kommcert.db import Base, utcnow

MONEY = Numeric(12, 2)


class ContingentUnit(StrEnum):
    hours = "hours"
    euros = "euros"


UNIT_LABELS_DE = {ContingentUnit.hours: "Stunden", ContingentUnit.euros: "Euro"}


class EntryKind(StrEnum):
    reserve = "reserve"
    release = "release"
    charge = "charge"


ENTRY_LABELS_DE = {EntryKind.reserve: "Reserviert", EntryKind.release: "Freigegeben",
                   EntryKind.charge: "Abgerechnet"}


class FrameworkContract(Base):
    """The Land's contract with a certified provider (or for the MIRT), valid for a period."""

    __tablename__ = "framework_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    provider_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rates: Mapped[list[RateCardLine]] = relationship(
        back_populates="contract", cascade="all, delete-orphan",
        order_by="(RateCardLine.role, RateCardLine.valid_from)")


class RateCardLine(Base):
    """What one role costs under a contract for a period; periods of the same role never overlap."""

    __tablename__ = "rate_card_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("framework_contracts.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(100))
    hourly_rate: Mapped[Decimal] = mapped_column(MONEY)
    daily_flat_rate: Mapped[Decimal] = mapped_column(MONEY)
    travel_flat_rate: Mapped[Decimal] = mapped_column(MONEY)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)

    contract: Mapped[FrameworkContract] = relationship(back_populates="rates")


class Contingent(Base):
    """Hours or euros a municipality or a Kreis (covering its municipalities) may call off in a year."""

    __tablename__ = "contingents"
    __table_args__ = (UniqueConstraint("org_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="RESTRICT"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    unit: Mapped[ContingentUnit] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    entries: Mapped[list[ContingentEntry]] = relationship(
        back_populates="contingent", cascade="all, delete-orphan", order_by="ContingentEntry.id")


class ContingentEntry(Base):
    """One line of a contingent's ledger (append-only): reserve, release or charge an amount."""

    __tablename__ = "contingent_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    contingent_id: Mapped[int] = mapped_column(ForeignKey("contingents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EntryKind] = mapped_column(String(8))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reference: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contingent: Mapped[Contingent] = relationship(back_populates="entries")
