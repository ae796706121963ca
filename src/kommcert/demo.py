"""The fictional demo Land "Musterland": tree, contacts, one user per persona, a few reports.

Everything runs through the same service functions as real data: the tree comes from a
GV100AD file and a CSV file shipped in ``orgs/data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import Role
from kommcert.config import Settings
from kommcert.db import utcnow
from kommcert.errors import Conflict
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import ContactRole, Organization
from kommcert.orgs.schemas import ContactIn
from kommcert.reports import service as reports_service
from kommcert.reports.schemas import ReportCreate
from kommcert.sharing.tlp import TLP

LAND_KEY = "99"


@dataclass(frozen=True)
class DemoLogin:
    persona: str
    email: str
    password: str
    org_name: str
    role: Role


# persona, org key, e-mail, name, role, password
USERS = [
    ("Landes-CERT Analystin", "lcert", "analystin@lcert.musterland.example", "Lena Analyse", Role.analyst,
     "Demo-Landescert-2026"),
    ("Landes-CERT Administrator", "lcert", "admin@lcert.musterland.example", "Ali Admin", Role.admin,
     "Demo-Certadmin-2026"),
    ("Kommunal-CERT Analyst", "kcert", "analyst@kcert.musterland.example", "Kai Kommunal", Role.analyst,
     "Demo-Kommunalcert-2026"),
    ("Kreis-Administratorin (Beispielkreis)", "99101", "it@beispielkreis.example", "Karla Kreis", Role.admin,
     "Demo-Beispielkreis-2026"),
    ("VG-Administrator (Musterhausen)", "991015001", "it@vg-musterhausen.example", "Volker Verband",
     Role.admin, "Demo-Musterhausen-2026"),
    ("Gemeinde-Mitglied (Kleinmusterdorf, Beispielkreis)", "991015001001", "buero@kleinmusterdorf.example",
     "Gerda Gemeinde", Role.member, "Demo-Kleinmusterdorf-2026"),
    ("Gemeinde-Mitglied (Seedorf, Musterberg)", "991025004004", "buero@seedorf.example", "Sven See",
     Role.member, "Demo-Seedorf-2026"),
    ("Zertifizierter Dienstleister", "dl-sicher", "einsatz@sicherit.example", "Dana Dienst", Role.member,
     "Demo-Dienstleister-2026"),
    ("MIRT-Mitglied", "mirt", "team@mirt.musterland.example", "Mira Mobil", Role.member, "Demo-Mirt-2026"),
    ("IT-Dienstleister-Admin (KITM)", "kitm", "admin@kitm.example", "Ines IT", Role.admin, "Demo-Kitm-2026"),
]

CONTACTS = {
    "99101": [(ContactRole.isb, "Karla Kreis", "isb@beispielkreis.example", "06500 100-10", "0170 0000001"),
              (ContactRole.it_leitung, "Bernd Betrieb", "it@beispielkreis.example", "06500 100-20", "0170 0000002"),
              (ContactRole.verwaltungsspitze, "Landrätin Dr. Maria Muster", None, "06500 100-1", "0170 0000003")],
    "991015001": [(ContactRole.isb, "Volker Verband", "isb@vg-musterhausen.example", "06501 200-10",
                   "0171 0000004"),
                  (ContactRole.datenschutz, "Doris Datenschutz", "dsb@vg-musterhausen.example", "06501 200-30",
                   None)],
    "991015001001": [(ContactRole.verwaltungsspitze, "Ortsbürgermeister Otto Ort", None, "06501 300-1",
                      "0172 0000005")],
}


def known_logins() -> list[DemoLogin]:
    return [DemoLogin(persona, email, password, org_key, role) for persona, org_key, email, _, role, password in USERS]


def is_empty(db: Session) -> bool:
    return (db.scalar(select(func.count()).select_from(Organization)) or 0) == 0


def load(db: Session, settings: Settings | None = None) -> list[DemoLogin]:
    if not is_empty(db):
        raise Conflict("Die Datenbank enthält schon Organisationen; das Demo-Land wird nur in eine leere "
                       "Datenbank geladen.", "The database already holds organisations; the demo Land is "
                       "only loaded into an empty database.")
    data = resources.files("kommcert.orgs") / "data"
    with (data / "musterland_gv100ad.txt").open(encoding="utf-8") as stream:
        orgs_service.import_gv100ad(db, actor=None, stream=stream, name="musterland_gv100ad.txt",
                                    land_key=LAND_KEY)
    with (data / "musterland_orgs.csv").open(encoding="utf-8") as stream:
        orgs_service.import_csv(db, actor=None, stream=stream, name="musterland_orgs.csv")
    orgs = {o.key: o for o in db.scalars(select(Organization))}

    logins = []
    users = {}
    for persona, org_key, email, name, role, password in USERS:
        users[email] = accounts_service.create_user(db, actor=None, org=orgs[org_key], email=email, name=name,
                                                    role=role, password=password)
        logins.append(DemoLogin(persona, email, password, orgs[org_key].name, role))

    # The office of Kleinmusterdorf may accept the costs of help (the right its admin would give).
    users["buero@kleinmusterdorf.example"].may_accept_costs = True
    cert_admin = accounts_service.actor_for(db, users["admin@lcert.musterland.example"])
    for org_key, entries in CONTACTS.items():
        for role, name, email, phone, oob in entries:
            orgs_service.upsert_contact(db, actor=cert_admin, org_id=orgs[org_key].id, contact_in=ContactIn(
                role=role, name=name, email=email, phone=phone, phone_out_of_band=oob))

    _reports(db, orgs, users)
    from kommcert.incidents.notifications import silenced

    with silenced():  # the demo incident's history is not news: loading the demo mails nobody
        _helpers(db, orgs, users)
        incident = _incident(db, orgs, users)
        if incident is not None:
            _help_chain(db, orgs, users, incident)
        _warnings(db, orgs, users, settings)
        from kommcert.awareness import demo as awareness_demo

        awareness_demo.load(db, orgs, users)  # trainings, attendance, coverage, one phishing campaign
    return logins


def _reports(db: Session, orgs: dict[str, Organization], users: dict) -> None:  # noqa: ANN001
    """Reports of every TLP, and indicators with sightings in two of them."""
    cert = accounts_service.actor_for(db, users["analystin@lcert.musterland.example"])
    kreis = accounts_service.actor_for(db, users["it@beispielkreis.example"])
    phishing = reports_service.create_report(db, actor=cert, report_in=ReportCreate(
        title="Phishing-Welle mit gefälschten Rechnungen an Kommunalverwaltungen", tlp=TLP.green,
        summary="Seit Montag gehen E-Mails mit angeblichen Rechnungen eines Kommunalversorgers ein. "
                "Der Anhang (ZIP mit LNK-Datei) lädt Schadsoftware nach. Bitte Mitarbeitende warnen "
                "und Absenderdomänen sperren."))
    reports_service.create_report(db, actor=cert, report_in=ReportCreate(
        title="Öffentlicher Hinweis: Sicherheitsupdates für VPN-Gateways einspielen", tlp=TLP.clear,
        summary="Für verbreitete VPN-Gateways sind kritische Sicherheitsupdates erschienen."))
    portal = reports_service.create_report(db, actor=kreis, report_in=ReportCreate(
        title="Beispielkreis: Angriffsversuch auf das Bürgerportal", tlp=TLP.amber,
        audience_orgs=[orgs["99101"].id],
        summary="Auffällige Anmeldeversuche aus einem Hosting-Netz. Bitte Protokolle der eigenen Portale "
                "prüfen. Nur für den Beispielkreis und seine Gemeinden."))
    reports_service.create_report(db, actor=cert, report_in=ReportCreate(
        title="Vertraulich: Lagebild Ransomware-Vorfall (nur CERTs)", tlp=TLP.amber_strict,
        audience_orgs_strict=[orgs["kcert"].id],
        summary="Technische Details zum laufenden Vorfall; nicht weitergeben."))
    _indicators(db, cert=cert, kreis=kreis, phishing=phishing, portal=portal, users=users)


# Fictional indicators: documentation address ranges and .example names only.
PHISHING_IOCS = """
rechnung-stadtwerke.example
hxxps://rechnung-stadtwerke[.]example/download/rechnung.zip
login-buergerportal.example
203.0.113.45
203.0.113.46
198.51.100.23
2001:db8:66::17
mahnung@rechnung-stadtwerke.example
0f343b0931126a20f133d67c2b018a3b
9f86d081884c7d659a2feb0ab0b7f4a1b7c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9
"""
PORTAL_IOCS = """
198.51.100.77
198.51.100.78
scan-bot.example
"""


def _indicators(db: Session, *, cert, kreis, phishing, portal, users) -> None:  # noqa: ANN001
    import io

    from kommcert.config import Settings
    from kommcert.indicators import importing, readers
    from kommcert.indicators import sightings as sightings_service
    from kommcert.indicators.sightings import SightingIn

    lifetimes = Settings.model_fields["ioc_lifetime_days"].get_default(call_default_factory=True)
    for actor, report, text in ((cert, phishing, PHISHING_IOCS), (kreis, portal, PORTAL_IOCS)):
        importing.import_records(db, actor=actor, items=readers.read(
            "text", io.BytesIO(text.encode()), name="Demo"), options=importing.ImportOptions(
                report_id=report.id, source="Demo", lifetimes=lifetimes))
    gemeinde = accounts_service.actor_for(db, users["buero@kleinmusterdorf.example"])
    seedorf = accounts_service.actor_for(db, users["buero@seedorf.example"])
    sightings_service.record_sightings(db, actor=gemeinde, items=[
        SightingIn(key="demo-1", type="domain", value="rechnung-stadtwerke.example", count=12, log_source="DNS"),
        SightingIn(key="demo-2", type="ipv4", value="198.51.100.77", count=340, log_source="Firewall"),
    ])
    sightings_service.record_sightings(db, actor=seedorf, items=[
        SightingIn(key="demo-3", type="domain", value="rechnung-stadtwerke.example", count=3, log_source="Proxy"),
    ])
    # VG Musterhausen lets the IT service provider that serves it (KITM) see its sightings and fetches,
    # and its own firewall has seen the portal attacker: the KITM's start page has something to show.
    from kommcert.home import access

    vg = accounts_service.actor_for(db, users["it@vg-musterhausen.example"])
    access.set_access(db, actor=vg, org_id=vg.org_id, granted=True)
    sightings_service.record_sightings(db, actor=vg, items=[
        SightingIn(key="demo-4", type="ipv4", value="198.51.100.77", count=57, log_source="Firewall der VG"),
    ])
    _discussion(db, gemeinde=gemeinde, kreis=kreis, portal=portal)


def _discussion(db: Session, *, gemeinde, kreis, portal) -> None:  # noqa: ANN001
    """A Gemeinde answers its Kreis's note with a log excerpt; the Kreis thanks it."""
    from kommcert.reports import discussion
    from kommcert.reports.discussion import Upload

    # The excerpt is from two nights before the demo is loaded: every date in the demo Land is relative to
    # load time, so `make run` in a year still shows a current picture.
    night = (utcnow() - timedelta(days=2)).astimezone(ZoneInfo("Europe/Berlin"))
    night = night.replace(hour=3, minute=12, second=44, microsecond=0)
    excerpt = "".join(f"{(night + timedelta(seconds=later)).isoformat()} portal sshd[{pid}]: Failed password for "
                      f"{user} from 198.51.100.77\n" for later, pid, user in ((0, 2211, "admin"), (3, 2213, "root")))
    discussion.add_comment(db, actor=gemeinde, report=portal, max_bytes=2**20,
                           body="Auch bei uns: nächtliche Anmeldeversuche auf das Ratsinformationssystem, "
                                "Auszug anbei. Die Adresse ist in der Firewall gesperrt.",
                           uploads=[Upload("auth-auszug.log", "text/plain", excerpt.encode())])
    discussion.add_comment(db, actor=kreis, report=portal, max_bytes=2**20,
                           body="Danke! Wir haben die Adresse als Indikator aufgenommen.")


