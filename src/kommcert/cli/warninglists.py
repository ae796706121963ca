from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from kommcert.cli.common import console, fail, json_problem, n, t, unit_of_work

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_lists() -> None:
    """Zeigt die Warnlisten (eingebaute und importierte) mit Typ, Umfang und Zustand."""
    from sqlalchemy import select

    from kommcert.indicators import warninglists
    from kommcert.indicators.models import Warninglist

    with unit_of_work() as db:
        warninglists.ensure_builtin(db)
        table = Table(*(t(h) for h in ("Name", "Typ", "Einträge", "Eingebaut", "Aktiv")))
        for wl in db.scalars(select(Warninglist).order_by(Warninglist.name)):
            table.add_row(wl.name, wl.type, str(len(wl.entries.splitlines())), t("ja") if wl.builtin else "–",
                          t("ja") if wl.enabled else t("nein"))
        console.print(table)


@app.command("import")
def import_list(file: Path = typer.Argument(..., metavar="DATEI", help="Warnliste im MISP-Format (JSON).")) -> None:
    """Importiert eine MISP-Warnliste (oder aktualisiert sie) und prüft alle Indikatoren neu."""
    from kommcert.indicators import warninglists

    if not file.is_file():
        fail(t("Datei nicht gefunden: {path}", path=file))
    broken = json_problem(str(file))
    if broken is not None:
        fail(*broken)
    with unit_of_work() as db, file.open("rb") as stream:
        wl = warninglists.import_file(db, stream, source=file.name)
        changed = warninglists.refresh_flags(db)
    console.print(t("Warnliste „{name}“ geladen;", name=wl.name) + " "
                  + n("{n} Indikator neu bewertet.", "{n} Indikatoren neu bewertet.", changed))


@app.command("enable")
def enable(name: str = typer.Argument(..., metavar="NAME", help="Name der Warnliste.")) -> None:
    """Schaltet eine Warnliste ein und prüft alle Indikatoren neu."""
    _switch(name, True)


@app.command("disable")
def disable(name: str = typer.Argument(..., metavar="NAME", help="Name der Warnliste.")) -> None:
    """Schaltet eine Warnliste aus und prüft alle Indikatoren neu."""
    _switch(name, False)


def _switch(name: str, enabled: bool) -> None:
    from sqlalchemy import select

    from kommcert.indicators import warninglists
    from kommcert.indicators.models import Warninglist

    with unit_of_work() as db:
        warninglists.ensure_builtin(db)
        wl = db.scalar(select(Warninglist).where(Warninglist.name == name))
        if wl is None:
            fail(t("Warnliste „{name}“ nicht gefunden.", name=name))
        wl.enabled = enabled  # type: ignore[union-attr]
        db.flush()
        changed = warninglists.refresh_flags(db)
    console.print(t("„{name}“ ist aktiv;" if enabled else "„{name}“ ist aus;", name=name) + " "
                  + n("{n} Indikator neu bewertet.", "{n} Indikatoren neu bewertet.", changed))
