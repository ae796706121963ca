"""The peer rule of the sharing policy, row by row, with the personas and a peer instance."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import ApiToken
from kommcert.errors import InvalidInput
from kommcert.federation import service as federation
from kommcert.orgs.models import OrgKind
from kommcert.reports import service as reports_service
from kommcert.reports.models import Report
from kommcert.reports.schemas import ReportCreate
from kommcert.sharing import policy
from kommcert.sharing.tlp import TLP


def _peer(personas, key: str = "land-b", max_tlp: TLP = TLP.amber, **kw):  # noqa: ANN001, ANN202
    return federation.add_peer(personas.db, key=key, name=f"Instanz {key}", max_tlp=max_tlp, **kw)


def _make(personas, owner: str, tlp: TLP, **kw) -> Report:  # noqa: ANN001
    return reports_service.create_report(personas.db, actor=personas.actor(owner),
                                         report_in=ReportCreate(title="t", tlp=tlp, **kw))


def _sees(personas, added, report: Report) -> bool:  # noqa: ANN001
    actor = accounts_service.actor_for(personas.db, added.user)
    return policy.can(personas.db, actor, policy.VIEW, report)


def test_a_peer_is_neither_cert_nor_municipal(personas) -> None:  # noqa: ANN001
    added = _peer(personas)
    actor = accounts_service.actor_for(personas.db, added.user)
    assert actor.is_peer and not actor.is_cert and actor.peer_max_tlp == TLP.amber
    assert not OrgKind.peer.is_cert and not OrgKind.peer.is_municipal
    assert added.org.parent_id is None


def test_its_token_acts_with_the_peers_ceiling(personas) -> None:  # noqa: ANN001
    added = _peer(personas, max_tlp=TLP.green)
    token = accounts_service.resolve_token(personas.db, added.token)
    assert token is not None
    actor = accounts_service.actor_for_token(personas.db, token)
    assert actor.is_peer and actor.peer_max_tlp == TLP.green and actor.can_write


@pytest.mark.parametrize("tlp", [TLP.clear, TLP.green])
def test_a_peer_gets_clear_and_green(personas, tlp: TLP) -> None:  # noqa: ANN001
    assert _sees(personas, _peer(personas), _make(personas, "land_cert_analyst", tlp))


def test_a_peer_gets_amber_addressed_to_it_but_not_through_the_cert_rule(personas) -> None:  # noqa: ANN001
    added = _peer(personas)
    to_peer = _make(personas, "land_cert_analyst", TLP.amber, audience_orgs=[added.org.id])
    to_kreis = _make(personas, "land_cert_analyst", TLP.amber, audience_orgs=[personas.orgs["kreis_a"].id])
    to_user = _make(personas, "kreis_a_admin", TLP.amber, audience_users=[added.user.id])
    assert _sees(personas, added, to_peer) and _sees(personas, added, to_user)
    assert not _sees(personas, added, to_kreis)


def test_amber_strict_and_red_never_reach_a_peer_even_addressed(personas) -> None:  # noqa: ANN001
    added = _peer(personas)
    strict = _make(personas, "land_cert_analyst", TLP.amber_strict, audience_orgs=[added.org.id])
    red = _make(personas, "land_cert_analyst", TLP.red, audience_users=[added.user.id])
    assert not _sees(personas, added, strict)
    assert not _sees(personas, added, red)
    # … while an ordinary member addressed the same way sees them.
    strict_kreis = _make(personas, "land_cert_analyst", TLP.amber_strict, audience_orgs=[personas.orgs["kreis_a"].id])
    assert policy.can(personas.db, personas.actor("kreis_a_admin"), policy.VIEW, strict_kreis)


def test_the_maximum_tlp_caps_what_a_peer_gets(personas) -> None:  # noqa: ANN001
    green_peer = _peer(personas, key="gruen", max_tlp=TLP.green)
    clear_peer = _peer(personas, key="klar", max_tlp=TLP.clear)
    amber = _make(personas, "land_cert_analyst", TLP.amber, audience_orgs=[green_peer.org.id, clear_peer.org.id])
    green = _make(personas, "land_cert_analyst", TLP.green)
    clear = _make(personas, "land_cert_analyst", TLP.clear)
    assert [_sees(personas, green_peer, r) for r in (amber, green, clear)] == [False, True, True]
    assert [_sees(personas, clear_peer, r) for r in (amber, green, clear)] == [False, False, True]


def test_amber_received_from_a_peer_never_travels_to_a_peer(personas) -> None:  # noqa: ANN001
    added = _peer(personas)
    relayed = _make(personas, "land_cert_analyst", TLP.amber, audience_orgs=[added.org.id])
    relayed_green = _make(personas, "land_cert_analyst", TLP.green)
    relayed.received_from_peer = relayed_green.received_from_peer = True
    personas.db.flush()
    assert not _sees(personas, added, relayed)
    assert _sees(personas, added, relayed_green)
    # Inside the instance it stays what it was: the CERT and the addressed see it.
    assert policy.can(personas.db, personas.actor("land_cert_analyst"), policy.VIEW, relayed)


def test_a_peer_list_query_equals_the_single_checks(personas) -> None:  # noqa: ANN001
    added = _peer(personas, max_tlp=TLP.amber)
    made = [_make(personas, "land_cert_analyst", t, audience_orgs=[added.org.id]) for t in TLP
            if t != TLP.red] + [_make(personas, "kreis_a_admin", TLP.amber)]
    actor = accounts_service.actor_for(personas.db, added.user)
    listed = set(personas.db.scalars(policy.visible(select(Report.id).where(Report.id.in_([r.id for r in made])),
                                                    Report, actor)))
    assert listed == {r.id for r in made if r.tlp in (TLP.clear, TLP.green, TLP.amber) and r.owner_org_id !=
                      personas.orgs["kreis_a"].id}


def test_a_peer_without_its_row_gets_clear_only(personas) -> None:  # noqa: ANN001
    added = _peer(personas, max_tlp=TLP.amber)
    personas.db.delete(added.peer)
    personas.db.flush()
    actor = accounts_service.actor_for(personas.db, added.user)
    assert actor.peer_max_tlp == TLP.clear
    assert not policy.can(personas.db, actor, policy.VIEW, _make(personas, "land_cert_analyst", TLP.green))


@pytest.mark.parametrize("text", ["amber+strict", "red", "purple"])
def test_no_peer_gets_a_maximum_above_amber(personas, text: str) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput) as raised:
        federation.add_peer(personas.db, key="zu-hoch", name="Zu hoch", max_tlp=text)  # type: ignore[arg-type]
    assert "höchstens" in raised.value.de


def test_the_peer_has_one_read_write_token_and_no_password(personas) -> None:  # noqa: ANN001
    added = _peer(personas)
    tokens = personas.db.scalars(select(ApiToken).where(ApiToken.user_id == added.user.id)).all()
    assert len(tokens) == 1 and tokens[0].scope == "read_write"
    assert added.user.password_hash is None
    with pytest.raises(InvalidInput):
        _peer(personas)  # the same key twice


@pytest.mark.parametrize("max_tlp", [TLP.green, TLP.amber])
@pytest.mark.parametrize("tlp", [TLP.amber, TLP.amber_strict])
@pytest.mark.parametrize("how", ["org", "strict_org", "land_subtree"])
def test_who_can_see_this_names_a_peer_exactly_when_the_policy_lets_it(personas, max_tlp, tlp, how) -> None:  # noqa: ANN001
    from kommcert.reports import audience as audience_rules

    added = _peer(personas, max_tlp=max_tlp, parent_key="land")
    target = {"org": {"audience_orgs": [added.org.id]}, "strict_org": {"audience_orgs_strict": [added.org.id]},
              "land_subtree": {"audience_orgs": [personas.orgs["land"].id]}}[how]
    report = _make(personas, "land_cert_analyst", tlp, **target)
    vis = reports_service.visibility(personas.db, actor=personas.actor("land_cert_analyst"), report=report)
    from kommcert.sharing.service import Audience

    audience = Audience(orgs=tuple(target.get("audience_orgs", ())),
                        orgs_without_subtree=tuple(target.get("audience_orgs_strict", ())))
    proposal = audience_rules.Proposal(report.owner_org_id, TLP(report.tlp), report.upward, audience)
    named = added.org.id in (audience_rules.org_ids_that_see(personas.db, proposal) or set())
    assert named == _sees(personas, added, report)
    # The words name an addressed subtree as one entry ("Testland mit allen … Stellen"), counted in org_count.
    assert how == "land_subtree" or (added.org.id in vis.org_ids) == named
