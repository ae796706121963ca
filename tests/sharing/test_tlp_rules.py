"""DESIGN.md's sharing table, row by row, with the personas."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kommcert.accounts.models import Role, TokenScope
from kommcert.audit.models import AuditEntry
from kommcert.errors import NotFound
from kommcert.reports import service as reports_service
from kommcert.reports.models import Report
from kommcert.reports.schemas import ReportCreate
from kommcert.sharing import policy
from kommcert.sharing import service as sharing_service
from kommcert.sharing.tlp import TLP

EVERYONE = ["anonymous", "land_cert_analyst", "kreis_a_admin", "kreis_b_admin", "gemeinde_a1_member",
            "gemeinde_b1_member", "provider_x"]


def _make(personas, owner: str, tlp: TLP, **kw) -> Report:  # noqa: ANN001
    return reports_service.create_report(personas.db, actor=personas.actor(owner),
                                         report_in=ReportCreate(title="t", tlp=tlp, **kw))


def _who_sees(personas, report: Report) -> set[str]:  # noqa: ANN001
    return {name for name in EVERYONE if policy.can(personas.db, personas.actor(name), policy.VIEW, report)}


def test_it_shows_clear_to_everyone_also_anonymous(personas) -> None:  # noqa: ANN001
    assert _who_sees(personas, _make(personas, "kreis_a_admin", TLP.clear)) == set(EVERYONE)


def test_it_shows_green_to_every_member_but_not_anonymous(personas) -> None:  # noqa: ANN001
    assert _who_sees(personas, _make(personas, "kreis_a_admin", TLP.green)) == set(EVERYONE) - {"anonymous"}


def test_it_shows_amber_to_the_addressed_kreis_its_subtree_and_the_certs(personas) -> None:  # noqa: ANN001
    report = _make(personas, "kreis_a_admin", TLP.amber, audience_orgs=[personas.orgs["kreis_a"].id])
    assert _who_sees(personas, report) == {"kreis_a_admin", "gemeinde_a1_member", "land_cert_analyst"}


def test_it_hides_amber_from_other_kreis(personas) -> None:  # noqa: ANN001
    report = _make(personas, "kreis_a_admin", TLP.amber, audience_orgs=[personas.orgs["kreis_a"].id])
    assert not _who_sees(personas, report) & {"kreis_b_admin", "gemeinde_b1_member", "provider_x"}


def test_it_keeps_amber_addressed_without_subtree_in_the_addressed_org(personas) -> None:  # noqa: ANN001
    report = _make(personas, "land_cert_analyst", TLP.amber, audience_orgs_strict=[personas.orgs["kreis_a"].id])
    assert _who_sees(personas, report) == {"kreis_a_admin", "land_cert_analyst"}


def test_it_hides_amber_strict_from_the_addressed_orgs_subtree_and_the_certs(personas) -> None:  # noqa: ANN001
    report = _make(personas, "kreis_a_admin", TLP.amber_strict, audience_orgs=[personas.orgs["kreis_b"].id])
    assert _who_sees(personas, report) == {"kreis_a_admin", "kreis_b_admin"}


def test_it_shows_red_only_to_named_users_and_the_creator(personas) -> None:  # noqa: ANN001
    report = _make(personas, "kreis_a_admin", TLP.red, audience_users=[personas.users["gemeinde_b1_member"].id])
    assert _who_sees(personas, report) == {"kreis_a_admin", "gemeinde_b1_member"}
    assert not policy.can(personas.db, personas.actor("gemeinde_a1_admin"), policy.VIEW, report)


def test_it_lets_upward_reach_ancestors_but_not_siblings(personas) -> None:  # noqa: ANN001
    report = _make(personas, "gemeinde_a1_member", TLP.amber_strict, upward=True)
    assert _who_sees(personas, report) == {"gemeinde_a1_member", "kreis_a_admin", "land_cert_analyst"}


def test_it_lets_only_the_owner_orgs_writers_change_a_report(personas) -> None:  # noqa: ANN001
    report = _make(personas, "kreis_a_admin", TLP.green)
    db = personas.db
    assert policy.can(db, personas.actor("kreis_a_admin"), policy.EDIT, report)
    assert not policy.can(db, personas.actor("kreis_b_admin"), policy.EDIT, report)  # sees it, does not own it
    assert not policy.can(db, personas.actor("land_cert_analyst"), policy.DELETE, report)
    assert policy.can(db, personas.actor("kreis_b_admin"), policy.COMMENT, report)
    reader = personas.users["kreis_a_admin"]
    reader.role = Role.reader
    db.flush()
    assert not policy.can(db, personas.actor("kreis_a_admin"), policy.EDIT, report)


def test_it_refuses_changes_through_a_read_only_token(personas) -> None:  # noqa: ANN001
    from kommcert.accounts import service as accounts_service

    report = _make(personas, "kreis_a_admin", TLP.green)
    text = personas.token("kreis_a_admin", TokenScope.read)
    token = accounts_service.resolve_token(personas.db, text)
    actor = accounts_service.actor_for(personas.db, token.user, token=token)
    assert policy.can(personas.db, actor, policy.VIEW, report)
    assert not policy.can(personas.db, actor, policy.EDIT, report)


def test_it_refuses_unknown_actions(personas) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="unknown action"):
        policy.can(personas.db, personas.actor("kreis_a_admin"), "publish", _make(personas, "kreis_a_admin", TLP.clear))


def test_it_audits_denials_of_strict_and_red_but_not_amber(personas) -> None:  # noqa: ANN001
    db = personas.db
    strict = _make(personas, "kreis_a_admin", TLP.amber_strict)
    amber = _make(personas, "kreis_a_admin", TLP.amber)
    outsider = personas.actor("gemeinde_b1_member")
    for report in (strict, amber):
        with pytest.raises(NotFound):
            sharing_service.get_or_404(db, Report, report.id, outsider)
    denied = db.scalars(select(AuditEntry).where(AuditEntry.action == "access_denied")).all()
    assert [(d.object_id, d.detail["tlp"]) for d in denied] == [(str(strict.id), "amber+strict")]


def test_it_answers_404_for_ids_that_do_not_exist(personas) -> None:  # noqa: ANN001
    with pytest.raises(NotFound):
        sharing_service.get_or_404(personas.db, Report, 999_999, personas.actor("land_cert_analyst"))


def test_it_refuses_an_audience_with_unknown_orgs(personas) -> None:  # noqa: ANN001
    from kommcert.errors import InvalidInput

    with pytest.raises(InvalidInput):
        _make(personas, "kreis_a_admin", TLP.amber, audience_orgs=[999_999])
