from __future__ import annotations

import secrets
from pathlib import Path

import typer
from rich.table import Table

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import ROLE_LABELS_DE, Role
from kommcert.cli.common import console, fail, unit_of_work
from kommcert.orgs import service as orgs_service

app = typer.Typer(no_args_is_help=True)


@app.command("create")
def create(
    org: str = typer.Option(..., "--org", help="Schlüssel der Organisation (z. B. ARS oder 'lcert')."),
    email: str = typer.Option(..., "--email", help="E-Mail-Adresse, zugleich Anmeldename."),
    name: str = typer.Option(..., "--name", help="Anzeigename."),
    role: Role = typer.Option(Role.member, "--role", help="admin, analyst, member oder reader."),
    password_file: Path = typer.Option(None, "--password-file", help="Datei mit dem Passwort (sonst erzeugt)."),
) -> None:
    """Legt einen Benutzer an. Ohne --password-file wird ein Passwort erzeugt und einmal angezeigt."""
    password = password_file.read_text(encoding="utf-8").strip() if password_file else secrets.token_urlsafe(12)
    with unit_of_work() as db:
        organisation = orgs_service.get_by_key(db, org)
        if organisation is None:
            fail(f"Organisation {org} nicht gefunden.")
        user = accounts_service.create_user(db, actor=None, org=organisation, email=email, name=name, role=role,
                                            password=password)
        console.print(f"Benutzer {user.email} ({ROLE_LABELS_DE[role]}) bei {organisation.name} angelegt.")
    if not password_file:
        console.print(f"Erstes Passwort (nur jetzt sichtbar): [bold]{password}[/]", highlight=False)


@app.command("list")
def list_users(org: str = typer.Option(..., "--org", help="Schlüssel der Organisation.")) -> None:
    """Zeigt die Benutzer einer Organisation."""
    with unit_of_work() as db:
        organisation = orgs_service.get_by_key(db, org)
        if organisation is None:
            fail(f"Organisation {org} nicht gefunden.")
        table = Table("E-Mail", "Name", "Rolle", "2FA", "Aktiv")
        for user in accounts_service.users_of(db, org_id=organisation.id):
            table.add_row(user.email, user.name, ROLE_LABELS_DE[Role(user.role)], "ja" if user.totp_enabled else "–",
                          "ja" if user.is_active else "gesperrt")
        console.print(table)


@app.command("deactivate")
def deactivate(email: str = typer.Argument(..., help="E-Mail-Adresse des Benutzers.")) -> None:
    """Sperrt einen Benutzer und beendet alle seine Sitzungen (Tokens bleiben, sind aber wirkungslos)."""
    with unit_of_work() as db:
        user = accounts_service.get_user_by_email(db, email)
        if user is None:
            fail(f"Benutzer {email} nicht gefunden.")
        accounts_service.deactivate(db, user=user)
        console.print(f"{user.email} ist gesperrt.")