def _incident(db: Session, orgs: dict[str, Organization], users: dict):  # noqa: ANN001, ANN202
    """Ransomware in Oberbeispiel (Beispielkreis), two days in: the town hall's IT is down, so the Landes-CERT's
    hotline filed the report on its behalf; the CERT triaged it, took it and is containing it with the VG's IT
    and the municipal IT service provider. Kleinmusterdorf next door does not see it; its VG and Kreis do."""
    from kommcert.incidents import service as incidents_service
    from kommcert.incidents.models import Category, IncidentEvent, ObservableType, ParticipantRole, Phase, Severity
    from kommcert.incidents.schemas import EvidenceCreate, IncidentCreate, ObservableCreate, TaskCreate

    cert = accounts_service.actor_for(db, users["analystin@lcert.musterland.example"])
    vg = accounts_service.actor_for(db, users["it@vg-musterhausen.example"])
    owner = db.scalar(select(Organization).where(Organization.name == "Oberbeispiel"))
    if owner is None:
        return None
    now = utcnow()
    known = now - timedelta(days=2, hours=5)
    incident = incidents_service.report_incident(db, actor=cert, max_bytes=2**20, incident_in=IncidentCreate(
        category=Category.ransomware, severity=Severity.high, on_behalf_of_org_id=owner.id,
        title="Oberbeispiel: Dateien verschlüsselt, Erpresserschreiben auf allen Arbeitsplätzen",
        reporter_name="Ortsbürgermeisterin Ina Ober (per Mobiltelefon)", callback_phone="0172 0000042",
        first_known_at=known, ransom_note=True, data_exfiltrated=True, citizen_services_down=True,
        personal_data_affected=True, answers={
            "systems": "Fileserver FS01, alle sechs Arbeitsplätze im Rathaus, Einwohnermeldewesen",
            "observed": "Montag früh ließen sich keine Dokumente öffnen; alle Dateien enden auf .lockbit, auf "
                        "jedem Bildschirm liegt ein Erpresserschreiben. Die Täter drohen mit Veröffentlichung.",
            "location": "Rathaus Oberbeispiel, Serverraum im Keller",
            "actions_taken": "Netzwerkkabel des Fileservers gezogen, Rechner nicht ausgeschaltet."}))
    incident.reported_at = known + timedelta(minutes=50)  # the hotline's call came in after the first attempts
    db.flush()
    steps = [incident.reported_at]  # the time of each timeline entry, in the order they are written

    def at(delta: timedelta) -> None:
        steps.append(incident.reported_at + delta)

    incidents_service.change_phase(db, actor=cert, incident_id=incident.id, phase=Phase.triage)
    at(timedelta(minutes=12))
    incidents_service.claim(db, actor=cert, incident_id=incident.id)
    at(timedelta(minutes=13))
    incidents_service.classify(db, actor=cert, incident_id=incident.id, severity=Severity.critical)
    at(timedelta(minutes=20))
    # The VG runs the Ortsgemeinde's IT, the KITM serves the VG: both work on the case.
    for helper in (orgs["991015001"], orgs.get("kitm")):
        if helper is not None:
            incidents_service.add_participant(db, actor=cert, incident_id=incident.id, org_id=helper.id,
                                              role=ParticipantRole.support)
            at(timedelta(minutes=35))
    incidents_service.change_phase(db, actor=cert, incident_id=incident.id, phase=Phase.containment,
                                   note="Verwaltungsnetz vom Landesnetz getrennt; VPN-Zugänge gesperrt.")
    at(timedelta(hours=1))
    for kind, value, share in ((ObservableType.ip, "198.51.100.23", True),
                               (ObservableType.domain, "update-check.example.net", True),
                               (ObservableType.hash, "5f2b" * 16, False),
                               (ObservableType.account, "svc-backup (Domänenadministrator)", False)):
        incidents_service.add_observable(db, actor=cert, incident_id=incident.id,
                                         observable_in=ObservableCreate(type=kind, value=value, share=share))
        at(timedelta(hours=3))
    incidents_service.add_evidence(db, actor=vg, incident_id=incident.id, evidence_in=EvidenceCreate(
        description="Festplattenabbild des Fileservers FS01", location="Asservatenschrank Landes-CERT, Fach 3",
        sha256="9c1e" * 16, handed_from="VG Musterhausen, IT (Volker Verband)",
        handed_to="Landes-CERT (Lena Analyse)", handed_at=incident.reported_at + timedelta(hours=20)))
    at(timedelta(hours=21))
    incidents_service.add_task(db, actor=cert, incident_id=incident.id, task_in=TaskCreate(
        title="Offline-Sicherungen auf Unversehrtheit prüfen", due_at=now + timedelta(days=1),
        assignee_id=users["it@vg-musterhausen.example"].id))
    at(timedelta(hours=22))
    incidents_service.add_note(db, actor=vg, incident_id=incident.id,
                               body="Sicherung vom Freitag liegt offline vor; Prüfung läuft.")
    at(timedelta(days=1, hours=2))
    events = db.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id)
                        .order_by(IncidentEvent.id)).all()
    for event, when in zip(events, steps, strict=False):
        event.created_at = when
    incident.updated_at = steps[-1]
    db.flush()
    return incident


