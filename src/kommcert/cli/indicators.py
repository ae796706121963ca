from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import typer

from kommcert.cli.common import actor_by_email, console, fail, json_problem, n, settings, t, unit_of_work
from kommcert.errors import DomainError
from kommcert.i18n import cli_locale
from kommcert.indicators.feeds import FEEDS, FeedContext, FeedFormat
from kommcert.indicators.readers import ImportFormat
from kommcert.indicators.types import IndicatorType
from kommcert.sharing.tlp import TLP

app = typer.Typer(no_args_is_help=True)


_SUGGEST = {".csv": "csv", ".tsv": "csv", ".txt": "text", ".list": "text", ".md": "freetext", ".eml": "freetext"}


def _format_for(source: str) -> str:
    """Without --format: JSON is STIX (or MISP); anything else names the --format to give."""
    path = Path(source)
    suggestion = _SUGGEST.get(path.suffix.lower())
    if suggestion is None and path.is_file():
        with path.open("rb") as fh:
            head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        if head[:1] not in (b"{", b"["):
            first = head.split(b"\n", 1)[0]
            suggestion = "csv" if (b";" in first or b"," in first) else "text"
    if suggestion is not None:
        fail(f"Die Datei ist kein JSON: bitte --format {suggestion} angeben (oder ein anderes Format: "
             "stix, misp, misp-feed, csv, text, freetext).",
             f"The file is not JSON: please give --format {suggestion} (or another format: "
             "stix, misp, misp-feed, csv, text, freetext).")
    return "stix"


@contextmanager
def _progress() -> Iterator[Callable[[int], None]]:
    """Values read so far, live on stderr (a terminal only: logs and pipes stay clean)."""
    from kommcert.cli import common

    if not common.err_console.is_terminal:
        yield lambda n: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=common.err_console, transient=True) as bar:
        task = bar.add_task(n("{n} Wert gelesen", "{n} Werte gelesen", 0), total=None)
        yield lambda count: bar.update(task, description=n("{n} Wert gelesen", "{n} Werte gelesen", count),
                                       refresh=True)


@app.command("import")
def import_(
    source: str = typer.Argument(..., metavar="QUELLE", help="Datei, bei misp-feed auch Verzeichnis oder "
                                                                  "https-Adresse des Feeds."),
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse des Benutzers, in dessen Namen importiert wird."),
    fmt: str = typer.Option(None, "--format", help="stix, misp, misp-feed, csv, text oder freetext "
                                                   "(Standard: stix bei JSON).", show_default=False),
    tlp: str = typer.Option("amber", "--tlp", help="TLP für Einträge ohne eigene Kennzeichnung."),
    title: str = typer.Option(None, "--title", help="Titel der Meldung (sonst aus der Quelle)."),
    to: list[str] = typer.Option(None, "--to", help="Empfänger-Organisation (Schlüssel), mehrfach möglich."),
    strict: bool = typer.Option(False, "--strict", help="Empfänger ohne untergeordnete Stellen."),
    skip_invalid: bool = typer.Option(False, "--skip-invalid", help="Fehlerhafte Einträge überspringen und auflisten."),
    value_column: str = typer.Option(None, "--value-column", help="CSV: Spalte mit dem Wert."),
    report: int = typer.Option(None, "--report", help="Bestehende Meldung der eigenen Organisation ergänzen "
                                                      "(ihre Nummer); es gelten ihr TLP und ihre Empfänger."),
) -> None:
    """Importiert Indikatoren (STIX 2.1, MISP, CSV, Listen, Freitext) – ganz oder gar nicht.

    Eine fehlerhafte Zeile oder ein fehlerhaftes Objekt bricht den Import ab (Exit-Code 2), außer mit
    --skip-invalid: dann wird der gültige Teil übernommen und die Fehler werden aufgelistet.
    """
    from kommcert.indicators import importing
    from kommcert.indicators import service as indicators_service
    from kommcert.sharing import service as sharing_service
    from kommcert.sharing.service import Audience

    if fmt is None:
        fmt = _format_for(source)
    if tlp.lower() not in {t.value for t in TLP}:
        fail(t("Unbekanntes TLP: {tlp}", tlp=tlp))
    cfg = settings()
    with unit_of_work() as db:
        actor = actor_by_email(db, as_user)
        org_ids = tuple(sharing_service.org_ids_by_keys(db, to or []))
        audience = Audience(orgs=() if strict else org_ids, orgs_without_subtree=org_ids if strict else ())
        options = importing.ImportOptions(title=title, tlp=TLP(tlp.lower()), skip_invalid=skip_invalid,
                                          report_id=report, audience=audience)
        if fmt == "misp-feed":
            result = indicators_service.import_feed(db, actor=actor, settings=cfg, base=source, options=options)
        else:
            if fmt not in {f.value for f in ImportFormat}:
                fail(t("Unbekanntes Format: {fmt}", fmt=fmt))
            if not Path(source).is_file():
                fail(t("Datei nicht gefunden: {path}", path=source))
            try:
                with _progress() as progress:
                    result = indicators_service.import_path(
                        db, actor=actor, settings=cfg, fmt=fmt, path=source, name=Path(source).name,
                        options=options, reader_options={"value_column": value_column} if value_column else None,
                        progress=progress)
            except DomainError as exc:
                broken = json_problem(source) if fmt in ("stix", "misp") and "JSON" in exc.de else None
                if broken is None:
                    raise
                fail(*broken)
    numbers = ([report] if report is not None else []) + result.reports
    english = cli_locale() == "en"
    console.print(n("{n} Indikator übernommen", "{n} Indikatoren übernommen", result.imported) + " "
                  + t("({new} neu, {dup} doppelt, {wl} auf Warnlisten),", new=result.new_indicators,
                      dup=result.duplicates, wl=result.warninglisted) + " "
                  + n("Meldung {reports}", "Meldungen {reports}", len(numbers), reports=", ".join(map(str, numbers)))
                  + ".")
    for reject in result.rejects:
        console.print("  " + t("fehlerhaft, übersprungen:") + " " + (reject.en if english else reject.de),
                      highlight=False, soft_wrap=True, markup=False)
    if result.rejected_count > len(result.rejects):
        console.print("  " + n("… und {n} weiterer fehlerhafter Eintrag", "… und {n} weitere fehlerhafte Einträge",
                               result.rejected_count - len(result.rejects)),
                      highlight=False)
    for skip in result.skipped:
        console.print("  " + t("nicht blockierbar, übersprungen:") + " " + (skip.en if english else skip.de),
                      highlight=False, soft_wrap=True, markup=False)
    if result.skipped_count > len(result.skipped):
        more = result.skipped_count - len(result.skipped)
        console.print("  " + n("… und {n} weiterer nicht blockierbarer Eintrag",
                               "… und {n} weitere nicht blockierbare Einträge", more),
                      highlight=False)


