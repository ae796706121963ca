"""Issue 13 "Hilfe im Ernstfall", the "Done when" walk in real Chromium against a live server whose mail
goes to aiosmtpd on loopback.

Personas (tests/personas.py), renamed in this module's database: Kreis A is **Beispielkreis** (a euro
contingent of 20.000,00 this year), its Gemeinde A1 is **Kleinmusterdorf** (a ransomware incident; its
member may accept costs). Dienstleister X is the certified provider (profile with on-call number, a
person linked to the provider_x user, a framework contract valid around today); an MIRT with its user
exists too. Kleinmusterdorf has a second (phishing) incident and Kreis B one of its own: the provider
must see neither. In order:

1. Kleinmusterdorf asks for on-site help on the case page; without the cost acceptance the request is
   refused with the German message and nothing is written; with it the request is made;
2. the Landes-CERT analyst sees Beispielkreis's contingent left, approves and assigns the provider;
3. the provider's user sees exactly that incident (/help, /incidents), the other incidents are 404;
4. the provider accepts with a team and an arrival time, reports the helpers arrived, files a status
   report and hours for two days (8 h with travel, 6,5 h); the MIRT user sees none of it;
5. Kleinmusterdorf confirms both entries;
6. hand-over: the checklist done, signed by Kleinmusterdorf and the CERT (the second sign-off closes the
   deployment); the cost statement page and PDF show the sum computed here from the rate card, and the
   contingent overview shows "Verbraucht" grown and "Frei" dropped by exactly that sum;
7. the job worker runs until idle: the provider got the assignment with its on-call number,
   Kleinmusterdorf's writers the acceptance and the arrival; nobody of Kreis B and no MIRT user got mail.
"""

from __future__ import annotations

import email
import io
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from email import policy as email_policy

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from kommcert.accounts.models import Role, User
from kommcert.contracts import service as contracts_service
from kommcert.contracts.models import ContingentUnit
from kommcert.contracts.schemas import ContractIn, RateIn
from kommcert.db import utcnow
from kommcert.deployments.models import Deployment, DeploymentState, TimeEntry
from kommcert.helprequests.models import HelpRequest, HelpState
from kommcert.incidents import notifications as incident_notifications
from kommcert.jobs import worker as jobs_worker
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import OrgKind
from kommcert.providers import service as providers_service
from kommcert.providers.models import ProviderProfile, Skill
from kommcert.providers.schemas import PersonIn, ProviderIn
from tests.browser.conftest import LiveServer, serving_with_mail
from tests.incidents.conftest import report
from tests.mail.conftest import Inbox
from tests.personas import build_personas, password_hash

pytestmark = pytest.mark.browser

ROLE = "Incident-Responder"
HOURLY, DAILY, TRAVEL = Decimal("150.00"), Decimal("1100.00"), Decimal("180.00")
CONTINGENT = Decimal("20000.00")
ESTIMATE = Decimal("5000.00")
ON_CALL = "+49 6131 4711000"
TITLE = "Ransomware im Rathaus"


def german(value: Decimal) -> str:
    """20.000,00: how the pages and the PDF print an amount (computed here, not by the app)."""
    return f"{value:,.2f}".translate(str.maketrans(",.", ".,"))


def amount(text: str) -> Decimal:
    return Decimal(text.strip().replace(".", "").replace(",", "."))


@pytest.fixture(scope="module")
def live_server(live_database: str, smtp: tuple[int, Inbox]) -> Iterator[LiveServer]:
    with serving_with_mail(live_database, smtp[0]) as server:
        yield server


