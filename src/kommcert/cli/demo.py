from __future__ import annotations

import typer

from kommcert.cli.common import console, t, unit_of_work


def demo(
    if_empty: bool = typer.Option(False, "--if-empty", help="Nichts tun, wenn schon Organisationen da sind."),
) -> None:
    """Lädt das fiktive Demo-Land „Musterland“ mit Benutzern für jede Rolle (nur in eine leere Datenbank)."""
    from kommcert import demo as demo_data

    with unit_of_work() as db:
        if if_empty and not demo_data.is_empty(db):
            console.print(t("Die Datenbank enthält schon Daten – Demo-Land wird nicht geladen."))
            _print_logins(demo_data.known_logins(), note=" " + t("(sofern nicht geändert)"))
            return
        logins = demo_data.load(db)
    _print_logins(logins)


def _print_logins(logins: list, note: str = "") -> None:  # noqa: ANN001
    # Plain lines, not a table: they must stay readable in a narrow terminal and in logs.
    console.print("\n[bold]" + t("Demo-Zugänge Musterland") + f"[/]{note} "
                  + t("(Anmeldung mit E-Mail-Adresse und Passwort):"))
    for login in logins:
        console.print(f"  {login.persona:<52} {login.email:<38} {login.password}", highlight=False,
                      soft_wrap=True)
