from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from pydantic import ValidationError

from kommcert.cli.common import console, fail, n, settings, t, unit_of_work, user_by_email
from kommcert.files import Upload
from kommcert.incidents.models import Category, Severity

app = typer.Typer(no_args_is_help=True)


def _actor(db, email: str):  # noqa: ANN001, ANN202
    from kommcert.accounts import service as accounts_service

    user = user_by_email(db, email)
    return user, accounts_service.actor_for(db, user)


def _since(text: str | None) -> datetime | None:
    """An ISO time; without an offset it is local time (KOMMCERT_TIMEZONE)."""
    if not text:
        return None
    from kommcert.timefmt import zone_from_environment

    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        fail(t("--since: keine gültige Zeitangabe (Beispiel: 2026-03-01T07:30)."),
             "--since: not a valid time (example: 2026-03-01T07:30).")
        raise  # unreachable
    return value if value.tzinfo is not None else value.replace(tzinfo=zone_from_environment())


def _files(paths: list[Path] | None) -> list[Upload]:
    uploads = []
    for path in paths or []:
        try:
            uploads.append(Upload(path.name, "application/octet-stream", path.read_bytes()))
        except OSError as exc:
            fail(t("Datei {name} nicht lesbar: {reason}", name=str(path), reason=exc.strerror or ""))
    return uploads


@app.command("report")
def report(
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse der meldenden Person."),
    category: Category = typer.Option(..., "--category", help="Art des Vorfalls."),
    observed: str = typer.Option("", "--observed", help="Wie haben Sie den Notfall bemerkt? Was haben Sie "
                                                        "beobachtet? (Pflicht)", show_default=False),
    systems: str = typer.Option("", "--systems", help="Welches IT-System ist betroffen? (Pflicht)",
                                show_default=False),
    since: str = typer.Option(None, "--since", help="Wann ist der Notfall eingetreten? ISO-Zeit, ohne Zone "
                                                    "Ortszeit (Standard: jetzt).", show_default=False),
    location: str = typer.Option("", "--location", help="Wo befindet sich das betroffene System? (Gebäude, Raum)",
                                 show_default=False),
    actions_taken: str = typer.Option("", "--actions-taken", help="Was wurde bereits unternommen?",
                                      show_default=False),
    reporter: str = typer.Option(None, "--reporter", help="Wer meldet? (Standard: der Name des Benutzers)",
                                 show_default=False),
    phone: str = typer.Option("", "--phone", help="Rückrufnummer (Standard: die Notfallnummer der Organisation).",
                              show_default=False),
    title: str = typer.Option("", "--title", help="Kurzer Titel (Standard: Kategorie und Organisation).",
                              show_default=False),
    severity: Severity = typer.Option(Severity.medium, "--severity", help="Schweregrad aus Sicht der Meldenden."),
    ransom_note: bool = typer.Option(False, "--ransom-note", help="Es gibt eine Lösegeldforderung."),
    data_exfiltrated: bool = typer.Option(False, "--data-exfiltrated", help="Daten wurden abgezogen oder "
                                                                            "veröffentlicht."),
    services_down: bool = typer.Option(False, "--services-down", help="Dienstleistungen für Bürgerinnen und "
                                                                      "Bürger sind ausgefallen."),
    personal_data: bool = typer.Option(False, "--personal-data", help="Personenbezogene Daten sind betroffen."),
    bsig: bool = typer.Option(False, "--bsig", help="Die Organisation fällt unter § 32 BSIG."),
    land_rules: bool = typer.Option(False, "--land-rules", help="Meldepflichten nach Landesrecht gelten."),
    for_org: str = typer.Option(None, "--for", help="Nur CERT-Hotline: Schlüssel der betroffenen Organisation, "
                                                    "für die gemeldet wird.", show_default=False),
    files: list[Path] = typer.Option(None, "--file", help="Datei anhängen (Erpresserschreiben, Bildschirmfoto), "
                                                          "mehrfach möglich.", show_default=False),
) -> None:
    """Meldet einen IT-Notfall (Vorfall) mit den Fragen der IT-Notfallkarte.

    Der Vorfall ist TLP:AMBER+STRICT: ihn sehen die Organisation, die Ebenen darüber und die CERTs.
    """
    from kommcert.incidents import service
    from kommcert.incidents.schemas import IncidentCreate
    from kommcert.sharing import service as sharing_service

    first_known_at = _since(since)
    uploads = _files(files)
    answers = {k: v for k, v in {"observed": observed, "systems": systems, "location": location,
                                 "actions_taken": actions_taken}.items() if v.strip()}
    with unit_of_work() as db:
        user, actor = _actor(db, as_user)
        owner_id = sharing_service.org_ids_by_keys(db, [for_org])[0] if for_org else None
        try:
            incident_in = IncidentCreate(
                category=category, title=title, severity=severity, reporter_name=reporter or user.name,
                callback_phone=phone, first_known_at=first_known_at, answers=answers, ransom_note=ransom_note,
                data_exfiltrated=data_exfiltrated, citizen_services_down=services_down,
                personal_data_affected=personal_data, bsig_answer=bsig, land_rules_in_scope=land_rules,
                on_behalf_of_org_id=owner_id)
        except ValidationError as exc:
            error = exc.errors()[0]
            fail(t("Ungültige Angabe bei {field}: {msg}", field=".".join(map(str, error["loc"])), msg=error["msg"]))
        incident = service.report_incident(db, actor=actor, incident_in=incident_in, uploads=uploads,
                                           max_bytes=settings().max_attachment_bytes)
        console.print(t("Vorfall {id} gemeldet: {title}", id=incident.id, title=incident.title), highlight=False)


