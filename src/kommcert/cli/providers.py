"""``kommcert providers``: the registry of helpers (certified providers and the MIRT)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from kommcert.cli.common import console, fail, t, unit_of_work
from kommcert.providers import service as providers_service
from kommcert.providers.models import SKILL_LABELS_DE, Skill

app = typer.Typer(no_args_is_help=True)


@app.command("import")
def import_providers(
    file: Path = typer.Argument(..., metavar="DATEI",
                                help="CSV mit den Spalten organisation;person;qualifikationen;fähigkeiten;…"),
) -> None:
    """Lädt Dienstleister und das MIRT mit Qualifikationen, Fähigkeiten, Regionen und Personen.

    Spalten: organisation (Schlüssel), person, qualifikationen, fähigkeiten, regionen (Schlüssel von
    Land oder Kreisen), rufbereitschaft, e-mail, telefon, benutzer. Listen durch | getrennt. Eine
    Zeile ohne Person beschreibt den Dienstleister, eine mit Person einen Menschen dort. Die Datei
    beschreibt jeden genannten Dienstleister vollständig (wer dort fehlt, wird entfernt). Eine
    fehlerhafte Zeile bricht den ganzen Import ab (Datei, Zeile und Grund werden genannt).
    """
    if not file.is_file():
        fail(t("Datei nicht gefunden: {path}", path=file))
    with file.open(encoding="utf-8", newline="") as stream, unit_of_work() as db:
        result = providers_service.import_csv(db, actor=None, stream=stream, name=file.name)
        console.print(t("Importiert: {providers} Dienstleister, {people} Personen.",
                        providers=result.providers, people=result.people))


@app.command("list")
def list_providers(
    skill: Skill = typer.Option(None, "--skill", help="Nur wer diese Fähigkeit anbietet."),
) -> None:
    """Zeigt die Dienstleister und das MIRT mit Fähigkeiten, Regionen und Rufbereitschaft."""
    with unit_of_work() as db:
        profiles = providers_service.list_providers(db, actor=None, skill=skill)
        if not profiles:
            console.print(t("Keine Dienstleister gefunden."))
        for profile in profiles:
            org = profile.org
            console.print(f"[bold]{escape(org.name)}[/] ({escape(org.key)}, {t(org.kind_label)})", highlight=False)
            skills = ", ".join(t(SKILL_LABELS_DE[Skill(s)]) for s in profile.skills)
            console.print(f"  {t('Fähigkeiten')}: {skills or '–'}", highlight=False, markup=False)
            regions = ", ".join(r.name for r in profile.regions)
            console.print(f"  {t('Regionen')}: {regions or '–'}", highlight=False, markup=False)
            console.print(f"  {t('Rufbereitschaft')}: {profile.on_call_phone or '–'} · "
                          f"{t('Personen')}: {len(profile.people)}", highlight=False, markup=False)
