"""The demo Land's warning service: a source with six documents, inventories matched as they are stored,
statuses in every state, a published own warning and a draft; loading it mails nobody."""

from __future__ import annotations

from sqlalchemy import func, select

from kommcert import demo
from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import User
from kommcert.advisories import service
from kommcert.advisories.models import Advisory, AdvisoryState, AdvisoryStatus, CsafSource, OrgStatus
from kommcert.jobs.models import Job
from kommcert.notifications.models import Notification


def _actor(db, email: str):  # noqa: ANN001, ANN202
    return accounts_service.actor_for(db, db.scalar(select(User).where(User.email == email)))


def _by_tracking(db, tracking_id: str) -> Advisory:  # noqa: ANN001
    return db.scalar(select(Advisory).where(Advisory.tracking_id == tracking_id))


def test_kleinmusterdorf_sees_the_exchange_warning_with_its_line_and_seedorf_does_not_match_it(db) -> None:  # noqa: ANN001
    demo.load(db)
    exchange = _by_tracking(db, "WID-MUSTER-2026-0101")
    assert exchange is not None and exchange.source_id is not None and exchange.risk == "kritisch"
    klein = _actor(db, "buero@kleinmusterdorf.example")
    detail = service.detail(db, klein, exchange.id)
    assert detail.result == "affected" and detail.status is not None and detail.status.status == OrgStatus.in_progress
    assert [line.item.product for line in detail.lines] == ["Exchange Server 2019"]
    first = service.my_warnings(db, klein).items[0]
    assert first.advisory.id == exchange.id and first.result == "affected"
    seedorf = _actor(db, "buero@seedorf.example")
    assert service.detail(db, seedorf, exchange.id).result is None  # sees the CLEAR warning, does not run it
    assert {i.result for i in service.my_warnings(db, seedorf).items if i.result} == {"affected"}


def test_the_demo_has_every_status_a_published_own_warning_a_draft_and_mails_nobody(db) -> None:  # noqa: ANN001
    demo.load(db)
    assert {s.status for s in db.scalars(select(AdvisoryStatus))} == set(OrgStatus)
    own = db.scalars(select(Advisory).where(Advisory.origin == "own")).all()
    assert sorted(a.state for a in own) == [AdvisoryState.draft, AdvisoryState.published]
    published = next(a for a in own if a.state == AdvisoryState.published)
    assert published.document["document"]["tracking"]["status"] == "final" and published.tlp == "green"
    source = db.scalars(select(CsafSource)).one()
    assert not source.enabled  # the demo's source is not on the network; its documents came with the demo
    assert db.scalar(select(func.count()).select_from(Notification)) == 0
    assert db.scalar(select(func.count()).select_from(Job)) == 0
