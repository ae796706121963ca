"""Framework contract and rate card: kept by the Land's CERT administrators, overlaps refused."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from kommcert.contracts import service
from kommcert.contracts.models import FrameworkContract
from kommcert.contracts.schemas import ContractIn, RateIn
from kommcert.db import utcnow
from kommcert.errors import Conflict, InvalidInput, NotFound, PermissionDenied

START = utcnow().date().replace(month=1, day=1)
END = START.replace(year=START.year + 2) - timedelta(days=1)


def _contract(personas, rates=None) -> FrameworkContract:  # noqa: ANN001
    return service.create_contract(personas.db, actor=personas.actor("land_cert_admin"), contract_in=ContractIn(
        title="Rahmenvertrag IT-Notfallhilfe", provider_org_key="provider_x", valid_from=START, valid_until=END,
        rates=rates if rates is not None else [
            RateIn(role="Incident Lead", hourly_rate=Decimal("185.50"), daily_flat_rate=Decimal("1400"),
                   travel_flat_rate=Decimal("120.00")),
            RateIn(role="Forensik", hourly_rate=Decimal("160"), valid_from=START, valid_until=START + timedelta(364)),
            RateIn(role="Forensik", hourly_rate=Decimal("170"), valid_from=START + timedelta(365)),
        ]))


def test_the_land_cert_admin_keeps_a_contract_with_its_rate_card(personas) -> None:  # noqa: ANN001
    contract = _contract(personas)
    assert sorted((r.role, r.hourly_rate) for r in contract.rates) == [
        ("Forensik", Decimal("160.00")), ("Forensik", Decimal("170.00")), ("Incident Lead", Decimal("185.50"))]
    line = service.rate_for(personas.db, contract_id=contract.id, role="forensik", day=START + timedelta(400))
    assert line is not None and line.hourly_rate == Decimal("170.00")
    lead = next(r for r in contract.rates if r.role == "Incident Lead")
    assert lead.valid_from == START and lead.valid_until == END


def test_overlapping_validity_for_the_same_role_is_refused(personas) -> None:  # noqa: ANN001
    contract = _contract(personas)
    with pytest.raises(Conflict, match="overlaps"):
        service.add_rate(personas.db, actor=personas.actor("land_cert_admin"), contract_id=contract.id,
                         rate_in=RateIn(role="forensik", hourly_rate=Decimal("1"), valid_from=START + timedelta(364),
                                        valid_until=START + timedelta(364)))
    with pytest.raises(Conflict):
        _contract(personas, rates=[RateIn(role="A", hourly_rate=Decimal("1")),
                                   RateIn(role="A", hourly_rate=Decimal("2"), valid_from=END, valid_until=END)])
    # Another role on the same days is fine.
    service.add_rate(personas.db, actor=personas.actor("land_cert_admin"), contract_id=contract.id,
                     rate_in=RateIn(role="Netzwerkforensik", hourly_rate=Decimal("1")))


@pytest.mark.parametrize("rates, message", [
    ([RateIn(role="A", hourly_rate=Decimal("1"), valid_from=START - timedelta(1))], "outside the contract"),
    ([RateIn(role="A", hourly_rate=Decimal("1"), valid_from=END, valid_until=START)], "ends before it begins"),
])
def test_bad_rate_lines_are_refused(personas, rates, message) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput, match=message):
        _contract(personas, rates=rates)


def test_only_the_land_cert_admin_keeps_contracts(personas) -> None:  # noqa: ANN001
    for name in ("land_cert_analyst", "kreis_a_admin", "gemeinde_a1_admin", "provider_x"):
        with pytest.raises(PermissionDenied):
            service.create_contract(personas.db, actor=personas.actor(name), contract_in=ContractIn(
                title="X", provider_org_key="provider_x", valid_from=START, valid_until=END))


def test_the_provider_must_be_a_provider_or_the_mirt(personas) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput, match="neither a provider"):
        service.create_contract(personas.db, actor=personas.actor("land_cert_admin"), contract_in=ContractIn(
            title="X", provider_org_key="kreis_a", valid_from=START, valid_until=END))


def test_contracts_api(client, personas) -> None:  # noqa: ANN001
    body = {"title": "Rahmenvertrag", "provider_org_key": "provider_x", "valid_from": str(START),
            "valid_until": str(END), "rates": [{"role": "Incident Lead", "hourly_rate": "185.50",
                                                "daily_flat_rate": "1400", "travel_flat_rate": "120"}]}
    assert client.post("/api/v1/contracts", json=body).status_code in (401, 403)  # CSRF or no login
    assert client.post("/api/v1/contracts", json=body, headers=personas.auth("kreis_a_admin")).status_code == 403
    assert client.post("/api/v1/contracts", json=body,
                       headers=personas.auth("land_cert_analyst")).status_code == 403
    response = client.post("/api/v1/contracts", json=body, headers=personas.auth("land_cert_admin"))
    assert response.status_code == 201, response.text
    contract = response.json()
    assert contract["rates"][0]["hourly_rate"] == "185.50"
    cid = contract["id"]
    # Money is never a float: more than two decimal places is refused.
    bad = dict(body, rates=[{"role": "X", "hourly_rate": "1.005"}])
    assert client.post("/api/v1/contracts", json=bad, headers=personas.auth("land_cert_admin")).status_code == 422
    overlap = {"role": "incident lead", "hourly_rate": "1", "valid_from": str(END), "valid_until": str(END)}
    response = client.post(f"/api/v1/contracts/{cid}/rates", json=overlap, headers=personas.auth("land_cert_admin"))
    assert response.status_code == 409 and "überschneidet" in response.json()["de"]
    assert len(client.get(f"/api/v1/contracts/{cid}", headers=personas.auth("land_cert_admin")).json()["rates"]) == 1
    for name in ("gemeinde_b1_member", "kreis_a_admin", "provider_x", "land_cert_analyst"):
        assert client.get(f"/api/v1/contracts/{cid}", headers=personas.auth(name)).status_code == 200
        assert [c["id"] for c in client.get("/api/v1/contracts", headers=personas.auth(name)).json()] == [cid]


def test_another_provider_does_not_see_the_contract(client, personas) -> None:  # noqa: ANN001
    from kommcert.orgs import service as orgs_service
    from kommcert.orgs.models import OrgKind

    contract = _contract(personas)
    mirt = orgs_service.create_org(personas.db, key="mirt", kind=OrgKind.mirt, name="MIRT",
                                   parent=personas.orgs["land"])
    from kommcert.accounts.models import Role, User

    personas.db.add(User(org=mirt, email="mirt@example.test", name="mirt", role=Role.member,
                         password_hash="x"))
    personas.db.flush()
    personas.users["mirt"] = personas.db.query(User).filter_by(email="mirt@example.test").one()
    assert client.get(f"/api/v1/contracts/{contract.id}", headers=personas.auth("mirt")).status_code == 404
    assert client.get("/api/v1/contracts", headers=personas.auth("mirt")).json() == []
    with pytest.raises(NotFound):
        service.get_contract(personas.db, actor=personas.actor("mirt"), contract_id=contract.id)
