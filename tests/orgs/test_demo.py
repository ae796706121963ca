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
    # Every user with a password is a demo login; the mayor of Oberbeispiel (help request by phone) has none.
    assert len(logins) == len(db.scalars(select(User).where(User.password_hash.is_not(None))).all()) >= 9
    kitm = db.scalar(select(Organization).where(Organization.key == "kitm"))
    assert len(kitm.clients) == 3
    assert db.scalars(select(Report)).all()
    from kommcert.indicators.models import Indicator, Sighting

    assert len(db.scalars(select(Indicator)).all()) == 13
    assert sum(s.count for s in db.scalars(select(Sighting))) == 412
    # VG Musterhausen lets the KITM see its sightings: the provider's picture is not empty
    from kommcert.accounts import service as accounts_service
    from kommcert.indicators import sightings as sightings_service

    kitm_admin = db.scalar(select(User).where(User.email == "admin@kitm.example"))
    seen = sightings_service.visible_sightings(db, actor=accounts_service.actor_for(db, kitm_admin))
    assert {(org.name, s.count) for s, org in seen} == {("Musterhausen", 57)}
    from kommcert.reports.models import Attachment, ReportComment

    assert len(db.scalars(select(ReportComment)).all()) == 2
    assert db.scalars(select(Attachment)).one().filename == "auth-auszug.log"


def test_it_logs_in_every_demo_user(client, db) -> None:  # noqa: ANN001
    for login in demo.load(db):
        client.cookies.clear()
        web_login(client, login.email, login.password)
        assert client.get("/").status_code == 200


def test_it_shows_a_live_demo_land_when_loaded_a_year_from_now(client, db) -> None:  # noqa: ANN001
    """`make run` on a fresh clone in a year: feeds, sightings and the Lagebild are current, not expired."""
    from datetime import UTC, datetime, timedelta

    import time_machine

    from kommcert.accounts import service as accounts_service
    from kommcert.accounts.models import TokenScope
    from kommcert.indicators.models import Sighting
    from kommcert.reports.models import Attachment

    later = datetime.now(UTC) + timedelta(days=365)
    with time_machine.travel(later, tick=True):
        logins = {login.email: login for login in demo.load(db)}
        seedorf = db.scalar(select(User).where(User.email == "buero@seedorf.example"))
        token, _ = accounts_service.create_token(db, actor=None, user=seedorf, name="Firewall",
                                                 scope=TokenScope.read, expires_at=None)
        db.flush()
        blocklist = client.get(f"/feeds/txt?token={token}").text.splitlines()
        assert {"203.0.113.45", "198.51.100.23", "rechnung-stadtwerke.example"} <= set(blocklist)
        generated = datetime.fromisoformat(blocklist[0].rsplit("generated ", 1)[1])
        assert abs(generated - later) < timedelta(hours=1)
        assert all(abs(s.last_seen - later) < timedelta(hours=1) for s in db.scalars(select(Sighting)))
        excerpt = db.scalars(select(Attachment)).one().content.decode()
        logged = datetime.fromisoformat(excerpt.split(" ", 1)[0])
        assert timedelta(days=1) < later - logged < timedelta(days=3)
        analyst = logins["analystin@lcert.musterland.example"]
        web_login(client, analyst.email, analyst.password)
        picture = client.get("/lagebild").text
    assert "Keine Sichtungen" not in picture and "Beispielkreis" in picture and "340" in picture
