"""Issue 14 "Warn- und Informationsdienst", the "Done when" walk in real Chromium against a live server whose
mail goes to aiosmtpd on loopback and whose CSAF source is a trusted provider on loopback.

Personas (tests/personas.py), renamed in this module's database: Gemeinde A1 is **Kleinmusterdorf** (Kreis A,
runs Microsoft Exchange Server 2019 in a build before the fix), Gemeinde B1 is **Seedorf** (Kreis B, runs only a
fixed FortiOS). In order:

1. the Landes-CERT analyst opens the source page and pulls the provider ("Jetzt abrufen"): the signed
   Exchange warning is stored, a document changed after signing lands in quarantine with its reason;
2. the job worker runs: Kleinmusterdorf's people each get exactly one German mail naming their Exchange line,
   nobody of Seedorf gets any;
3. the Land's overview shows the warning with one affected organisation, still open;
4. Kleinmusterdorf finds the warning first on "Meine Warnungen", marked betroffen, sees its inventory line on the
   detail page and marks it behoben;
5. the Land's overview shows the open count dropped to zero; Seedorf sees the (TLP:CLEAR) warning without any
   match of its own, and its status form is not offered as "betroffen".
"""

from __future__ import annotations

import email
from collections.abc import Iterator
from email import policy as email_policy

import pytest
from sqlalchemy import select

from kommcert.accounts import service as accounts_service
from kommcert.advisories.demo_documents import ADVISORIES, build
from kommcert.advisories.models import Advisory, AdvisoryRevision, CsafSource, QuarantinedDocument
from kommcert.db import utcnow
from kommcert.inventory import service as inventory_service
from kommcert.inventory.schemas import ItemIn
from kommcert.jobs import worker as jobs_worker
from tests.advisories.ingest.provider import serve
from tests.browser.conftest import LiveServer, serving_with_mail
from tests.mail.conftest import Inbox
from tests.personas import build_personas

pytestmark = pytest.mark.browser

EXCHANGE, CITRIX = ADVISORIES[0], ADVISORIES[1]


@pytest.fixture(scope="module")
def live_server(live_database: str, smtp: tuple[int, Inbox]) -> Iterator[LiveServer]:
    with serving_with_mail(live_database, smtp[0]) as server:
        yield server


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The provider publishes the Exchange warning (signed) and a Citrix one whose bytes change after signing."""
    with serve(tmp_path_factory.mktemp("provider")) as found:
        found.write_metadata()
        now = utcnow()
        found.publish(build(EXCHANGE, now))
        citrix = found.publish(build(CITRIX, now))
        target = found.directory / citrix
        target.write_bytes(target.read_bytes().replace(b"NetScaler", b"NetScalex", 1))
        yield found


@pytest.fixture(scope="module")
def world(live_server: LiveServer, provider) -> dict[str, object]:  # noqa: ANN001
    with live_server.session() as db:
        p = build_personas(db)
        p.orgs["gemeinde_a1"].name = "Kleinmusterdorf"
        p.orgs["gemeinde_b1"].name = "Seedorf"
        db.flush()
        inventory_service.add_item(db, actor=p.actor("gemeinde_a1_admin"), org_id=p.orgs["gemeinde_a1"].id,
                                   item_in=ItemIn(vendor="Microsoft", product="Exchange Server 2019",
                                                  version="15.2.1118.7", where_used="Rathaus, Serverraum",
                                                  cpe="cpe:2.3:a:microsoft:exchange_server:2019:*:*:*:*:*:*:*"))
        inventory_service.add_item(db, actor=p.actor("gemeinde_b1_member"), org_id=p.orgs["gemeinde_b1"].id,
                                   item_in=ItemIn(vendor="Fortinet", product="FortiOS", version="7.4.3",
                                                  where_used="Firewall"))
        source = CsafSource(name="Warndienst Loopback", kind="provider", url=provider.metadata_url,
                            owner_org_id=p.orgs["land_cert"].id, require_signature=True)
        db.add(source)
        db.commit()
        return {"email": {name: u.email for name, u in p.users.items()}, "source": source.id,
                "land_cert": accounts_service.actor_for(db, p.users["land_cert_analyst"]).org_id}


def _open_count(page, url: str, title: str) -> tuple[int, int]:  # noqa: ANN001
    """(Betroffen, Offen) of one warning on the Land's overview."""
    page.goto(url + "/warnings/overview")
    row = page.locator("#open-by-advisory tbody tr", has_text=title)
    cells = row.locator("td")
    return int(cells.nth(2).inner_text()), int(cells.nth(3).inner_text())


