"""Records cross from the reader process to the importer as pickles; nothing may change on the way."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest

from kommcert.indicators.formats.records import IndicatorRecord
from kommcert.indicators.types import IndicatorType
from kommcert.sharing.tlp import TLP


@pytest.mark.parametrize("kind", list(IndicatorType))
@pytest.mark.parametrize("tlp", [*TLP, None])
def test_a_record_survives_the_trip_between_processes(kind: IndicatorType, tlp: TLP | None) -> None:
    record = IndicatorRecord(kind, "value", datetime(2026, 1, 2, tzinfo=UTC), None, 70, tlp, ("malware:x", "y"),
                             "Kommentar mit \t und \n", "indicator--1", block=False)
    back = pickle.loads(pickle.dumps([record], protocol=pickle.HIGHEST_PROTOCOL))[0]  # noqa: S301 - our own data
    assert back == record
    assert back.type is kind and back.tlp is tlp