# The framework contracts' rate cards: role, hourly rate, daily flat rate, travel flat rate (euros).
PROVIDER_RATES = [("Vorfallsleitung", "185.00", "1400.00", "190.00"),
                  ("Incident-Responder", "160.00", "1200.00", "190.00"),
                  ("Forensiker/in", "175.00", "1300.00", "190.00")]
MIRT_RATES = [("MIRT-Einsatzleitung", "95.00", "700.00", "120.00"),
              ("MIRT-Einsatzkraft", "80.00", "600.00", "120.00")]
# Contingents of this year in euros (a Kreis's covers its municipalities), by organisation key.
CONTINGENTS = {"99101": "30000.00", "99102": "20000.00"}


def _helpers(db: Session, orgs: dict[str, Organization], users: dict) -> None:  # noqa: ANN001
    """The registry of helpers, the Land's framework contracts (valid from last year to the year after next,
    so the demo stays current) and this year's contingents."""
    from kommcert.contracts import service as contracts_service
    from kommcert.contracts.models import ContingentUnit
    from kommcert.contracts.schemas import ContractIn, RateIn
    from kommcert.providers import service as providers_service
    from kommcert.providers.models import Skill
    from kommcert.providers.schemas import PersonIn, ProviderIn

    cert_admin = accounts_service.actor_for(db, users["admin@lcert.musterland.example"])
    land = orgs.get(LAND_KEY)
    provider, mirt = orgs.get("dl-sicher"), orgs.get("mirt")
    if provider is None or mirt is None or land is None:
        return
    all_skills = list(Skill)
    providers_service.update_provider(db, actor=cert_admin, org_id=provider.id, data=ProviderIn(
        qualifications=["BSI-qualifizierter APT-Response-Dienstleister", "Vorfallsbearbeitung"],
        skills=all_skills, region_ids=[land.id], on_call_phone="+49 6131 000-299", people=[
            PersonIn(name="Dana Dienst", email="einsatz@sicherit.example", phone="+49 6131 000-201",
                     skills=[Skill.incident_lead, Skill.crisis_communication],
                     user_id=users["einsatz@sicherit.example"].id),
            PersonIn(name="Felix Forensik", email="forensik@sicherit.example", phone="+49 6131 000-202",
                     skills=[Skill.host_forensics, Skill.malware_analysis]),
            PersonIn(name="Nora Netz", email="netz@sicherit.example", phone="+49 6131 000-203",
                     skills=[Skill.network_forensics, Skill.recovery])]))
    providers_service.update_provider(db, actor=cert_admin, org_id=mirt.id, data=ProviderIn(
        qualifications=["Mobile Incident Response Team des Landes"],
        skills=[Skill.incident_lead, Skill.host_forensics, Skill.recovery], region_ids=[land.id],
        on_call_phone="+49 6131 000-499", people=[
            PersonIn(name="Mira Mobil", email="team@mirt.musterland.example", phone="+49 6131 000-401",
                     skills=[Skill.incident_lead, Skill.recovery], user_id=users["team@mirt.musterland.example"].id),
            PersonIn(name="Timo Technik", email="technik@mirt.musterland.example", phone="+49 6131 000-402",
                     skills=[Skill.host_forensics, Skill.recovery])]))
    year = utcnow().year
    start, end = utcnow().date().replace(year=year - 1, month=1, day=1), utcnow().date().replace(
        year=year + 2, month=12, day=31)
    for title, org, rates in (("Rahmenvertrag IT-Notfallhilfe (SicherIT)", provider, PROVIDER_RATES),
                              ("Kostensätze MIRT Musterland", mirt, MIRT_RATES)):
        contracts_service.create_contract(db, actor=cert_admin, contract_in=ContractIn(
            title=title, provider_org_key=org.key, valid_from=start, valid_until=end,
            rates=[RateIn(role=role, hourly_rate=hourly, daily_flat_rate=daily, travel_flat_rate=travel)
                   for role, hourly, daily, travel in rates]))
    for key, amount in CONTINGENTS.items():
        if key in orgs:
            contracts_service.set_contingent(db, actor=cert_admin, org_key=key, year=year, unit=ContingentUnit.euros,
                                             amount=amount)