def test_a_pulled_warning_reaches_exactly_the_municipality_that_runs_the_product(
        browser, live_server: LiveServer, world: dict, smtp: tuple[int, Inbox]) -> None:  # noqa: ANN001
    url, people = live_server.url, world["email"]

    # 1. The CERT pulls the source on its page: one new warning, one document in quarantine.
    cert = live_server.logged_in(browser, people["land_cert_analyst"])
    cert.goto(f"{url}/advisories/sources/{world['source']}")
    cert.get_by_role("button", name="Jetzt abrufen").click()
    result = cert.locator("#pull-result")
    result.wait_for()
    assert "neu: 1" in result.inner_text() and "Quarantäne: 1" in result.inner_text()
    with live_server.session() as db:
        stored = db.scalars(select(Advisory)).all()
        assert [a.tracking_id for a in stored] == [EXCHANGE.tracking_id]
        kept = db.scalars(select(QuarantinedDocument)).one()
        assert kept.tracking_id == CITRIX.tracking_id or CITRIX.tracking_id.lower() in kept.url
        assert any("Prüfsumme" in reason or "Signatur" in reason for reason in kept.reasons)
    cert.goto(f"{url}/advisories/quarantine")
    assert CITRIX.tracking_id.lower() in cert.content().lower()

    # 2. Mail: Kleinmusterdorf's people once each, in German, naming the line; nobody of Seedorf.
    jobs_worker.run(live_server.session_factory, live_server.settings, burst=True)
    inbox = smtp[1]
    messages = [email.message_from_bytes(e.original_content, policy=email_policy.default) for e in inbox.envelopes]
    got = [(m["To"], str(m["Subject"]), m.get_body(preferencelist=("plain",)).get_content()) for m in messages]
    for person in ("gemeinde_a1_member", "gemeinde_a1_admin"):
        mine = [(subject, body) for to, subject, body in got if to == people[person]]
        assert len(mine) == 1, (person, [s for s, _ in mine])
        subject, body = mine[0]
        assert "Kleinmusterdorf" in subject and "betroffen" in subject and "Exchange" in subject
        assert "Exchange Server 2019" in body and "15.2.1118.7" in body and "Warnung" in body
        assert "/advisories/" in body
    seedorf_people = {people["gemeinde_b1_member"], people["kreis_b_admin"]}
    assert not seedorf_people & {to for to, _, _ in got}

    # 3. The Land sees one affected organisation, still open.
    title = EXCHANGE.title
    assert _open_count(cert, url, title) == (1, 1)

    # 4. Kleinmusterdorf: first on its list, betroffen, its line on the detail, marks it behoben.
    klein = live_server.logged_in(browser, people["gemeinde_a1_member"])
    klein.goto(url + "/warnings")
    first = klein.locator("main li, main tr").filter(has_text=title).first
    assert "betroffen" in first.inner_text()
    klein.get_by_role("link", name=title).first.click()
    klein.wait_for_url(f"{url}/advisories/*")
    text = klein.locator("main").inner_text()
    assert "Exchange Server 2019" in text and "15.2.1118.7" in text and "Rathaus, Serverraum" in text
    klein.get_by_label("behoben").check()
    klein.fill("#s-comment", "Kumulatives Update 14 eingespielt.")
    klein.get_by_role("button", name="Status speichern").click()
    klein.get_by_text("Der Status wurde gespeichert.").wait_for()

    # 5. The Land's open count drops; Seedorf sees the public warning but no match of its own.
    assert _open_count(cert, url, title) == (1, 0)
    seedorf = live_server.logged_in(browser, people["gemeinde_b1_member"])
    seedorf.goto(url + "/warnings")
    row = seedorf.locator("main li, main tr").filter(has_text=title).first
    assert "betroffen" not in row.inner_text().replace("nicht betroffen", "")
    with live_server.session() as db:
        revision = db.scalars(select(AdvisoryRevision)).one()
        assert revision.signature_checked and revision.source_url.endswith(".json")
