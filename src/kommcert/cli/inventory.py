"""``kommcert inventory import|show|alias``: an organisation's product inventory and the catalogue's aliases."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.markup import escape

from kommcert.cli.common import actor_by_email, console, fail, org_id_or_own, t, unit_of_work

app = typer.Typer(no_args_is_help=True)
alias_app = typer.Typer(no_args_is_help=True)
app.add_typer(alias_app, name="alias",
              help="Aliasse des Produktkatalogs (Schreibweisen von Herstellern und Produkten).")


class Format(StrEnum):
    csv = "csv"
    cyclonedx = "cyclonedx"


class Kind(StrEnum):
    vendor = "vendor"
    product = "product"


@app.command("import")
def import_inventory(
    file: Path = typer.Argument(..., metavar="DATEI", help="CSV-Datei oder CycloneDX-SBOM (JSON)."),
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse des Benutzers, in dessen Namen importiert wird."),
    fmt: Format = typer.Option(..., "--format", help="csv oder cyclonedx."),
    org: str = typer.Option(None, "--org", help="Schlüssel der Organisation (Vorgabe: die des Benutzers)."),
    replace: bool = typer.Option(False, "--replace", help="Zeilen früherer Importe im selben Format ersetzen."),
) -> None:
    """Liest ein Produktinventar ein: ganz oder gar nicht.

    CSV: Kopfzeile mit hersteller, produkt, version, cpe, purl, anzahl, einsatzort (oder vendor, product,
    version, cpe, purl, count, where_used); getrennt durch ; oder ,; UTF-8. Eine fehlerhafte Zeile bricht
    den Import mit ihrer Zeilennummer ab.
    """
    from kommcert.inventory import service

    if not file.is_file():
        fail(t("Datei nicht gefunden: {path}", path=file))
    data = file.read_bytes()
    with unit_of_work() as db:
        actor = actor_by_email(db, as_user)
        result = service.import_file(db, actor=actor, org_id=org_id_or_own(db, actor, org), fmt=str(fmt), data=data,
                                     name=file.name, replace=replace)
        console.print(t("Importiert: {added} Zeilen, ersetzt: {removed} Zeilen.", added=result.added,
                        removed=result.removed))


@app.command("show")
def show(
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse des Benutzers, dessen Sicht gezeigt wird."),
    org: str = typer.Option(None, "--org", help="Schlüssel der Organisation (Vorgabe: die des Benutzers)."),
) -> None:
    """Zeigt das Inventar einer Organisation (Hersteller, Produkt, Version, Anzahl, Einsatzort)."""
    from kommcert.inventory import service

    with unit_of_work() as db:
        actor = actor_by_email(db, as_user)
        view = service.get_inventory(db, actor, org_id_or_own(db, actor, org))
        console.print(f"[bold]{escape(view.org.name)}[/]: " + t("{n} Zeilen", n=len(view.items)), highlight=False)
        for i in view.items:
            console.print(f"  {i.vendor} | {i.product} | {i.version or '–'} | {i.count} | {i.where_used or '–'}",
                          highlight=False, markup=False)


@alias_app.command("add")
def alias_add(
    kind: Kind = typer.Argument(..., help="vendor (Hersteller) oder product (Produkt)."),
    alias: str = typer.Argument(..., help="Die abweichende Schreibweise, z. B. \"Factory Talk\"."),
    canonical: str = typer.Argument(..., help="Was sie bedeutet, z. B. FactoryTalk."),
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse einer Analystin oder eines Analysten eines CERT."),
    vendor: str = typer.Option("", "--vendor", help="Nur für Produkte dieses Herstellers."),
) -> None:
    """Legt einen Alias an; vorhandene Inventarzeilen und der Katalog werden umgeschlüsselt."""
    from kommcert.inventory import catalog

    with unit_of_work() as db:
        row = catalog.add_alias(db, actor=actor_by_email(db, as_user), kind=str(kind), alias=alias, canonical=canonical,
                                vendor=vendor)
        console.print(f"{row.alias_key} → {row.canonical_key}", highlight=False, markup=False)


@alias_app.command("list")
def alias_list() -> None:
    """Zeigt alle Aliasse."""
    from kommcert.inventory import catalog

    with unit_of_work() as db:
        rows = catalog.list_aliases(db)
        if not rows:
            console.print(t("Noch keine Aliasse."))
        for a in rows:
            scope = f" ({a.vendor_key})" if a.vendor_key else ""
            console.print(f"{a.id}\t{a.kind}\t{a.alias_key} → {a.canonical_key}{scope}", highlight=False, markup=False)


@alias_app.command("remove")
def alias_remove(
    alias_id: int = typer.Argument(..., help="Nummer des Alias (aus „alias list“)."),
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse einer Analystin oder eines Analysten eines CERT."),
) -> None:
    """Entfernt einen Alias; betroffene Zeilen erhalten wieder ihre eigene Schreibweise."""
    from kommcert.inventory import catalog

    if not 1 <= alias_id <= 2**31 - 1:
        fail(t("Diesen Alias gibt es nicht."))
    with unit_of_work() as db:
        catalog.remove_alias(db, actor=actor_by_email(db, as_user), alias_id=alias_id)
        console.print(t("Alias entfernt."))
