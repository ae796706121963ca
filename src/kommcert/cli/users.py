from __future__ import annotations

import typer
from rich.table import Table

from kommcert.accounts import invitations
from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import ROLE_LABELS_DE, Role
from kommcert.cli.common import console, fail, settings, t, unit_of_work
from kommcert.orgs import service as orgs_service

app = typer.Typer(no_args_is_help=True)


@app.command("create")
def create(
    org: str = typer.Option(..., "--org", help="Schlüssel der Organisation (z. B. ARS oder 'lcert')."),
    email: str = typer.Option(..., "--email", help="E-Mail-Adresse, zugleich Anmeldename."),
    name: str = typer.Option(..., "--name", help="Anzeigename."),
    role: Role = typer.Option(Role.member, "--role", help="admin, analyst, member oder reader."),
) -> None:
    """Legt einen Benutzer ohne Passwort an und lädt ihn ein.

    Die Einladung geht per E-Mail an die Person (über den Worker) und wird hier einmal angezeigt.
    Das Konto wird erst nutzbar, wenn die Person mit dem Link selbst ihr Passwort festlegt
    (der Link gilt einmal und 7 Tage).
    """
    cfg = settings()
    with unit_of_work() as db:
        organisation = orgs_service.get_by_key(db, org)
        if organisation is None:
            fail(t("Organisation {key} nicht gefunden.", key=org))
        user, link = invitations.invite_user(db, actor=None, org=organisation, email=email, name=name, role=role,
                                             base_url=cfg.base_url)
        console.print(t("Benutzer {email} ({role}) bei {org} angelegt und eingeladen (E-Mail).", email=user.email,
                        role=t(ROLE_LABELS_DE[role]), org=organisation.name))
    console.print(t("Einladungslink (nur jetzt sichtbar, gilt einmal und 7 Tage):"), highlight=False)
    console.print(link, highlight=False, soft_wrap=True)


@app.command("invite")
def invite(
    email: str = typer.Argument(..., metavar="E-MAIL",
                                help="E-Mail-Adresse eines Benutzers, der noch kein Passwort hat."),
) -> None:
    """Schickt eine neue Einladung (der alte Link verfällt); nur für Konten ohne Passwort."""
    cfg = settings()
    with unit_of_work() as db:
        user = accounts_service.get_user_by_email(db, email)
        if user is None:
            fail(t("Benutzer {email} nicht gefunden.", email=email))
        _, link = invitations.reinvite(db, actor=None, user_id=user.id, base_url=cfg.base_url)
    console.print(t("Einladungslink (nur jetzt sichtbar, gilt einmal und 7 Tage):"), highlight=False)
    console.print(link, highlight=False, soft_wrap=True)


@app.command("list")
def list_users(org: str = typer.Option(..., "--org", help="Schlüssel der Organisation.")) -> None:
    """Zeigt die Benutzer einer Organisation."""
    with unit_of_work() as db:
        organisation = orgs_service.get_by_key(db, org)
        if organisation is None:
            fail(t("Organisation {key} nicht gefunden.", key=org))
        table = Table(*(t(h) for h in ("E-Mail", "Name", "Rolle", "2FA", "Aktiv")))
        for user in accounts_service.users_of(db, org_id=organisation.id):
            table.add_row(user.email, user.name, t(ROLE_LABELS_DE[Role(user.role)]),
                          t("ja") if user.totp_enabled else "–", t("ja") if user.is_active else t("gesperrt"))
        console.print(table)


@app.command("deactivate")
def deactivate(email: str = typer.Argument(..., metavar="E-MAIL", help="E-Mail-Adresse des Benutzers.")) -> None:
    """Sperrt einen Benutzer und beendet alle seine Sitzungen (Tokens bleiben, sind aber wirkungslos)."""
    with unit_of_work() as db:
        user = accounts_service.get_user_by_email(db, email)
        if user is None:
            fail(t("Benutzer {email} nicht gefunden.", email=email))
        accounts_service.deactivate(db, user=user)
        console.print(t("{email} ist gesperrt.", email=user.email))
