"""The contingent overview page: own and the Kreis's contingents, never another Kreis's."""

from __future__ import annotations

from kommcert.contracts import service
from kommcert.contracts.models import ContingentUnit
from kommcert.db import utcnow

YEAR = utcnow().year


def _set(personas, org: str, amount: str, unit: ContingentUnit = ContingentUnit.euros) -> None:  # noqa: ANN001
    service.set_contingent(personas.db, actor=personas.actor("land_cert_admin"), org_key=org, year=YEAR, unit=unit,
                           amount=amount)


def test_a_municipality_sees_its_own_and_its_kreis(client, personas, login) -> None:  # noqa: ANN001
    _set(personas, "kreis_a", "25000.50")
    _set(personas, "gemeinde_a1", "40", ContingentUnit.hours)
    _set(personas, "gemeinde_b1", "777")
    c = service.contingent_for(personas.db, org_id=personas.orgs["kreis_a"].id, year=YEAR)
    service.reserve(personas.db, actor=None, contingent_id=c.id, amount="1000", reference="x")
    login("gemeinde_a1_member")
    page = client.get(f"/contingents?year={YEAR}")
    assert page.status_code == 200
    assert "Kreis A" in page.text and "25.000,50" in page.text and "24.000,50" in page.text
    assert "Gemeinde A1" in page.text and "Stunden" in page.text
    assert "Kreis B" not in page.text and "777" not in page.text
    english = client.get(f"/contingents?year={YEAR}&lang=en")
    assert "25,000.50" in english.text and "Contingents" in english.text


def test_the_cert_sees_every_kreis_and_others_nothing(client, personas, login) -> None:  # noqa: ANN001
    _set(personas, "kreis_a", "1")
    _set(personas, "gemeinde_b1", "2")
    login("land_cert_analyst")
    page = client.get(f"/contingents?year={YEAR}").text
    assert "Kreis A" in page and "Kreis B" in page
    assert "kein Kontingent" in client.get(f"/contingents?year={YEAR + 1}").text


def test_provider_sees_nothing_and_anonymous_must_log_in(client, personas, login) -> None:  # noqa: ANN001
    _set(personas, "kreis_a", "1")
    assert client.get("/contingents", follow_redirects=False).status_code == 303
    login("provider_x")
    page = client.get(f"/contingents?year={YEAR}").text
    assert "Kreis A" not in page and "kein Kontingent" in page
