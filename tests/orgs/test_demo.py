from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from kommcert import demo
from kommcert.accounts.models import User
from kommcert.orgs.models import Organization, OrgKind
from kommcert.reports.models import Report
from tests.personas import web_login


def test_it_builds_the_demo_land(db) -> None:  # noqa: ANN001
    logins = demo.load(db)
    kinds = Counter(OrgKind(o.kind) for o in db.scalars(select(Organization)))
    assert kinds[OrgKind.kreis] >= 3 and kinds[OrgKind.kreisfreie_stadt] >= 1
    assert kinds[OrgKind.verbandsgemeinde] >= 2 and kinds[OrgKind.ortsgemeinde] >= 12
    assert kinds[OrgKind.verbandsfreie_gemeinde] >= 1
    for kind in (OrgKind.land_cert, OrgKind.kommunal_cert, OrgKind.mirt, OrgKind.it_dienstleister):
        assert kinds[kind] == 1
    assert kinds[OrgKind.dienstleister] == 2
    assert len(logins) == len(db.scalars(select(User)).all()) >= 9
    kitm = db.scalar(select(Organization).where(Organization.key == "kitm"))
    assert len(kitm.clients) == 3
    assert db.scalars(select(Report)).all()
    from kommcert.indicators.models import Indicator, Sighting

    assert len(db.scalars(select(Indicator)).all()) == 13
    assert sum(s.count for s in db.scalars(select(Sighting))) == 355
    from kommcert.reports.models import Attachment, ReportComment

    assert len(db.scalars(select(ReportComment)).all()) == 2
    assert db.scalars(select(Attachment)).one().filename == "auth-auszug.log"


def test_it_logs_in_every_demo_user(client, db) -> None:  # noqa: ANN001
    for login in demo.load(db):
        client.cookies.clear()
        web_login(client, login.email, login.password)
        assert client.get("/").status_code == 200
