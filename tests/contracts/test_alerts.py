"""The CERTs hear once when a contingent runs below 20 %; nobody else does."""

from __future__ import annotations

from sqlalchemy import select

from kommcert.accounts.models import User
from kommcert.contracts import alerts, service
from kommcert.contracts.models import ContingentUnit
from kommcert.db import utcnow
from kommcert.notifications import registry
from kommcert.notifications.models import Notification
from kommcert.orgs.models import CERT_KINDS

YEAR = utcnow().year


def _told(db, contingent_id: int) -> list[Notification]:  # noqa: ANN001
    return list(db.scalars(select(Notification).where(Notification.subject_type == alerts.SUBJECT_TYPE,
                                                      Notification.subject_id == contingent_id)))


def test_below_twenty_percent_tells_the_certs_once(personas) -> None:  # noqa: ANN001
    db, cert = personas.db, personas.actor("land_cert_analyst")
    c = service.set_contingent(db, actor=personas.actor("land_cert_admin"), org_key="gemeinde_a1", year=YEAR,
                               unit=ContingentUnit.hours, amount="100")
    service.reserve(db, actor=cert, contingent_id=c.id, amount="80", reference="A")
    assert alerts.check_low(db, c.id) is False  # exactly 20 % left is not below
    assert _told(db, c.id) == []
    service.reserve(db, actor=cert, contingent_id=c.id, amount="0.01", reference="B")
    assert alerts.check_low(db, c.id) is True
    told = _told(db, c.id)
    assert told
    users = {n.user_id: db.get(User, n.user_id) for n in told}
    assert all(u.org.kind in {str(k) for k in CERT_KINDS} for u in users.values())
    assert personas.users["land_cert_analyst"].id in users
    assert alerts.check_low(db, c.id) is True
    assert len(_told(db, c.id)) == len(told)  # once per crossing


def test_the_mail_says_what_is_left_and_only_certs_may_read_it(personas) -> None:  # noqa: ANN001
    db, cert = personas.db, personas.actor("land_cert_analyst")
    c = service.set_contingent(db, actor=personas.actor("land_cert_admin"), org_key="kreis_a", year=YEAR,
                               unit=ContingentUnit.euros, amount="1000")
    service.charge(db, actor=cert, contingent_id=c.id, amount="950.50", reference="Einsatz 1")
    subject = registry.get(alerts.SUBJECT_TYPE)
    ctx = registry.RenderContext(db=db, user=personas.users["land_cert_analyst"], lang="de", event=alerts.EVENT,
                                 data={}, base_url="https://kommcert.example")
    rendered = subject.renderer(c, ctx)
    assert "Übrig: 49.50 Euro" in rendered.text
    assert rendered.link == f"https://kommcert.example/contingents?year={YEAR}"
    en = subject.renderer(c, registry.RenderContext(db=db, user=personas.users["land_cert_analyst"], lang="en",
                                                    event=alerts.EVENT, data={}, base_url="https://x.example"))
    assert en.subject.startswith("Contingent almost used up")
    assert subject.check(db, cert, c) is True
    assert subject.check(db, personas.actor("kreis_a_admin"), c) is False
