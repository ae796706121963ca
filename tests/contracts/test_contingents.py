"""Contingents: set by the Land's CERT administrators, a ledger that reconciles to the cent, never
overspent, seen by the municipality and its Kreis and never by another Kreis."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kommcert.contracts import service
from kommcert.contracts.models import ContingentEntry, ContingentUnit
from kommcert.db import utcnow
from kommcert.errors import Conflict, InvalidInput, NotFound, PermissionDenied

YEAR = utcnow().year


def _set(personas, org: str, amount: str, unit: ContingentUnit = ContingentUnit.euros, year: int = YEAR):  # noqa: ANN001, ANN202
    return service.set_contingent(personas.db, actor=personas.actor("land_cert_admin"), org_key=org, year=year,
                                  unit=unit, amount=amount)


def _entries(db, contingent_id: int) -> int:  # noqa: ANN001
    return db.query(ContingentEntry).filter_by(contingent_id=contingent_id).count()


def test_reserve_release_charge_balance(personas) -> None:  # noqa: ANN001
    db, cert = personas.db, personas.actor("land_cert_analyst")
    kreis = _set(personas, "kreis_a", "10000.00")
    service.reserve(db, actor=cert, contingent_id=kreis.id, amount="4000.10", reference="Hilfeersuchen 1")
    service.reserve(db, actor=cert, contingent_id=kreis.id, amount=Decimal("1000"), reference="Hilfeersuchen 2")
    service.release(db, actor=cert, contingent_id=kreis.id, amount="1000", reference="Hilfeersuchen 2")
    service.charge(db, actor=cert, contingent_id=kreis.id, amount="3999.99", release_reserved="4000.10",
                   reference="Hilfeersuchen 1")
    b = service.balance(db, kreis)
    assert (b.amount, b.used, b.reserved, b.left) == (Decimal("10000.00"), Decimal("3999.99"), Decimal("0.00"),
                                                      Decimal("6000.01"))


def test_overspend_is_refused_and_nothing_is_written(personas) -> None:  # noqa: ANN001
    db, cert = personas.db, personas.actor("land_cert_analyst")
    c = _set(personas, "gemeinde_a1", "40", ContingentUnit.hours)
    service.reserve(db, actor=cert, contingent_id=c.id, amount="39.99", reference="A")
    with pytest.raises(Conflict, match="not enough: 0.02 requested, 0.01 left"):
        service.reserve(db, actor=cert, contingent_id=c.id, amount="0.02", reference="B")
    assert _entries(db, c.id) == 1
    service.reserve(db, actor=cert, contingent_id=c.id, amount="0.01", reference="C")
    assert service.balance(db, c).left == 0
    with pytest.raises(Conflict):
        service.release(db, actor=cert, contingent_id=c.id, amount="40.01", reference="D")
    with pytest.raises(Conflict, match="cannot be smaller"):
        _set(personas, "gemeinde_a1", "39.99", ContingentUnit.hours)
    with pytest.raises(Conflict, match="unit stays"):
        _set(personas, "gemeinde_a1", "100", ContingentUnit.euros)


@pytest.mark.parametrize("amount", ["-1", "0", "1.001", "abc", "NaN", "Infinity", "10000000000"])
def test_bad_amounts_are_refused(personas, amount) -> None:  # noqa: ANN001
    c = _set(personas, "kreis_a", "100")
    with pytest.raises(InvalidInput):
        service.reserve(personas.db, actor=personas.actor("land_cert_analyst"), contingent_id=c.id, amount=amount,
                        reference="x")
    assert _entries(personas.db, c.id) == 0


def test_contingents_only_for_municipalities_and_by_the_land_cert_admin(personas) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput, match="only for municipalities"):
        _set(personas, "provider_x", "1")
    with pytest.raises(InvalidInput, match="not found"):
        _set(personas, "nowhere", "1")
    for name in ("land_cert_analyst", "kreis_a_admin", "gemeinde_a1_admin"):
        with pytest.raises(PermissionDenied):
            service.set_contingent(personas.db, actor=personas.actor(name), org_key="kreis_a", year=YEAR,
                                   unit=ContingentUnit.hours, amount="1")
    c = _set(personas, "kreis_a", "100")
    for name in ("kreis_a_admin", "gemeinde_a1_admin", "provider_x"):
        with pytest.raises(PermissionDenied):
            service.reserve(personas.db, actor=personas.actor(name), contingent_id=c.id, amount="1", reference="x")


def test_a_municipality_draws_on_its_own_contingent_else_its_kreis(personas) -> None:  # noqa: ANN001
    kreis = _set(personas, "kreis_a", "100")
    a1 = personas.orgs["gemeinde_a1"].id
    assert service.contingent_for(personas.db, org_id=a1, year=YEAR).id == kreis.id
    own = _set(personas, "gemeinde_a1", "5")
    assert service.contingent_for(personas.db, org_id=a1, year=YEAR).id == own.id
    assert service.contingent_for(personas.db, org_id=personas.orgs["gemeinde_b1"].id, year=YEAR) is None
    assert service.contingent_for(personas.db, org_id=a1, year=YEAR + 1) is None


def test_visibility_and_rollup_per_kreis(personas) -> None:  # noqa: ANN001
    db = personas.db
    _set(personas, "kreis_a", "100")
    _set(personas, "gemeinde_a1", "20.50")
    _set(personas, "vg_a", "8", ContingentUnit.hours)
    b1 = _set(personas, "gemeinde_b1", "7")

    def seen(name: str) -> set[str]:
        return {b.org.key for b in service.list_balances(db, actor=personas.actor(name), year=YEAR)}

    everything = {"kreis_a", "gemeinde_a1", "vg_a", "gemeinde_b1"}
    assert seen("land_cert_analyst") == everything
    assert seen("kreis_a_admin") == {"kreis_a", "gemeinde_a1", "vg_a"}
    assert seen("gemeinde_a1_member") == {"kreis_a", "gemeinde_a1", "vg_a"}
    assert seen("gemeinde_b1_member") == {"gemeinde_b1"}
    assert seen("provider_x") == set()
    with pytest.raises(NotFound):
        service.get_contingent(db, actor=personas.actor("gemeinde_a1_member"), contingent_id=b1.id)
    rollups = {r.kreis.key: r for r in service.overview(db, actor=personas.actor("land_cert_admin"), year=YEAR)}
    assert set(rollups) == {"kreis_a", "kreis_b"}
    assert [b.org.key for b in rollups["kreis_a"].balances][0] == "kreis_a"
    assert rollups["kreis_a"].totals == {
        ContingentUnit.euros: (Decimal("120.50"), Decimal("0.00"), Decimal("0.00")),
        ContingentUnit.hours: (Decimal("8.00"), Decimal("0.00"), Decimal("0.00"))}


CENTS = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c) / 100)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(total=st.integers(min_value=0, max_value=2_000_000), ops=st.lists(
    st.tuples(st.sampled_from(["reserve", "release", "charge"]), CENTS, CENTS), max_size=20))
def test_used_plus_reserved_plus_left_is_the_amount_to_the_cent(personas, total, ops) -> None:  # noqa: ANN001
    """A random ledger (refused steps write nothing) always reconciles exactly; reserving never takes left below 0."""
    db, cert = personas.db, personas.actor("land_cert_analyst")
    amount = Decimal(total) / 100
    nested = db.begin_nested()
    try:
        c = _set(personas, "gemeinde_b1", str(amount))
        reserved = used = Decimal("0")
        for kind, value, extra in ops:
            done = False
            try:
                if kind == "reserve":
                    service.reserve(db, actor=cert, contingent_id=c.id, amount=value, reference="p")
                    reserved += value
                elif kind == "release":
                    service.release(db, actor=cert, contingent_id=c.id, amount=value, reference="p")
                    reserved -= value
                else:
                    give_back = min(extra, reserved)
                    service.charge(db, actor=cert, contingent_id=c.id, amount=value, reference="p",
                                   release_reserved=give_back)
                    reserved -= give_back
                    used += value
                done = True
            except Conflict:
                pass
            b = service.balance(db, c)
            assert b.used + b.reserved + b.left == b.amount == amount
            assert (b.used, b.reserved) == (used, reserved)
            assert b.reserved >= 0
            if kind == "reserve" and done:
                assert b.left >= 0
    finally:
        nested.rollback()


def test_setting_and_booking_are_in_the_audit_log(personas) -> None:  # noqa: ANN001
    from sqlalchemy import func

    from kommcert.audit.models import AuditEntry

    before = personas.db.scalar(func.max(AuditEntry.id).select()) or 0  # other tests' committed entries stay
    c = _set(personas, "kreis_a", "100")
    service.reserve(personas.db, actor=personas.actor("land_cert_analyst"), contingent_id=c.id, amount="12.34",
                    reference="Hilfeersuchen 7")
    rows = personas.db.query(AuditEntry).filter_by(object_type="contingent", object_id=str(c.id)) \
        .filter(AuditEntry.id > before).order_by(AuditEntry.id).all()
    assert [(r.action, r.actor_user_id) for r in rows] == [
        ("contingent_set", personas.users["land_cert_admin"].id),
        ("contingent_booked", personas.users["land_cert_analyst"].id)]
    assert rows[1].detail["amount"] == "12.34" and rows[1].detail["kind"] == "reserve"