def _help_chain(db: Session, orgs: dict[str, Organization], users: dict, incident) -> None:  # noqa: ANN001
    """On the Oberbeispiel incident: the mayor (by phone to the hotline: her account has no password) asked for
    on-site help and accepted the costs, the Landes-CERT approved it against the Beispielkreis contingent and
    sent the MIRT, which has been on site since yesterday morning: two days of status reports and hours, the
    first day's confirmed by the municipality, today's waiting for it."""
    from kommcert.deployments import service as deployments_service
    from kommcert.deployments.schemas import StatusReportIn, TimeEntryIn
    from kommcert.helprequests import service as help_service
    from kommcert.helprequests.models import HelpMode, HelpRequest, Urgency
    from kommcert.helprequests.schemas import AcceptIn, HelpRequestIn, TeamMemberIn
    from kommcert.incidents.models import EventKind, IncidentEvent
    from kommcert.providers.models import ProviderPerson, Skill

    mirt = orgs.get("mirt")
    if mirt is None:
        return
    owner = db.get(Organization, incident.owner_org_id)
    assert owner is not None
    mayor_user = accounts_service.create_user(db, actor=None, org=owner, email="buergermeisterin@oberbeispiel.example",
                                              name="Ina Ober", role=Role.admin, password=None)
    mayor = accounts_service.actor_for(db, mayor_user)
    cert = accounts_service.actor_for(db, users["analystin@lcert.musterland.example"])
    team = accounts_service.actor_for(db, users["team@mirt.musterland.example"])
    first = db.scalar(select(func.max(IncidentEvent.id)).where(IncidentEvent.incident_id == incident.id)) or 0

    request = help_service.request_help(db, actor=mayor, incident_id=incident.id, request_in=HelpRequestIn(
        skills=[Skill.incident_lead, Skill.host_forensics, Skill.recovery], urgency=Urgency.critical,
        mode=HelpMode.on_site, estimate="6000.00", cost_accepted=True,
        description="Wiederaufbau von Fileserver und Arbeitsplätzen, Sicherung der Spuren, Begleitung bis zur "
                    "Wiederanbindung an das Landesnetz."))
    help_service.approve(db, actor=cert, help_request_id=request.id)
    help_service.assign(db, actor=cert, help_request_id=request.id, assignee_org_id=mirt.id)
    people = {p.name: p for p in db.scalars(select(ProviderPerson).where(ProviderPerson.provider_org_id == mirt.id))}
    now = utcnow()
    yesterday = now - timedelta(days=1)
    # The history in the order it was written: after the incident's last entry (a day and two hours after the
    # report) the mayor asked, within the hour the CERT approved and sent the MIRT, on site a day ago.
    last = max(e.created_at for e in db.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id,
                                                                             IncidentEvent.id <= first)))
    times = [last + timedelta(minutes=m) for m in (10, 25, 30, 45)]
    arrival = max(min(times[-1] + timedelta(hours=2), yesterday), times[-1] + timedelta(minutes=5))
    help_service.accept(db, actor=team, help_request_id=request.id, accept_in=AcceptIn(
        planned_arrival_at=arrival, team=[TeamMemberIn(person_id=people["Mira Mobil"].id, role="MIRT-Einsatzleitung"),
                                          TeamMemberIn(person_id=people["Timo Technik"].id, role="MIRT-Einsatzkraft")]))
    deployment = help_service.deploy(db, actor=team, help_request_id=request.id, arrived_at=arrival)
    deployment.created_at = arrival
    lead, tech = deployment.members
    reports = [
        (yesterday.date(), "Fileserver FS01 und sechs Arbeitsplätze verschlüsselt, vom Netz getrennt. Sicherung vom "
                           "Freitag liegt offline vor.",
         "Spuren gesichert (Abbild FS01 an das Landes-CERT übergeben), Domänenkonten gesperrt, Wiederaufbau des "
         "Fileservers aus der Sicherung begonnen.", "Neue Hardware für zwei Arbeitsplätze (Bestellung durch die VG)."),
        (now.date(), "Fileserver aus der Sicherung wiederhergestellt und geprüft; vier Arbeitsplätze neu aufgesetzt.",
         "Kennwörter aller privilegierten Konten geändert, EDR auf den neuen Systemen aktiv, Einwohnermeldewesen im "
         "Test.", "Freigabe der Kommune für den Test des Einwohnermeldewesens."),
    ]
    for day, conditions, actions, needs in reports:
        deployments_service.report_status(db, actor=team, deployment_id=deployment.id, report_in=StatusReportIn(
            day=day, conditions=conditions, actions=actions, needs=needs))
    entries = [(lead, yesterday.date(), "MIRT-Einsatzleitung", "9.5", True),
               (tech, yesterday.date(), "MIRT-Einsatzkraft", "9.5", True),
               (lead, now.date(), "MIRT-Einsatzleitung", "7", False),
               (tech, now.date(), "MIRT-Einsatzkraft", "8", False)]
    recorded = [deployments_service.record_time(db, actor=team, deployment_id=deployment.id, entry_in=TimeEntryIn(
        member_id=member.id, day=day, role=role, hours=hours, travel=travel)) for member, day, role, hours, travel
        in entries]
    for entry in recorded[:2]:
        deployments_service.confirm_time(db, actor=mayor, deployment_id=deployment.id, entry_id=entry.id)

    found = db.get(HelpRequest, request.id)
    assert found is not None
    found.requested_at = found.cost_accepted_at = times[0]
    found.approved_at, found.assigned_at, found.accepted_at = times[1:]
    when = {EventKind.help_requested: times[0], EventKind.help_approved: times[1],
            EventKind.participant_added: times[2], EventKind.help_assigned: times[2],
            EventKind.help_accepted: times[3]}
    for event in db.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id,
                                                        IncidentEvent.id > first).order_by(IncidentEvent.id)):
        event.created_at = when.get(EventKind(event.kind), arrival)
    incident.updated_at = arrival
    db.flush()


