from __future__ import annotations

import pytest

from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.providers import service as providers_service
from kommcert.providers.models import Skill
from kommcert.providers.schemas import PersonIn, ProviderIn
from kommcert.sharing.actor import ANONYMOUS


def test_every_member_reads_the_registry_but_phones_only_cert_and_own(db, registry) -> None:  # noqa: ANN001
    org_id = registry.orgs["provider_x"].id
    for name, phones in (("gemeinde_b1_member", False), ("kreis_a_admin", False), ("land_cert_analyst", True),
                         ("provider_x", True)):
        actor = registry.actor(name)
        [profile] = [p for p in providers_service.list_providers(db, actor=actor) if p.org_id == org_id]
        read = providers_service.to_read(profile, actor)
        assert read.on_call_phone == "0800 111222"
        assert read.phones_visible is phones
        assert {p.phone for p in read.people} == ({"0171 5550001", "0171 5550002"} if phones else {None})


def test_anonymous_gets_nothing(db, registry) -> None:  # noqa: ANN001
    with pytest.raises(NotFound):
        providers_service.list_providers(db, actor=ANONYMOUS)


def test_it_filters_by_skill_and_region(db, registry) -> None:  # noqa: ANN001
    actor = registry.actor("gemeinde_a1_member")
    assert [p.org.key for p in providers_service.list_providers(db, actor=actor, skill=Skill.host_forensics)] \
        == ["provider_x"]
    assert providers_service.list_providers(db, actor=actor, skill=Skill.recovery) == []
    assert len(providers_service.list_providers(db, actor=actor, region_id=registry.orgs["kreis_a"].id)) == 1
    assert providers_service.list_providers(db, actor=actor, region_id=registry.orgs["kreis_b"].id) == []


def test_the_providers_admin_edits_and_people_keep_their_ids(db, registry) -> None:  # noqa: ANN001
    org_id = registry.orgs["provider_x"].id
    before = {p.name: p.id for p in providers_service.get_provider(db, actor=registry.actor("provider_x"),
                                                                     org_id=org_id).people}
    profile = providers_service.update_provider(db, actor=registry.actor("provider_x_admin"), org_id=org_id,
                                                data=ProviderIn(skills=[Skill.recovery], people=[
                                                    PersonIn(name="Leo Leitung", phone="0171 9")]))
    assert profile.skills == ["recovery"] and [p.id for p in profile.people] == [before["Leo Leitung"]]
    assert profile.people[0].phone == "0171 9"


@pytest.mark.parametrize("name", ["provider_x", "kreis_a_admin", "gemeinde_b1_member", "land_cert_analyst"])
def test_others_may_not_edit(db, registry, name) -> None:  # noqa: ANN001
    with pytest.raises(PermissionDenied):
        providers_service.update_provider(db, actor=registry.actor(name), org_id=registry.orgs["provider_x"].id,
                                          data=ProviderIn())


def test_a_cert_admin_creates_the_mirt_profile_and_bad_input_is_refused(db, registry) -> None:  # noqa: ANN001
    cert = registry.actor("land_cert_admin")
    mirt = registry.orgs["mirt"].id
    profile = providers_service.update_provider(db, actor=cert, org_id=mirt, data=ProviderIn(
        skills=[Skill.crisis_communication], region_ids=[registry.orgs["land"].id]))
    assert profile.skill_labels == ["Krisenkommunikation"] and [r.name for r in profile.regions] == ["Testland"]
    with pytest.raises(InvalidInput, match="neither the Land nor a Kreis"):
        providers_service.update_provider(db, actor=cert, org_id=mirt, data=ProviderIn(
            region_ids=[registry.orgs["gemeinde_a1"].id]))
    with pytest.raises(InvalidInput, match="does not belong to"):
        providers_service.update_provider(db, actor=cert, org_id=mirt, data=ProviderIn(
            people=[PersonIn(name="X", user_id=registry.users["gemeinde_a1_member"].id)]))
    with pytest.raises(NotFound):  # not a provider
        providers_service.update_provider(db, actor=cert, org_id=registry.orgs["kreis_a"].id, data=ProviderIn())
