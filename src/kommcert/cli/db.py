from __future__ import annotations

import typer

from kommcert.cli.common import console, database_errors, database_settings, t

app = typer.Typer(help="Datenbank verwalten (Migrationen).", no_args_is_help=True)


@app.command("upgrade")
def upgrade(
    revision: str = typer.Argument("head", metavar="REVISION", help="Ziel-Revision (Standard: neueste)."),
) -> None:
    """Bringt das Datenbankschema auf den neuesten Stand (Alembic-Migrationen)."""
    from kommcert import migrate

    cfg = database_settings()
    with database_errors():
        migrate.upgrade(cfg.database_url, revision=revision)
    console.print(t("Datenbank ist auf Stand [bold]{revision}[/].", revision=revision))