# Inventories of the warning service: (org key, vendor, product, version, CPE, count, where used). Kleinmusterdorf
# runs the Exchange the first warning is about, Seedorf does not (it runs the Ivanti and Apache of others).
INVENTORIES = [
    ("991015001001", "Microsoft", "Exchange Server 2019", "15.2.1118.7",
     "cpe:2.3:a:microsoft:exchange_server:2019:*:*:*:*:*:*:*", 1, "Rathaus, Serverraum"),
    ("991015001001", "Apache Software Foundation", "HTTP Server", "2.4.62", "", 1, "Bürgerportal"),
    ("991015001001", "Microsoft", "Windows Server 2019", "10.0.17763", "", 3, "Rathaus"),
    ("991015001002", "Citrix", "NetScaler ADC", "14.1-4.42", "", 2, "Fernzugang der Verwaltung"),
    ("991015001002", "Fortinet", "FortiOS", "7.4.3", "", 1, "Firewall Rathaus"),
    ("991015001002", "Veeam", "Backup & Replication", "12.1.2.172", "", 1, "Datensicherung"),
    ("991015002005", "Rockwell Automation", "Factory Talk View SE", "V13.00", "", 1, "Leitstand Kläranlage"),
    ("991025004004", "Ivanti", "Connect Secure", "22.5R2", "", 1, "VPN für das Homeoffice"),
    ("991025004004", "Apache Software Foundation", "HTTP Server", "2.4.58", "", 1, "Webserver Tourismus"),
    ("991025003001", "Fortinet", "FortiOS", "7.2.5", "", 1, "Firewall Verwaltung"),
    ("99101", "Microsoft", "Exchange Server 2016", "15.1.2507.35",
     "cpe:2.3:a:microsoft:exchange_server:2016:*:*:*:*:*:*:*", 1, "Kreisverwaltung"),
]
# (org key, tracking id, status, comment): one of every state; the rest of the affected stay without one (offen).
STATUSES = [
    ("991015001001", "WID-MUSTER-2026-0101", "in_progress", "Update auf CU14 für Donnerstagabend geplant."),
    ("991015001002", "WID-MUSTER-2026-0102", "done", "Auf 14.1-12.35 aktualisiert, Sitzungen beendet."),
    ("991025003001", "WID-MUSTER-2026-0103", "not_affected", "SSL-VPN ist seit 2023 abgeschaltet."),
    ("991025004004", "WID-MUSTER-2026-0106", "open", "Dienstleister ist informiert."),
    ("99101", "WID-MUSTER-2026-0101", "done", "Sicherheitsupdate eingespielt."),
]


