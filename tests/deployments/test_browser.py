"""The deployment pages in real Chromium: axe-core finds nothing serious, every field has a visible label,
no machine words — for the provider, the municipality and the CERT, on an open and a closed deployment."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from kommcert.deployments import service
from kommcert.deployments.schemas import HandoverItemUpdate, MemberIn, StatusReportIn, TimeEntryIn
from tests.browser.a11y import describe, violations
from tests.browser.conftest import browser, live_database, live_server  # noqa: F401 - the browser fixtures
from tests.browser.test_a11y import _PROSE, _UNLABELLED, LEFTOVERS
from tests.deployments.conftest import LEAD, make_world
from tests.personas import build_personas

pytestmark = pytest.mark.browser


def _work(world, close: bool) -> None:  # noqa: ANN001
    db, d = world.db, world.deployment
    provider, town, cert = (world.actor(n) for n in ("provider_x", "gemeinde_a1_admin", "land_cert_analyst"))
    member = service.add_member(db, actor=provider, deployment_id=d.id, member_in=MemberIn(name="Max Leiter",
                                                                                           role=LEAD))
    service.report_status(db, actor=provider, deployment_id=d.id, report_in=StatusReportIn(
        day=service.today(), conditions="Domäne kompromittiert", actions="Netz getrennt", needs="Datenträger"))
    entry = service.record_time(db, actor=provider, deployment_id=d.id, entry_in=TimeEntryIn(
        member_id=member.id, day=service.today(), role=LEAD, hours=Decimal("8"), travel=True))
    if not close:
        return
    service.confirm_time(db, actor=town, deployment_id=d.id, entry_id=entry.id)
    service.depart(db, actor=provider, deployment_id=d.id)
    for item in service.handover_items(db, d):
        service.update_handover_item(db, actor=cert, deployment_id=d.id, item_id=item.id,
                                     update=HandoverItemUpdate(done=True, confirmed_by="Frau IT-Leitung"))
    service.sign_off(db, actor=town, deployment_id=d.id)
    service.sign_off(db, actor=cert, deployment_id=d.id)


@pytest.fixture(scope="module")
def worlds(live_server):  # noqa: ANN001, ANN201, F811
    with live_server.session() as db:
        personas = build_personas(db)
        open_world, closed_world = make_world(personas), make_world(personas)
        _work(open_world, close=False)
        _work(closed_world, close=True)
        db.commit()
        emails = {name: personas.users[name].email for name in ("provider_x", "gemeinde_a1_admin",
                                                                 "land_cert_analyst")}
        return emails, open_world.deployment.id, closed_world.deployment.id


@pytest.mark.parametrize("persona", ["provider_x", "gemeinde_a1_admin", "land_cert_analyst"])
def test_the_deployment_pages_are_accessible(live_server, browser, worlds, persona: str) -> None:  # noqa: ANN001, F811
    emails, open_id, closed_id = worlds
    page = live_server.logged_in(browser, emails[persona])
    failures = []
    for path in ("/deployments", f"/deployments/{open_id}", f"/deployments/{closed_id}",
                 f"/deployments/{closed_id}/costs"):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, f"{persona} {path}: {response and response.status}"
        if found := violations(page):
            failures.append(f"{path}:\n{describe(found)}")
        if unlabelled := page.evaluate(_UNLABELLED):
            failures.append(f"{path}: fields without a visible label: {unlabelled}")
        if leftovers := sorted({m.group() for m in LEFTOVERS.finditer(page.evaluate(_PROSE))}):
            failures.append(f"{path}: not German: {leftovers}")
    assert not failures, "\n".join(failures)
    page.goto(live_server.url + f"/deployments/{closed_id}/costs")
    assert re.search(r"1\.285,50", page.inner_text("main"))  # 8 × 150 + 85.50 travel
