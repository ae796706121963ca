"""Totals reconcile to the cent for any entries and rates: Σ lines == total == Σ CSV == the PDF's total."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from kommcert.deployments import costs
from kommcert.deployments.models import CostStatement

CENT = Decimal("0.01")
START = date(2026, 3, 1)

rates = st.builds(costs.Rates, *(st.integers(0, 99_999_99).map(lambda c: Decimal(c) / 100) for _ in range(3)))
entries = st.lists(st.tuples(
    st.integers(0, 30).map(lambda d: START + timedelta(days=d)),
    st.sampled_from(["Max Leiter", "Erika Forensik", "Jörg Übermann; Dr."]),
    st.sampled_from(["Incident Lead", "Forensiker"]),
    st.integers(1, 96).map(lambda q: Decimal(q) * Decimal("0.25")),
    st.booleans(), st.booleans(), rates), max_size=25)


def _statement(rows) -> tuple[CostStatement, Decimal]:  # noqa: ANN001
    lines = costs.lines_for(rows)
    total = sum((line.amount for line in lines), Decimal("0.00"))
    return CostStatement(lines=lines, total=total, hours_total=sum((r[3] for r in rows), Decimal("0")),
                         charged=total, created_at=None), total


def _view(statement: CostStatement) -> SimpleNamespace:
    return SimpleNamespace(deployment=SimpleNamespace(id=7), org=SimpleNamespace(name="Gemeinde A1"),
                           incident=SimpleNamespace(id=3, title="Ransomware", tlp="amber+strict"),
                           provider=SimpleNamespace(name="Dienstleister X"), contract=None, statement=statement,
                           period_from=START, period_until=START, unit=None, contingent_before=None,
                           contingent_after=None)


@pytest.fixture
def settings_(settings):  # noqa: ANN001, ANN201 - the app's settings (hypothesis's ``settings`` is taken)
    return settings


def _csv_sum(data: bytes) -> Decimal:
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    return sum((Decimal(r["Betrag (EUR)"].replace(",", ".")) for r in rows), Decimal("0.00"))


@settings(max_examples=300, deadline=None)
@given(entries)
def test_lines_total_and_csv_reconcile_to_the_cent(rows) -> None:  # noqa: ANN001
    statement, total = _statement(rows)
    expected_lines = sum(2 if travel else 1 for *_, travel, _r in rows)
    assert len(statement.lines) == expected_lines
    for line in statement.lines:
        assert line.amount == (line.quantity * line.rate).quantize(CENT, rounding=ROUND_HALF_UP)
        assert line.amount == line.amount.quantize(CENT)
    assert sum((line.amount for line in statement.lines), Decimal("0.00")) == total
    assert _csv_sum(costs.csv_bytes(_view(statement))) == total
    # Rounding per line stays within half a cent per line of the exact sum.
    exact = sum((line.quantity * line.rate for line in statement.lines), Decimal("0"))
    assert abs(total - exact) <= Decimal("0.005") * max(len(statement.lines), 1)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries.filter(bool), st.integers(0, 99_999_99).map(lambda c: Decimal(c) / 100))
def test_the_pdf_shows_the_total(settings_, rows, big) -> None:  # noqa: ANN001
    # A large amount too: the widest number must stay on one line in its cell.
    statement, total = _statement([*rows[:8], (START, "Max", "Incident Lead", Decimal("24"), False, False,
                                                costs.Rates(big, big, big))])
    statement.created_at = None
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(
        costs.pdf(_view(statement), lang="de", settings=settings_))).pages).split())
    assert costs.german(total) in text