def _warnings(db: Session, orgs: dict[str, Organization], users: dict, settings: Settings | None) -> None:  # noqa: ANN001
    """The warning service: a CSAF source with six documents, inventories of several municipalities (matched
    as they are stored), statuses in every state, one published own warning of the Land-CERT and a draft."""
    import json

    from kommcert.advisories import demo_documents, ingest
    from kommcert.advisories import status as status_service
    from kommcert.advisories.models import Advisory, CsafSource
    from kommcert.inventory import catalog
    from kommcert.inventory import service as inventory_service
    from kommcert.inventory.schemas import ItemIn

    cert = orgs["lcert"]
    analyst = accounts_service.actor_for(db, users["analystin@lcert.musterland.example"])
    catalog.add_alias(db, actor=analyst, kind="product", vendor="Rockwell Automation", alias="Factory Talk View SE",
                      canonical="FactoryTalk View SE")
    now = utcnow()
    source = CsafSource(
        name="Warndienst Musterland (Beispieldaten)", kind="provider", owner_org_id=cert.id, enabled=False,
        url="https://wid.musterland.example/.well-known/csaf/provider-metadata.json", interval_minutes=60,
        last_pull_at=now - timedelta(minutes=40), last_success_at=now - timedelta(minutes=40),
        last_counts={"new": len(demo_documents.ADVISORIES), "updated": 0, "quarantined": 0})
    db.add(source)
    db.flush()
    keepers = {}  # who keeps each inventory: a demo login where there is one, else the office (no password)
    for org_key in dict.fromkeys(key for key, *_ in INVENTORIES):
        org = orgs[org_key]
        login = next((u for u in users.values() if u.org_id == org.id), None)
        keepers[org_key] = login or accounts_service.create_user(
            db, actor=None, org=org, email=f"it@{org_key}.musterland.example", name=f"IT {org.name}",
            role=Role.member, password=None)
    for org_key, vendor, product, version, cpe, count, where in INVENTORIES:
        inventory_service.add_item(db, actor=accounts_service.actor_for(db, keepers[org_key]), org_id=orgs[org_key].id,
                                   item_in=ItemIn(vendor=vendor, product=product, version=version, cpe=cpe,
                                                  count=count, where_used=where))
    for doc in demo_documents.documents(now):
        ingest.ingest(db, raw=json.dumps(doc, ensure_ascii=False).encode(), name=doc["document"]["tracking"]["id"],
                      source=source, signature_checked=True)
    for org_key, tracking_id, state, comment in STATUSES:
        advisory = db.scalar(select(Advisory).where(Advisory.tracking_id == tracking_id))
        status_service.set_status(db, actor=accounts_service.actor_for(db, keepers[org_key]), advisory_id=advisory.id,
                                  status=state, comment=comment)
    _own_warnings(db, analyst, settings)


