from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from rich.tree import Tree

from kommcert.cli.common import console, fail, t, unit_of_work
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import Organization

app = typer.Typer(no_args_is_help=True)


def _open(path: Path):  # noqa: ANN202
    if not path.is_file():
        fail(t("Datei nicht gefunden: {path}", path=path))
    return path.open(encoding="utf-8", newline="")


def _report(result) -> None:  # noqa: ANN001
    console.print(t("Importiert: {created} neu, {updated} geändert, {unchanged} unverändert.", created=result.created,
                    updated=result.updated, unchanged=result.unchanged))


@app.command("import-gv100ad")
def import_gv100ad(
    file: Path = typer.Argument(..., metavar="DATEI", help="GV100AD-Datei von Destatis (UTF-8, feste Satzlänge)."),
    land: str = typer.Option(..., "--land", help="Landesschlüssel, z. B. 07 für Rheinland-Pfalz."),
) -> None:
    """Lädt Land, Kreise, Verbandsgemeinden und Gemeinden aus dem Gemeindeverzeichnis (GV100AD).

    Ein erneuter Import aktualisiert Namen, Einwohnerzahlen und Zuordnungen, ohne Doppelte anzulegen.
    Eine fehlerhafte Zeile bricht den ganzen Import ab (Datei, Zeile und Grund werden genannt).
    """
    with _open(file) as stream, unit_of_work() as db:
        _report(orgs_service.import_gv100ad(db, actor=None, stream=stream, name=file.name, land_key=land))


@app.command("import-csv")
def import_csv(
    file: Path = typer.Argument(..., metavar="DATEI", help="CSV mit den Spalten key,kind,name,parent_key,…"),
) -> None:
    """Lädt Organisationen aus einer CSV-Datei (z. B. CERTs, Dienstleister, IT-Dienstleister).

    Spalten: key, kind, name, parent_key, ags, ars, email, phone, population, serves (Schlüssel der
    betreuten Kommunen, durch | getrennt). Trennzeichen ; oder , werden erkannt.
    """
    with _open(file) as stream, unit_of_work() as db:
        _report(orgs_service.import_csv(db, actor=None, stream=stream, name=file.name))


@app.command("list")
def list_orgs(
    parent: str = typer.Option(None, "--parent", help="Schlüssel der Organisation, deren Teilbaum gezeigt wird."),
    depth: int = typer.Option(3, "--depth", min=1, help="Wie viele Ebenen gezeigt werden."),
    flat: bool = typer.Option(False, "--flat", help="Als Tabelle statt als Baum."),
) -> None:
    """Zeigt den Organisationsbaum (oder einen Teilbaum) mit Art und Schlüssel."""
    with unit_of_work() as db:
        roots: list[Organization]
        if parent:
            root = orgs_service.get_by_key(db, parent)
            if root is None:
                fail(t("Organisation {key} nicht gefunden.", key=parent))
            roots = [root]  # type: ignore[list-item]
        else:
            roots = list(orgs_service.list_children(db, None))
        if flat:
            table = Table(*(t(h) for h in ("Schlüssel", "Art", "Name", "AGS")))
            for org in roots:
                for sub_id in orgs_service.subtree_ids(db, org.id):
                    sub = orgs_service.get(db, sub_id)
                    table.add_row(sub.key, sub.kind_label, sub.name, sub.ags or "")
            console.print(table)
            return
        for org in roots:
            tree = Tree(f"[bold]{org.name}[/] ({org.kind_label}, {org.key})")
            _grow(db, tree, org, depth - 1)
            console.print(tree)


def _grow(db, tree: Tree, org: Organization, depth: int) -> None:  # noqa: ANN001
    if depth <= 0:
        return
    for child in orgs_service.list_children(db, org.id):
        _grow(db, tree.add(f"{child.name} ({child.kind_label}, {child.key})"), child, depth - 1)