@app.command("list")
def list_(
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse des Benutzers, dessen Sicht gezeigt wird."),
    mine: bool = typer.Option(False, "--mine", help="Nur Vorfälle der eigenen Organisation."),
    open_only: bool = typer.Option(False, "--open", help="Nur offene Vorfälle."),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="Höchstens so viele, neueste zuerst."),
) -> None:
    """Listet die Vorfälle, die der Benutzer sehen darf (neueste zuerst)."""
    from rich.table import Table
    from sqlalchemy import select

    from kommcert.incidents import service
    from kommcert.incidents.models import CATEGORY_LABELS_DE, PHASE_LABELS_DE, SEVERITY_LABELS_DE
    from kommcert.orgs.models import Organization
    from kommcert.timefmt import format_datetime, zone_from_environment

    with unit_of_work() as db:
        _, actor = _actor(db, as_user)
        items = service.list_incidents(db, actor=actor, mine=mine, open_only=open_only, limit=limit)
        names = dict(db.execute(select(Organization.id, Organization.name).where(
            Organization.id.in_({i.owner_org_id for i in items}))).all())
        table = Table(t("Nr."), t("Gemeldet"), t("Organisation"), t("Kategorie"), t("Schweregrad"), t("Phase"),
                      t("Titel"))
        tz = zone_from_environment()
        for i in items:
            table.add_row(str(i.id), format_datetime(i.reported_at, tz), names.get(i.owner_org_id, ""),
                          t(CATEGORY_LABELS_DE[Category(i.category)]), t(SEVERITY_LABELS_DE[Severity(i.severity)]),
                          t(PHASE_LABELS_DE[i.phase]), i.title)
        if items:
            console.print(table)
        console.print(n("{n} Vorfall", "{n} Vorfälle", len(items)), highlight=False)


@app.command("check-rules")
def check_rules(
    file: Path = typer.Argument(..., metavar="DATEI", help="TOML-Datei mit eigenen Fristenregeln des Landes."),
) -> None:
    """Prüft eine Datei mit Fristenregeln so, wie sie zu den mitgelieferten Regeln hinzukäme.

    Ein Fehler (unbekanntes Merkmal, unbekannter Anker, doppelte Regel …) steht in einer Zeile (Exit-Code 2).

    Sonst werden alle Regeln aufgelistet, die dann gelten.
    """
    from kommcert.errors import DomainError
    from kommcert.i18n import cli_locale
    from kommcert.incidents import deadlines

    try:
        rules = deadlines.check_rules_file(file)
    except DomainError as exc:
        fail(exc.de, exc.en)
        return
    english = cli_locale() == "en"
    for rule in rules:
        title = rule.title_en if english else rule.title_de
        console.print(f"{rule.key}: {title} ({rule.basis}) [{rule.source}]", highlight=False, markup=False)
    console.print(n("{n} Regel gültig", "{n} Regeln gültig", len(rules)), highlight=False)


@app.command("deadlines")
def deadlines_(
    incident_id: int = typer.Argument(..., metavar="NR", min=1, max=2**31 - 1, help="Nummer des Vorfalls."),
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse des Benutzers, dessen Sicht gezeigt wird."),
    text: str = typer.Option(None, "--text", help="Statt der Liste den vorausgefüllten Meldungstext dieser Frist "
                                                  "ausgeben (Schlüssel, z. B. bsig_early_warning).",
                             show_default=False),
) -> None:
    """Zeigt die gesetzlichen Meldefristen eines Vorfalls: fällig am, Stand (offen, erledigt, überfällig)."""
    from rich.table import Table

    from kommcert.i18n import cli_locale
    from kommcert.incidents import deadline_service, deadlines
    from kommcert.timefmt import format_datetime

    lang = cli_locale()
    with unit_of_work() as db:
        _, actor = _actor(db, as_user)
        cfg = settings()
        if text:
            found = deadline_service.report_text(db, actor=actor, incident_id=incident_id, key=text, lang=lang,
                                                 settings=cfg)
            console.print(found.text, highlight=False, markup=False, end="")
            return
        listed = deadline_service.list_deadlines(db, actor=actor, incident_id=incident_id)
        table = Table(t("Frist"), t("Rechtsgrundlage"), t("Fällig"), t("Stand"), t("Erledigt"))
        table.add_column(t("Schlüssel"), no_wrap=True)  # what --text takes: never broken
        for d in listed.deadlines:
            state = d.state_at(listed.now)
            word = t(deadlines.STATE_LABELS_DE[state])
            table.add_row(d.title(lang), d.basis, format_datetime(d.due_at, cfg.tz, lang),
                          f"[bold red]{word}[/]" if state == "overdue" else word,
                          format_datetime(d.done_at, cfg.tz, lang), d.rule_key)
        if listed.deadlines:
            console.print(table)
        console.print(n("{n} Frist", "{n} Fristen", len(listed.deadlines)), highlight=False)
