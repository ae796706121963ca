"""``kommcert awareness import-gophish|events|coverage|export``: phishing campaigns, the calendar, coverage."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape

from kommcert.cli.common import actor_by_email, console, fail, org_id_or_own, t, unit_of_work

app = typer.Typer(no_args_is_help=True)


class Table(StrEnum):
    termine = "termine"
    teilnahme = "teilnahme"
    abdeckung = "abdeckung"
    abdeckung_gebiete = "abdeckung-gebiete"
    phishing = "phishing"
    bereitschaft = "bereitschaft"


@app.command("import-gophish")
def import_gophish(
    file: Path = typer.Argument(..., metavar="DATEI",
                                help="GoPhish-Ergebnisse: CSV-Export (Results) oder JSON der API."),
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse des Benutzers, in dessen Namen eingelesen wird."),
    org: str = typer.Option(None, "--org", help="Schlüssel der Organisation (Vorgabe: die des Benutzers)."),
    name: str = typer.Option("", "--name", help="Name der Kampagne (Vorgabe: aus der Datei)."),
) -> None:
    """Liest eine GoPhish-Kampagne ein und behält nur Summen.

    Gespeichert werden je Organisation und Kampagne: versandt, geöffnet, geklickt, Daten eingegeben, gemeldet –
    je Gruppe (GoPhish-Feld position) mit mehr als fünf Empfängern; kleinere Gruppen werden zusammengefasst.
    Nichts über einzelne Personen wird gespeichert.
    """
    from kommcert.awareness import phishing

    if not file.is_file():
        fail(t("Datei nicht gefunden: {path}", path=file))
    data = file.read_bytes()
    with unit_of_work() as db:
        actor = actor_by_email(db, as_user)
        campaign = phishing.import_campaign(db, actor=actor, org_id=org_id_or_own(db, actor, org), data=data, name=name,
                                            filename=file.stem)
        console.print(t("Kampagne {id} eingelesen: {name} – {recipients} Empfänger, {clicked} geklickt, {reported} "
                        "gemeldet; {merged} kleine Gruppen zusammengefasst.", id=campaign.id, name=campaign.name,
                        recipients=campaign.recipients, clicked=campaign.clicked, reported=campaign.reported,
                        merged=campaign.merged_groups), highlight=False, markup=False)


@app.command("events")
def events(
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse des Benutzers, dessen Sicht gezeigt wird."),
) -> None:
    """Zeigt den Schulungskalender (Beginn, Titel, Veranstalter, freie Plätze)."""
    from kommcert import timefmt
    from kommcert.awareness import catalogue

    with unit_of_work() as db:
        rows = catalogue.list_events(db, actor_by_email(db, as_user))
        if not rows:
            console.print(t("Keine Termine."))
        zone = timefmt.zone_from_environment()
        for r in rows:
            when = timefmt.format_datetime(r.event.starts_at, zone, "de")
            console.print(f"{r.event.id}\t{when}\t{r.event.title}\t{r.organiser}\t{r.free}/{r.event.capacity}",
                          highlight=False, markup=False)


@app.command("coverage")
def coverage_command(
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse des Benutzers, dessen Sicht gezeigt wird."),
) -> None:
    """Zeigt die Abdeckung: Anteil geschult in den letzten 12 Monaten je Organisation, Kreis und Land."""
    from kommcert.awareness import coverage

    with unit_of_work() as db:
        view = coverage.coverage(db, actor_by_email(db, as_user))
        for area in view.kreise + ([view.land] if view.land else []):
            share = "–" if area.share is None else f"{area.share} %"
            console.print(f"[bold]{escape(t(area.name) if area.area_id is None else area.name)}[/]: {share} "
                          f"({area.trained}/{area.headcount})", highlight=False)
        for o in view.orgs:
            share = "–" if o.share is None else f"{o.share} %"
            console.print(f"  {o.name} | {o.kreis_name or '–'} | {share} | {t(coverage.STATUS_LABELS_DE[o.status])}",
                          highlight=False, markup=False)


@app.command("export")
def export(
    table: Table = typer.Argument(..., help="Tabelle: termine, teilnahme, abdeckung, abdeckung-gebiete, phishing, "
                                            "bereitschaft."),
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse des Benutzers, dessen Sicht exportiert wird."),
) -> None:
    """Gibt eine Tabelle als CSV aus (Trennzeichen ;, Formeln entschärft)."""
    from kommcert import i18n, timefmt
    from kommcert.awareness import csv_export
    from kommcert.i18n import cli_locale

    with unit_of_work() as db:
        text = csv_export.export(db, actor=actor_by_email(db, as_user), table=table.value,
                                 gettext=i18n.gettext_for(cli_locale()), tz=timefmt.zone_from_environment(), via="cli")
        typer.echo(text, nl=False)
