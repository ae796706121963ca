from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from kommcert.accounts.models import Role, User
from kommcert.indicators import sightings as sightings_service
from kommcert.indicators.models import Indicator
from kommcert.indicators.sightings import SightingIn
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import OrgKind, org_serves
from kommcert.sharing.tlp import TLP
from tests.indicators.conftest import import_stix  # noqa: F401 - the fixture, shared


@pytest.fixture
def seen(db, personas, import_stix):  # noqa: ANN001, ANN201, F811
    """A GREEN value of the Land-CERT seen by Gemeinde A1 (5 times) and Gemeinde B1 (2 times), and an
    AMBER value of Gemeinde A1's own that only A1 and the CERTs may see, seen by A1 (3 times)."""
    import_stix("land_cert_analyst", ["[domain-name:value = 'lage.example']"], tlp=TLP.green)
    import_stix("gemeinde_a1_member", ["[domain-name:value = 'nur-a1.example']"], tlp=TLP.amber)
    green = db.scalar(select(Indicator).where(Indicator.value == "lage.example"))
    own = db.scalar(select(Indicator).where(Indicator.value == "nur-a1.example"))
    sightings_service.record_sightings(db, actor=personas.actor("gemeinde_a1_member"), items=[
        SightingIn(key="a", indicator_id=green.id, count=5), SightingIn(key="b", indicator_id=own.id, count=3)])
    sightings_service.record_sightings(db, actor=personas.actor("gemeinde_b1_member"), items=[
        SightingIn(key="c", indicator_id=green.id, count=2)])
    return {"green": green, "own": own}


@pytest.fixture
def kitm(db, personas):  # noqa: ANN001, ANN201
    """A municipal IT service provider serving Gemeinde A1 and Gemeinde B1, with one member."""
    org = orgs_service.create_org(db, key="kitm", kind=OrgKind.it_dienstleister, name="KommIT Süd",
                                  parent=personas.orgs["land"])
    db.execute(insert(org_serves), [{"provider_id": org.id, "client_id": personas.orgs[k].id}
                                    for k in ("gemeinde_a1", "gemeinde_b1")])
    user = User(org=org, email="kitm@example.test", name="KITM Technik", role=Role.member,
                password_hash=personas.users["kreis_a_admin"].password_hash)
    db.add(user)
    db.flush()
    personas.orgs["kitm"], personas.users["kitm_member"] = org, user
    return org
