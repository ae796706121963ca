"""Meine Warnungen and one warning's detail: relevant first, filters, what is hidden."""

from __future__ import annotations

import pytest

from kommcert.advisories import service, status
from kommcert.advisories.models import AdvisoryState, MatchResult, OrgStatus, Risk
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, NotFound
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from tests.advisories.user.conftest import World


def _titles(page: service.Page) -> list[str]:
    return [i.advisory.title for i in page.items]


def test_it_lists_the_own_affected_first_then_possibly_then_newest(world: World) -> None:
    old_affected = world.advisory("alt betroffen", age_days=30)
    world.advisory("neu ohne Bezug", age_days=0)
    possibly = world.advisory("möglich", age_days=10)
    world.advisory("älter ohne Bezug", age_days=20)
    world.match(old_affected, "gemeinde_a1", MatchResult.affected)
    world.match(possibly, "gemeinde_a1", MatchResult.possibly)
    page = service.my_warnings(world.db, world.actor("gemeinde_a1_member"))
    assert _titles(page) == ["alt betroffen", "möglich", "neu ohne Bezug", "älter ohne Bezug"]
    assert [i.result for i in page.items] == ["affected", "possibly", None, None]
    # Another municipality's match does not move Gemeinde B1's order.
    assert _titles(service.my_warnings(world.db, world.actor("gemeinde_b1_member"))) == [
        "neu ohne Bezug", "möglich", "älter ohne Bezug", "alt betroffen"]


def test_it_filters_by_risk_relevance_and_own_status(world: World) -> None:
    low = world.advisory("niedrig", risk=Risk.niedrig)
    crit = world.advisory("kritisch", risk=Risk.kritisch)
    world.match(low, "gemeinde_a1")
    world.match(crit, "gemeinde_a1")
    world.advisory("hoch ohne Bezug", risk=Risk.hoch)
    actor = world.actor("gemeinde_a1_member")
    assert _titles(service.my_warnings(world.db, actor, risk="hoch")) == ["kritisch", "hoch ohne Bezug"]
    assert sorted(_titles(service.my_warnings(world.db, actor, relevance="relevant"))) == ["kritisch", "niedrig"]
    status.set_status(world.db, actor=actor, advisory_id=crit.id, status=OrgStatus.done)
    assert _titles(service.my_warnings(world.db, actor, status="done")) == ["kritisch"]
    assert sorted(_titles(service.my_warnings(world.db, actor, status="open", relevance="relevant"))) == ["niedrig"]
    with pytest.raises(InvalidInput):
        service.my_warnings(world.db, actor, risk="extrem")


def test_it_leaves_out_drafts_withdrawn_and_what_the_reader_may_not_see(world: World) -> None:
    world.advisory("Entwurf", state=AdvisoryState.draft)
    world.advisory("zurückgezogen", withdrawn_at=utcnow())
    world.advisory("nur Kreis A", tlp=TLP.amber, audience=Audience(orgs=(world.p.orgs["kreis_a"].id,)))
    world.advisory("grün")
    assert sorted(_titles(service.my_warnings(world.db, world.actor("gemeinde_a1_member")))) == ["grün", "nur Kreis A"]
    page_b = service.my_warnings(world.db, world.actor("gemeinde_b1_member"))
    assert _titles(page_b) == ["grün"] and page_b.total == 1


def test_it_pages(world: World) -> None:
    for n in range(5):
        world.advisory(f"W{n}", age_days=n)
    actor = world.actor("gemeinde_a1_member")
    first = service.my_warnings(world.db, actor, per_page=2)
    third = service.my_warnings(world.db, actor, per_page=2, page=3)
    assert (first.total, first.pages, _titles(first), _titles(third)) == (5, 3, ["W0", "W1"], ["W4"])


def test_the_detail_names_the_matched_inventory_line_and_why(world: World) -> None:
    a = world.advisory()
    world.match(a, "gemeinde_a1")
    d = service.detail(world.db, world.actor("gemeinde_a1_member"), a.id)
    assert d.result == "affected" and d.hidden_lines == 0
    assert [(m.item.product, m.item.where_used, m.product_name, m.why) for m in d.lines] == [
        ("Exchange Server", "Rathaus, Mailserver", "Microsoft Exchange Server 2019 <CU14",
         "Version 2019 CU12 liegt vor CU14")]
    assert [(c.id, c.scores[0][1]) for c in d.cves] == [("CVE-2026-0001", 9.8)]
    assert [r.version for r in d.revisions] == ["1"] and d.may_set_status
    # Gemeinde B1 sees the warning, but neither A1's result nor its lines.
    d_b = service.detail(world.db, world.actor("gemeinde_b1_member"), a.id)
    assert d_b.result is None and d_b.lines == []


def test_the_detail_of_a_hidden_or_draft_warning_is_not_found(world: World) -> None:
    hidden = world.advisory("nur Kreis A", tlp=TLP.amber, audience=Audience(orgs=(world.p.orgs["kreis_a"].id,)))
    draft = world.advisory("Entwurf", state=AdvisoryState.draft)
    with pytest.raises(NotFound):
        service.detail(world.db, world.actor("gemeinde_b1_member"), hidden.id)
    with pytest.raises(NotFound):
        service.detail(world.db, world.actor("land_cert_analyst"), draft.id)
    assert service.detail(world.db, world.actor("gemeinde_a1_member"), hidden.id).advisory.id == hidden.id


def test_lines_of_an_inventory_the_reader_may_not_see_are_left_out(world: World) -> None:
    a = world.advisory()
    m = world.match(a, "gemeinde_a1")
    # A reason naming B1's line (should never happen, but the reader's rights decide, not the row).
    m.reasons = [*m.reasons, {"item_id": world.items["nginx_b1"].id, "product_id": "P1", "result": "affected"}]
    world.db.flush()
    lines, hidden = service.matched_lines(world.db, world.actor("gemeinde_a1_member"), m)
    assert [line.item.product for line in lines] == ["Exchange Server"] and hidden == 1
