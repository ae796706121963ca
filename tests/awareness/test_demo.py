"""The demo Land's awareness data: events before and after now, attendance that counts, one campaign with
a small group merged; Seedorf does not see Kleinmusterdorf's coverage."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kommcert import demo
from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import User
from kommcert.awareness import catalogue, coverage, phishing
from kommcert.db import utcnow
from kommcert.errors import NotFound
from kommcert.orgs.models import Organization


def _actor(db, email: str):  # noqa: ANN001, ANN202
    return accounts_service.actor_for(db, db.scalar(select(User).where(User.email == email)))


def test_the_demo_awareness_is_alive_and_stays_in_its_kreis(db) -> None:  # noqa: ANN001
    demo.load(db)
    kreis = _actor(db, "it@beispielkreis.example")
    now = utcnow()
    events = catalogue.list_events(db, kreis)
    assert any(r.event.starts_at < now for r in events) and any(r.event.starts_at > now for r in events)
    klein = db.scalar(select(Organization).where(Organization.key == "991015001001"))
    row = coverage.org_coverage(db, kreis, klein.id)
    assert row.total_trained == 11 and row.share == 30 and row.status == coverage.OVERDUE
    (campaign,) = phishing.list_campaigns(db, kreis)
    assert campaign.hidden == 2  # Kasse (4) and, so that its four cannot be subtracted, Bauamt (7)
    assert [g.label for g in campaign.groups] == ["Bürgerbüro", "weitere Gruppen (zusammengefasst)"]
    seedorf = _actor(db, "buero@seedorf.example")
    with pytest.raises(NotFound):
        coverage.org_coverage(db, seedorf, klein.id)
    assert phishing.list_campaigns(db, seedorf) == []
    assert klein.id not in {o.org_id for o in coverage.coverage(db, seedorf).orgs}
