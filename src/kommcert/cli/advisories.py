"""``kommcert advisories``: read CSAF documents from files and pull the CSAF sources."""

from __future__ import annotations

from pathlib import Path

import typer

from kommcert.cli.common import console, fail, settings, t, unit_of_work

app = typer.Typer(no_args_is_help=True)


@app.command("import")
def import_files(
    files: list[Path] = typer.Argument(..., metavar="DATEI…", help="CSAF-2.0-Dokumente (JSON)."),
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse einer Analystin oder Administratorin eines CERT."),
) -> None:
    """Liest CSAF-Dokumente als Warnungen ein (Eigentümerin: die Organisation der Person).

    Jedes Dokument wird gegen das Schema und die Pflichttests geprüft; ungültige landen mit den Gründen
    in der Quarantäne. Eine neuere Fassung ersetzt die gültige, ältere bleiben in der Historie.
    """
    from kommcert.accounts import service as accounts_service
    from kommcert.advisories import sources

    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        fail(t("Datei nicht gefunden: {path}", path=missing[0]))
    cfg = settings()
    with unit_of_work() as db:
        user = accounts_service.get_user_by_email(db, as_user)
        if user is None or not user.is_active:
            fail(t("Benutzer {email} nicht gefunden oder gesperrt.", email=as_user))
        actor = accounts_service.actor_for(db, user)  # type: ignore[arg-type]
        results = sources.import_documents(db, actor=actor, settings=cfg,
                                           files=[(f.name, f.read_bytes()) for f in files])
        for result in results:
            label = t(STATUS_DE[result.status])
            line = f"{result.name}: {label}"
            if result.tracking_id:
                line += f" ({result.tracking_id} {result.version})".rstrip()
            console.print(line, highlight=False, markup=False)
            for reason in result.reasons:
                console.print(f"  - {reason}", highlight=False, markup=False)


STATUS_DE = {"new": "neu", "updated": "aktualisiert", "unchanged": "unverändert", "older": "ältere Fassung",
             "quarantined": "Quarantäne"}


@app.command("pull")
def pull_sources(
    source: int = typer.Option(None, "--source", help="Nur diese Quelle (Nummer), auch wenn sie nicht fällig ist."),
) -> None:
    """Ruft die CSAF-Quellen ab (ohne --source: alle aktiven, deren Intervall fällig ist).

    Neue und geänderte Dokumente werden geholt, Prüfsummen und Signaturen geprüft und die Dokumente
    validiert. Jede Quelle wird für sich gespeichert; ein Fehler steht danach bei der Quelle.
    """
    from kommcert.advisories import pull
    from kommcert.advisories.models import CsafSource

    cfg = settings()
    with unit_of_work() as db:
        if source is not None:
            found = db.get(CsafSource, source)
            if found is None:
                fail(t("Quelle {id} nicht gefunden.", id=source))
            chosen = [found]
        else:
            chosen = pull.due_sources(db)
        if not chosen:
            console.print(t("Keine Quelle fällig."))
        for item in chosen:
            report = pull.pull_source(db, item, settings=cfg)  # type: ignore[arg-type]
            db.commit()
            counts = ", ".join(f"{t(STATUS_DE.get(k, 'Fehler'))}: {v}" for k, v in sorted(report.counts.items()))
            console.print(f"{item.name}: {counts or t('nichts Neues')}", highlight=False, markup=False)  # type: ignore[union-attr]
            for error in report.errors:
                console.print(f"  - {error}", highlight=False, markup=False)
