"""The feeds' state thread scans every provenance only when a cheap probe moved, and still makes a new
state every beat (what is kept per state lasts one beat, as before)."""

from __future__ import annotations

from sqlalchemy import delete, update

from kommcert.api.feeds import _StateKeeper
from kommcert.indicators import service as indicators_service
from kommcert.indicators.models import Indicator, ReviewState
from kommcert.reports.models import Report
from kommcert.sharing.tlp import TLP


def _keeper(db) -> _StateKeeper:  # noqa: ANN001
    class Same:  # the test's own session, never closed by the keeper
        def __call__(self):  # noqa: ANN204
            return self

        def __enter__(self):  # noqa: ANN204
            return db

        def __exit__(self, *exc: object) -> None:
            return None

    return _StateKeeper(Same(), 3600.0, start=False)


def test_an_unchanged_land_is_not_scanned_again_but_gets_a_new_state(db, import_stix) -> None:  # noqa: ANN001
    first = import_stix("land_cert_analyst", ["[domain-name:value = 'a.example']"], tlp=TLP.green)
    keeper = _keeper(db)
    assert keeper.refresh() is True
    one = keeper.state
    assert first.reports[0] in one.reports
    assert keeper.refresh() is False  # nothing changed: no scan
    two = keeper.state
    assert two is not one and two.reports is one.reports and two.landwide == one.landwide


def test_every_change_of_the_state_moves_the_probe(db, import_stix) -> None:  # noqa: ANN001
    first = import_stix("land_cert_analyst", ["[domain-name:value = 'a.example']"], tlp=TLP.green)
    keeper = _keeper(db)
    keeper.refresh()
    # New provenances (a new report, and one more value in the same report's import).
    second = import_stix("kreis_a_admin", ["[domain-name:value = 'b.example']", "[ipv4-addr:value = '203.0.113.7']"])
    assert keeper.refresh() is True and keeper.state.reports[second.reports[0]][1] == 2
    assert keeper.refresh() is False
    # An analyst's verdict (Land-wide).
    db.execute(update(Indicator).where(Indicator.value == "a.example").values(review_state=ReviewState.false_positive))
    assert keeper.refresh() is True
    # A report deleted with its provenances.
    db.execute(delete(Report).where(Report.id == first.reports[0]))
    db.flush()
    assert keeper.refresh() is True and first.reports[0] not in keeper.state.reports
    assert keeper.refresh() is False


def test_the_probe_sees_provenances_committed_below_the_highest_id(db, import_stix) -> None:  # noqa: ANN001
    """A long import commits lower ids after a short one committed higher ones: the maximum stays, the
    count and the sum move."""
    from kommcert.indicators.models import Provenance

    import_stix("land_cert_analyst", ["[domain-name:value = 'a.example']", "[domain-name:value = 'c.example']"],
                tlp=TLP.green)
    before = indicators_service.feed_probe(db)
    low = min(p.id for p in db.query(Provenance))
    # Move the lowest provenance below every id (as if it had been committed late with a low id).
    db.execute(update(Provenance).where(Provenance.id == low).values(id=low - 1 if low > 1 else 10**9))
    after = indicators_service.feed_probe(db)
    assert after != before and after[1] == before[1]  # same count, different ids