@pytest.fixture(scope="module")
def world(live_server: LiveServer) -> dict[str, object]:
    """The Land as issue 13 needs it, built through the service functions; incidents written silently."""
    with live_server.session() as db:
        p = build_personas(db)
        p.orgs["gemeinde_a1"].name = "Kleinmusterdorf"
        p.orgs["kreis_a"].name = "Beispielkreis"
        p.orgs["provider_x"].name = "Sicher IR GmbH"
        p.orgs["mirt"] = orgs_service.create_org(db, key="mirt", kind=OrgKind.mirt, name="MIRT Testland",
                                                 parent=p.orgs["land"])
        mirt_user = User(org=p.orgs["mirt"], email="mirt_member@example.test", name="mirt_member",
                         role=Role.member, password_hash=password_hash())
        db.add(mirt_user)
        p.users["mirt_member"] = mirt_user
        p.users["gemeinde_a1_member"].may_accept_costs = True
        db.flush()
        keeper = p.actor("land_cert_admin")
        providers_service.update_provider(db, actor=keeper, org_id=p.orgs["mirt"].id, data=ProviderIn(
            skills=[Skill.incident_lead], on_call_phone="+49 6131 111"))
        providers_service.update_provider(db, actor=keeper, org_id=p.orgs["provider_x"].id, data=ProviderIn(
            qualifications=["BSI-qualifizierter APT-Response-Dienstleister"],
            skills=[Skill.incident_lead, Skill.host_forensics], region_ids=[p.orgs["kreis_a"].id],
            on_call_phone=ON_CALL,
            people=[PersonIn(name="Frieda Forensik", skills=[Skill.host_forensics],
                             user_id=p.users["provider_x"].id),
                    PersonIn(name="Leo Leitung", skills=[Skill.incident_lead])]))
        today = utcnow().date()
        contracts_service.create_contract(db, actor=keeper, contract_in=ContractIn(
            title="Rahmenvertrag Vorfallsbearbeitung", provider_org_key="provider_x",
            valid_from=today - timedelta(days=90), valid_until=today + timedelta(days=365),
            rates=[RateIn(role=ROLE, hourly_rate=HOURLY, daily_flat_rate=DAILY, travel_flat_rate=TRAVEL)]))
        contracts_service.set_contingent(db, actor=keeper, org_key="kreis_a", year=today.year,
                                         unit=ContingentUnit.euros, amount=str(CONTINGENT))
        with incident_notifications.silenced():
            incident = report(p, title=TITLE, severity="critical")
            other_own = report(p, category="phishing", title="Phishing beim Bauamt", ransom_note=False)
            kreis_b = report(p, who="gemeinde_b1_member", category="phishing", title="Phishing-Welle in B",
                             ransom_note=False)
        db.commit()
        return {
            "email": {name: u.email for name, u in p.users.items()},
            "org_id": {key: org.id for key, org in p.orgs.items()},
            "incident": incident.id, "other_own": other_own.id, "kreis_b": kreis_b.id,
            "people": {person.name: person.id for person in db.get(ProviderProfile, p.orgs["provider_x"].id).people},
        }


def _contingent_row(page, url: str) -> tuple[Decimal, Decimal, Decimal]:  # noqa: ANN001
    """(Verbraucht, Reserviert, Frei) of Beispielkreis's own row on the overview."""
    page.goto(url + "/contingents")
    section = page.locator("h2:has-text('Beispielkreis') + table")
    row = section.locator("tbody tr", has_text="Beispielkreis").first
    cells = row.locator("td")
    assert cells.nth(1).inner_text().strip() == "Euro"
    assert amount(cells.nth(2).inner_text()) == CONTINGENT
    return amount(cells.nth(3).inner_text()), amount(cells.nth(4).inner_text()), amount(cells.nth(5).inner_text())


def _count(live_server: LiveServer, model) -> int:  # noqa: ANN001
    with live_server.session() as db:
        return db.scalar(select(func.count()).select_from(model))


def _fill_request(page, *, accept: bool) -> None:  # noqa: ANN001
    form = page.locator("#hilfe-anfordern")
    form.locator("input[name=skills][value=incident_lead]").check()
    form.locator("input[name=skills][value=host_forensics]").check()
    page.select_option("#help-urgency", "critical")
    page.select_option("#help-mode", "on_site")
    page.fill("#help-estimate", "5000")
    page.fill("#help-description", "Fileserver und Arbeitsplätze verschlüsselt, Netz getrennt.")
    if accept:
        form.locator("input[name=cost_accepted]").check()
    form.locator("button[type=submit]").click()