@app.command("export")
def export(
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse: exportiert wird, was dieser Benutzer sehen darf."),
    fmt: str = typer.Option("txt", "--format", help="stix, csv, txt, rpz, suricata, zeek oder misp-feed."),
    types: list[IndicatorType] = typer.Option(None, "--type", help="Nur diese Typen (mehrfach möglich)."),
    output: Path = typer.Option(None, "--output", "-o", help="Datei (bei misp-feed: Verzeichnis); sonst stdout."),
) -> None:
    """Exportiert Indikatoren nach der Weitergaberegel des Benutzers (wie die Feeds im Web)."""
    from kommcert.audit import export as audit_export
    from kommcert.indicators import service as indicators_service

    cfg = settings()
    with unit_of_work() as db:
        actor = actor_by_email(db, as_user)
        if fmt == "misp-feed":
            from kommcert.indicators.formats import misp_feed

            if output is None:
                fail(t("--output VERZEICHNIS fehlt."))
            output.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
            misp_feed.write_feed(indicators_service.misp_events(db, actor=actor), output)  # type: ignore[arg-type]
            audit_export.record_export(db, actor=actor, what="misp-feed", via="cli")
            console.print(t("MISP-Feed geschrieben nach {path}.", path=output))
            return
        if fmt not in {f.value for f in FeedFormat}:
            fail(t("Unbekanntes Format: {fmt}", fmt=fmt))
        spec = FEEDS[FeedFormat(fmt)]
        audit_export.record_export(db, actor=actor, what=fmt, via="cli",
                                   detail={"types": sorted(t.value for t in types or ())})
        context = FeedContext(generated=datetime.now(UTC), producer=f"kommcert {cfg.cert_name}", zone=cfg.rpz_zone,
                              types=frozenset(types) if types else None)
        rows = indicators_service.export_rows(db, actor=actor, blocking=spec.blocking, types=types or None,
                                              lean=spec.lean)
        out = output.open("w", encoding="utf-8") if output else sys.stdout
        try:
            for chunk in spec.write(rows, context):
                out.write(chunk)
        finally:
            if output:
                out.close()