def _own_warnings(db: Session, analyst, settings: Settings | None) -> None:  # noqa: ANN001
    from kommcert.advisories import authoring
    from kommcert.advisories.authoring import CveIn, ProductIn, WarningIn
    from kommcert.config import load_settings

    settings = settings or load_settings(env="dev")
    if not (settings.csaf_publisher_namespace or settings.base_url):
        settings = settings.model_copy(update={"csaf_publisher_namespace": "https://kommcert.musterland.example"})
    published = authoring.create_warning(db, actor=analyst, settings=settings, warning_in=WarningIn(
        title="Veeam Backup & Replication: Codeausführung ohne Anmeldung – Datensicherungen in Gefahr",
        risk="kritisch", tlp=TLP.green,
        description="Eine Schwachstelle in Veeam Backup & Replication erlaubt es einem Angreifer im Netz, ohne "
                    "Anmeldung Code auf dem Sicherungsserver auszuführen. Ransomware-Gruppen nutzen sie, um vor der "
                    "Verschlüsselung die Datensicherungen zu löschen.",
        measures="Aktualisieren Sie auf Version 12.2.0.334 oder neuer. Trennen Sie den Sicherungsserver von der "
                 "Domäne und halten Sie eine Sicherung offline vor.",
        products=[ProductIn(vendor="Veeam", product="Backup & Replication", version="<12.2.0.334",
                            fixed="12.2.0.334")],
        cves=[CveIn(id="CVE-2024-40711", cvss3="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")]))
    authoring.publish_warning(db, actor=analyst, advisory_id=published.id, settings=settings)
    authoring.create_warning(db, actor=analyst, settings=settings, warning_in=WarningIn(
        title="Fernwartungszugänge absichern (Entwurf)", risk="mittel", tlp=TLP.amber,
        description="Mehrere Kommunen lassen Dienstleister über dauerhaft offene Fernwartungszugänge ein.",
        measures="Zugänge nur bei Bedarf freischalten, Mehr-Faktor-Anmeldung verlangen, Sitzungen protokollieren."))
