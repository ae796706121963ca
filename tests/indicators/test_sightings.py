from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kommcert.db import utcnow
from kommcert.errors import InvalidInput
from kommcert.indicators import sightings as sightings_service
from kommcert.indicators.models import Indicator, ReviewState, Sighting
from kommcert.indicators.sightings import SightingIn
from kommcert.sharing.service import Audience


@pytest.fixture
def green_indicator(db, personas, import_stix) -> Indicator:  # noqa: ANN001
    from kommcert.sharing.tlp import TLP

    import_stix("land_cert_analyst", ["[domain-name:value = 'evil.example']"], tlp=TLP.green)
    return db.scalar(select(Indicator).where(Indicator.value == "evil.example"))


def _report(db, personas, who: str, items: list[SightingIn]):  # noqa: ANN001, ANN202
    return sightings_service.record_sightings(db, actor=personas.actor(who), items=items)


def test_it_records_a_sighting_by_value_once_per_key(db, personas, green_indicator) -> None:  # noqa: ANN001
    item = SightingIn(key="scan-1:evil.example", type="domain", value="EVIL.example", count=3,
                      log_source="dnsmasq", first_seen=utcnow() - timedelta(hours=1))
    first = _report(db, personas, "gemeinde_a1_member", [item])
    again = _report(db, personas, "gemeinde_a1_member", [item])
    assert (first.created, again.created, again.duplicates) == (1, 0, 1)
    assert db.scalar(select(Sighting.count)) == 3


def test_it_treats_indicators_the_reporter_cannot_see_as_unknown(db, personas, import_stix) -> None:  # noqa: ANN001
    import_stix("kreis_a_admin", ["[ipv4-addr:value = '198.51.100.9']"],
                audience=Audience(orgs=(personas.orgs["kreis_a"].id,)))
    result = _report(db, personas, "gemeinde_b1_member",
                     [SightingIn(key="k", type="ipv4", value="198.51.100.9")])
    assert result.created == 0 and result.unknown == ["k"]


def test_it_shows_sightings_upward_only(db, personas, green_indicator) -> None:  # noqa: ANN001
    _report(db, personas, "gemeinde_a1_member", [SightingIn(key="k1", indicator_id=green_indicator.id)])
    who_sees = {name for name in ("gemeinde_a1_member", "kreis_a_admin", "land_cert_analyst", "kreis_b_admin",
                                  "gemeinde_b1_member", "provider_x")
                if sightings_service.visible_sightings(db, actor=personas.actor(name), indicator_id=green_indicator.id)}
    assert who_sees == {"gemeinde_a1_member", "kreis_a_admin", "land_cert_analyst"}


def test_it_gives_everyone_who_sees_the_indicator_the_counts(db, personas, green_indicator) -> None:  # noqa: ANN001
    _report(db, personas, "gemeinde_a1_member", [SightingIn(key="a", indicator_id=green_indicator.id)])
    _report(db, personas, "kreis_a_admin", [SightingIn(key="b", indicator_id=green_indicator.id)])
    _report(db, personas, "gemeinde_b1_member", [SightingIn(key="c", indicator_id=green_indicator.id)])
    summary = sightings_service.summary(db, actor=personas.actor("kreis_b_admin"), indicator_id=green_indicator.id)
    assert (summary.organisations, summary.kreise) == (3, 2)


def test_it_puts_an_indicator_up_for_review_after_false_positives(db, personas, green_indicator) -> None:  # noqa: ANN001
    fp = "false_positive"
    _report(db, personas, "gemeinde_a1_member", [SightingIn(key="a", indicator_id=green_indicator.id, kind=fp)])
    db.refresh(green_indicator)
    assert green_indicator.review_state == ReviewState.none
    _report(db, personas, "gemeinde_b1_member", [SightingIn(key="b", indicator_id=green_indicator.id, kind=fp)])
    db.refresh(green_indicator)
    assert green_indicator.review_state == ReviewState.needs_review


def test_it_takes_ten_thousand_sightings_in_one_call(db, personas, green_indicator) -> None:  # noqa: ANN001
    items = [SightingIn(key=f"bulk-{n}", indicator_id=green_indicator.id) for n in range(10_000)]
    assert _report(db, personas, "gemeinde_a1_member", items).created == 10_000
    with pytest.raises(InvalidInput):
        _report(db, personas, "gemeinde_a1_member", [*items, SightingIn(key="one-too-many")])


def test_it_refuses_repeated_keys_in_one_call(db, personas, green_indicator) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput):
        _report(db, personas, "gemeinde_a1_member", [SightingIn(key="x", indicator_id=green_indicator.id)] * 2)


def test_it_draws_the_picture_per_kreis(db, personas, green_indicator) -> None:  # noqa: ANN001
    _report(db, personas, "gemeinde_a1_member", [SightingIn(key="a", indicator_id=green_indicator.id, count=5)])
    _report(db, personas, "gemeinde_b1_member", [SightingIn(key="b", indicator_id=green_indicator.id, count=2)])
    since = utcnow() - timedelta(days=30)
    cert = sightings_service.picture_by_kreis(db, actor=personas.actor("land_cert_analyst"), since=since)
    assert [(name, total) for name, total, _, _ in cert] == [("Kreis A", 5), ("Kreis B", 2)]
    kreis_b = sightings_service.picture_by_kreis(db, actor=personas.actor("kreis_b_admin"), since=since)
    assert [name for name, *_ in kreis_b] == ["Kreis B"]