def test_done_when_kleinmusterdorf_gets_help_and_pays_for_what_it_used(  # noqa: PLR0915
        browser, live_server, world, smtp) -> None:  # noqa: ANN001
    url = live_server.url
    tz = live_server.settings.tz
    people = world["email"]
    case_url = f"{url}/incidents/{world['incident']}"
    today = utcnow().astimezone(tz).date()  # days of reports and hours are the municipality's local days
    yesterday = today - timedelta(days=1)

    cert = live_server.logged_in(browser, people["land_cert_analyst"])
    used_before, reserved_before, left_before = _contingent_row(cert, url)
    assert (used_before, reserved_before, left_before) == (Decimal("0.00"), Decimal("0.00"), CONTINGENT)

    # 1. Kleinmusterdorf asks for on-site help; without the cost acceptance nothing is written.
    town = live_server.logged_in(browser, people["gemeinde_a1_member"])
    town.goto(case_url)
    with town.expect_response(lambda r: r.request.method == "POST") as refused:
        _fill_request(town, accept=False)
    assert refused.value.status == 422
    town.locator("#hilfe [role=alert]").wait_for()
    assert town.inner_text("#hilfe [role=alert]") == \
        "Ohne Erklärung der Kostenübernahme kann keine Hilfe angefordert werden."
    assert _count(live_server, HelpRequest) == 0
    _fill_request(town, accept=True)
    town.wait_for_url(f"{case_url}#hilfe")
    card = town.locator("#hilfe article.help-request")
    assert card.count() == 1
    help_id = int(card.get_attribute("id").removeprefix("hilfe-"))
    assert card.locator(".help-state").inner_text() == "Angefordert"
    assert "vor Ort" in card.inner_text() and "Host-Forensik, Vorfallsleitung" in card.inner_text()
    with live_server.session() as db:
        stored = db.get(HelpRequest, help_id)
        assert stored.cost_accepted_at is not None and stored.estimate == ESTIMATE
        assert stored.org_id == world["org_id"]["gemeinde_a1"]

    # 2. The Landes-CERT sees Beispielkreis's contingent left, approves and assigns the certified provider.
    cert.goto(case_url)
    card = cert.locator(f"#hilfe-{help_id}")
    assert f"Im Kontingent frei: {german(CONTINGENT)} Euro" in card.inner_text()
    card.locator("form[action$='/approve'] button").click()
    cert.wait_for_url(f"{case_url}#hilfe")
    card = cert.locator(f"#hilfe-{help_id}")
    assert card.locator(".help-state").inner_text() == "Genehmigt"
    assert card.locator("form[action$='/approve']").count() == 0  # approved once, the button is gone
    options = card.locator(f"#assign-{help_id} option").all_inner_texts()
    assert "Sicher IR GmbH" in options and "MIRT Testland" in options
    card.locator(f"#assign-{help_id}").select_option(label="Sicher IR GmbH")
    card.locator("form[action$='/assign'] button").click()
    cert.wait_for_url(f"{case_url}#hilfe")
    card = cert.locator(f"#hilfe-{help_id}")
    assert card.locator(".help-state").inner_text() == "Beauftragt"
    assert "Beauftragt: Sicher IR GmbH" in card.inner_text()
    assert _contingent_row(cert, url) == (Decimal("0.00"), ESTIMATE, CONTINGENT - ESTIMATE)

    # 3. The provider's user sees exactly that incident and no other: start page, /help, /incidents.
    provider = live_server.logged_in(browser, people["provider_x"])  # lands on the start page
    for path in ("/", "/help"):
        provider.goto(url + path)
        rows = provider.locator("table.help-requests tbody tr")
        assert rows.count() == 1, path
        assert TITLE in rows.first.inner_text() and "Kleinmusterdorf" in rows.first.inner_text(), path
        assert "Phishing" not in provider.inner_text("main"), path
    provider.goto(url + "/incidents")
    rows = provider.locator("table tbody tr")
    assert rows.count() == 1 and TITLE in rows.first.inner_text()
    assert provider.locator(f"a[href='/incidents/{world['incident']}']").count() == 1
    assert "Phishing" not in provider.inner_text("main")
    for other in (world["other_own"], world["kreis_b"]):
        assert provider.goto(f"{url}/incidents/{other}").status == 404

    # 4. The provider accepts with a team and an arrival, the helpers arrive, a status report and two days.
    provider.goto(case_url)
    card = provider.locator(f"#hilfe-{help_id}")
    shown = provider.content()  # a provider sees no contingent numbers
    assert german(CONTINGENT) not in shown and german(CONTINGENT - ESTIMATE) not in shown
    assert "Im Kontingent frei" not in shown
    card.locator(f"#team-{help_id}-0-person").select_option(label="Frieda Forensik")
    card.locator(f"#team-{help_id}-0-role").select_option(ROLE)
    card.locator(f"#team-{help_id}-1-person").select_option(label="Leo Leitung")
    card.locator(f"#team-{help_id}-1-role").select_option(ROLE)
    arrival = (utcnow() + timedelta(hours=2)).astimezone(tz)
    card.locator(f"#arrival-{help_id}").fill(arrival.strftime("%Y-%m-%dT%H:%M"))
    card.locator("form[action$='/accept'] button[type=submit]").click()
    provider.wait_for_url(f"{case_url}#hilfe")
    card = provider.locator(f"#hilfe-{help_id}")
    assert card.locator(".help-state").inner_text() == "Angenommen"
    assert f"Geplante Ankunft: {arrival:%d.%m.%Y %H:%M}" in card.inner_text()
    card.locator("form[action$='/deploy'] button").click()
    provider.wait_for_url(f"{case_url}#hilfe")
    card = provider.locator(f"#hilfe-{help_id}")
    assert card.locator(".help-state").inner_text() == "Im Einsatz"
    card.locator("a:has-text('Zum Einsatz')").click()
    provider.wait_for_url(f"{url}/deployments/*")
    deployment_url = provider.url.split("#")[0]
    deployment_id = int(deployment_url.rsplit("/", 1)[1])
    assert provider.inner_text("#state") == "Im Einsatz"
    team = provider.inner_text("#team table")
    assert "Frieda Forensik" in team and "Leo Leitung" in team and ROLE in team
    provider.goto(url + "/deployments")
    board = provider.locator("#board tbody tr")
    assert board.count() == 1 and TITLE in board.first.inner_text() and "Kleinmusterdorf" in board.first.inner_text()
    provider.goto(deployment_url)

    provider.fill("#report-day", today.isoformat())
    provider.fill("#conditions", "Fileserver verschlüsselt, Domäne kompromittiert.")
    provider.fill("#actions", "Images der Server gezogen, Domänencontroller isoliert.")
    provider.fill("#needs", "Saubere Installationsmedien, Zugang zum Serverraum ab 7 Uhr.")
    provider.click("#report-form button[type=submit]")
    provider.wait_for_url(f"{deployment_url}#lage")
    report_text = provider.inner_text("#lage")
    assert "Domänencontroller isoliert" in report_text and "Saubere Installationsmedien" in report_text

    hours = [(yesterday, "8", Decimal("8"), True), (today, "6,5", Decimal("6.5"), False)]
    for day, typed, _, travel in hours:
        provider.select_option("#entry-member", label="Frieda Forensik")
        provider.fill("#entry-day", day.isoformat())
        provider.fill("#entry-role", ROLE)
        provider.fill("#entry-hours", typed)
        travel_box = provider.locator("#entry-form input[name=travel]")
        if travel:
            travel_box.check()
        provider.click("#entry-form button[type=submit]")
        provider.wait_for_url(f"{deployment_url}#stunden")
    entries = provider.locator("#time-entries tbody tr")
    assert entries.count() == 2
    states = provider.locator("#time-entries tbody tr td:nth-child(7)").all_inner_texts()
    assert [s.strip() for s in states] == ["offen", "offen"]
    expected = sum((h * HOURLY + (TRAVEL if travel else Decimal("0")) for _, _, h, travel in hours), Decimal("0"))
    assert expected == Decimal("2355.00")  # 8 × 150 + 180 + 6,5 × 150

    # The MIRT user sees none of it.
    mirt = live_server.logged_in(browser, people["mirt_member"])
    mirt.goto(url + "/help")
    assert mirt.locator("table.help-requests").count() == 0 and "Keine Hilfeersuchen." in mirt.inner_text("main")
    mirt.goto(url + "/incidents")
    assert "Keine Vorfälle." in mirt.inner_text("main") and TITLE not in mirt.content()
    assert mirt.goto(case_url).status == 404
    assert mirt.goto(deployment_url).status == 404
    mirt.goto(url + "/deployments")
    assert mirt.locator("#board").count() == 0 and "Keine Einsätze." in mirt.inner_text("main")

    # 5. Kleinmusterdorf confirms both entries.
    town.goto(deployment_url)
    for _ in hours:
        town.locator("#time-entries form[action$='/confirm'] button").first.click()
        town.wait_for_url(f"{deployment_url}#stunden")
    states = town.locator("#time-entries tbody tr td:nth-child(7)").all_inner_texts()
    assert len(states) == 2 and all(s.strip() == "bestätigt" for s in states), states
    with live_server.session() as db:
        assert {e.state for e in db.scalars(select(TimeEntry))} == {"confirmed"}

    # 6. Hand-over: the team departs, the checklist is done, both sides sign; the second signature closes.
    provider.goto(deployment_url)
    provider.click("#uebergabe form[action$='/depart'] button")
    provider.wait_for_url(f"{deployment_url}#uebergabe")
    town.goto(deployment_url)
    items = town.locator("#checklist tbody tr")
    assert items.count() >= 1
    for i in range(items.count()):
        row = town.locator("#checklist tbody tr").nth(i)
        row.locator("input[name=confirmed_by]").fill("Frau Klein, Hauptamt")
        row.locator("button:has-text('erledigt')").click()
        town.wait_for_url(f"{deployment_url}#uebergabe")
    done = town.locator("#checklist tbody tr td:nth-child(3)").all_inner_texts()
    assert done and all(t.strip() == "ja" for t in done)
    town.click("#uebergabe form[action$='/signoff'] button")
    town.wait_for_url(f"{deployment_url}#uebergabe")
    assert "Kommune" in town.inner_text("#signoffs")
    cert.goto(deployment_url)
    cert.click("#uebergabe form[action$='/signoff'] button")
    cert.wait_for_url(f"{deployment_url}#uebergabe")
    signed = cert.inner_text("#signoffs")
    assert "Kommune" in signed and "CERT" in signed
    with live_server.session() as db:
        closed = db.get(Deployment, deployment_id)
        assert closed.state == DeploymentState.closed
        assert db.get(HelpRequest, help_id).state == HelpState.closed
    assert f"Gesamtbetrag: {german(expected)} €" in cert.inner_text("#kosten")

    town.goto(f"{deployment_url}/costs")
    assert town.locator("table.costs tfoot strong").inner_text() == german(expected)
    assert "Kleinmusterdorf" in town.inner_text("main") and "Sicher IR GmbH" in town.inner_text("main")
    pdf = town.request.get(f"{deployment_url}/costs.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    raw = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body())).pages)
    for day in (yesterday, today):  # a line's date and kind are never broken over two lines
        assert f"{day:%d.%m.%Y}" in raw
    assert "Reisepauschale 1,00" in raw
    assert f"Zeitraum {yesterday:%d.%m.%Y} – {today:%d.%m.%Y}" in raw  # the period covers every billed day
    text = " ".join(raw.split())
    assert f"Gesamtbetrag (EUR) {german(expected)}" in text and "Kommune Kleinmusterdorf" in text
    assert f"Angerechnet {german(expected)} Euro" in text
    assert f"Übrig vor dem Einsatz {german(CONTINGENT)} Euro" in text  # not less the help's own reservation
    assert f"Übrig danach {german(CONTINGENT - expected)} Euro" in text
    assert _contingent_row(cert, url) == (used_before + expected, Decimal("0.00"), left_before - expected)
    kreis = live_server.logged_in(browser, people["kreis_a_admin"])
    assert _contingent_row(kreis, url)[2] == left_before - expected
    seedorf = live_server.logged_in(browser, people["gemeinde_b1_member"])  # another Kreis: nothing of it
    for path in ("", "/costs", "/costs.pdf"):
        assert seedorf.request.get(deployment_url + path).status == 404, path
    assert seedorf.goto(case_url).status == 404

    # 7. Mail: the provider on assignment (with its on-call number), Kleinmusterdorf on acceptance and arrival.
    inbox = smtp[1]
    jobs_worker.run(live_server.session_factory, live_server.settings, burst=True)
    messages = [email.message_from_bytes(e.original_content, policy=email_policy.default) for e in inbox.envelopes]
    assert messages and all(len(e.rcpt_tos) == 1 for e in inbox.envelopes)
    got = [(m["To"], str(m["Subject"]), m.get_content()) for m in messages]

    def mails(to: str, subject: str) -> list[str]:
        return [body for who, subj, body in got if who == to and subject in subj]

    assignment = mails(people["provider_x"], "Einsatzauftrag: Hilfe für Kleinmusterdorf")
    assert len(assignment) == 1 and ON_CALL in assignment[0] and f"/incidents/{world['incident']}" in assignment[0]
    for writer in ("gemeinde_a1_member", "gemeinde_a1_admin"):
        assert len(mails(people[writer], "Hilfe zugesagt: Sicher IR GmbH")) == 1, writer
        assert len(mails(people[writer], "Helfer eingetroffen: Sicher IR GmbH")) == 1, writer
    nobody = {people[n] for n in ("kreis_b_admin", "gemeinde_b1_member", "mirt_member")}
    assert not nobody & {who for who, _, _ in got}
    parties = {people[n] for n in ("gemeinde_a1_member", "gemeinde_a1_admin", "land_cert_analyst",
                                   "land_cert_admin", "provider_x")}
    assert {who for who, _, _ in got} <= parties  # not even Beispielkreis's admin: the parties only
    assert len({(who, subject) for who, subject, _ in got}) == len(got)  # each notice once
    for _, _, body in got:
        assert german(CONTINGENT) not in body and "Saubere Installationsmedien" not in body
