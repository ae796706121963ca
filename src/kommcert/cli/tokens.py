from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import typer
from rich.table import Table

from kommcert import timefmt
from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import ApiToken, TokenScope
from kommcert.cli.common import console, fail, t, unit_of_work
from kommcert.db import utcnow

app = typer.Typer(no_args_is_help=True)


def _expiry(text: str | None) -> datetime | None:
    if not text:
        return None
    match = re.fullmatch(r"(\d+)d", text.strip())
    if not match:
        fail(t("--expires erwartet eine Anzahl Tage wie 90d."))
    return utcnow() + timedelta(days=int(match.group(1)))  # type: ignore[union-attr]


@app.command("create")
def create(
    user: str = typer.Option(..., "--user", help="Ihre E-Mail-Adresse: ein Token gilt nur für das eigene Konto."),
    name: str = typer.Option(..., "--name", help="Wofür? z. B. 'Firewall Rathaus'."),
    scope: TokenScope = typer.Option(TokenScope.read, "--scope", help="read oder read_write."),
    expires: str = typer.Option(None, "--expires", help="Gültigkeit, z. B. 90d (Standard: unbegrenzt)."),
    password_file: Path = typer.Option(
        None, "--password-file", help="Datei mit Ihrem Passwort (sonst wird es verdeckt abgefragt)."),
) -> None:
    """Legt ein API-Token für Ihr eigenes Konto an (Ihr Passwort bestätigt es) und zeigt es einmal an.

    Gespeichert wird nur ein Hash. Für andere Personen legt niemand Tokens an, auch kein Administrator.
    """
    expires_at = _expiry(expires)
    if password_file:
        password = password_file.read_text(encoding="utf-8").strip()
    else:
        password = typer.prompt(t("Passwort von {email}", email=user), hide_input=True)
    with unit_of_work() as db:
        text, token = accounts_service.create_token_with_password(
            db, email=user, password=password, name=name, scope=scope, expires_at=expires_at)
    console.print(t("Token {id} „{name}“ angelegt. Es wird nur jetzt angezeigt:", id=token.id, name=token.name))
    console.print(text, highlight=False, soft_wrap=True)


@app.command("list")
def list_tokens(user: str = typer.Option(..., "--user", help="E-Mail-Adresse des Benutzers.")) -> None:
    """Zeigt die Tokens eines Benutzers (ohne das Geheimnis)."""
    with unit_of_work() as db:
        owner = accounts_service.get_user_by_email(db, user)
        if owner is None:
            fail(t("Benutzer {email} nicht gefunden.", email=user))
        table = Table(*(t(h) for h in ("ID", "Name", "Kennung", "Rechte", "Läuft ab", "Status")))
        tz = timefmt.zone_from_environment()  # the local day, like the pages
        now = utcnow()
        for token in accounts_service.tokens_of(db, user_id=owner.id):
            status = t("widerrufen" if token.revoked_at else ("aktiv" if token.is_usable(now) else "abgelaufen"))
            table.add_row(str(token.id), token.name, token.prefix + "…", str(token.scope),
                          timefmt.format_date(token.expires_at, tz) if token.expires_at else t("nie"), status)
        console.print(table)


@app.command("revoke")
def revoke(
    token_id: int = typer.Argument(..., metavar="TOKEN-ID", help="ID des Tokens (siehe 'kommcert tokens list')."),
) -> None:
    """Widerruft ein Token sofort."""
    with unit_of_work() as db:
        token = db.get(ApiToken, token_id)
        if token is None:
            fail(t("Token {id} nicht gefunden.", id=token_id))
        accounts_service.revoke_token(db, actor=None, token=token)
        console.print(t("Token {id} ist widerrufen.", id=token_id))
