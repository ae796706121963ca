"""``kommcert scan``: find the Land's indicators in your own log files, exactly, and report hits back.

Exit code 1 when there are hits, 0 when there are none, 2 when something went wrong (a file could
not be read, the server refused …) — the rest of the scan still runs.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.table import Table

from kommcert.errors import DomainError
from kommcert.i18n import cli_locale, translate, translate_plural
from kommcert.indicators.types import IndicatorType

_SINCE = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
FORMATS = ("table", "jsonl", "csv")


class _Out:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    def t(self, text: str, **kw: object) -> str:
        out = translate(text, self.lang)
        return out.format(**kw) if kw else out

    def n(self, singular: str, plural: str, n: int, **kw: object) -> str:
        return translate_plural(singular, plural, n, self.lang).format(n=n, **kw)

    def problem(self, source: str, de: str, en: str) -> None:
        self.err.print(f"[yellow]{source}:[/] {de if self.lang == 'de' else en}")

    def fail(self, de: str, en: str | None = None) -> None:
        self.err.print(f"[bold red]{self.t('Fehler')}:[/] {de if self.lang == 'de' else (en or de)}")
        raise typer.Exit(2)


def _since(text: str | None, now: datetime) -> datetime | None:
    if not text:
        return None
    m = _SINCE.match(text.strip().lower())
    if m:
        return now - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def scan(
    paths: list[str] = typer.Argument(None, metavar="PFADE", help="Dateien, Verzeichnisse (rekursiv), Muster "
                                                                  "oder - für die Standardeingabe; auch .gz, "
                                                                  ".bz2, .xz, .zst."),
    feed: Path = typer.Option(None, "--feed", help="Indikatoren aus einer Datei: STIX-Bundle, MISP-Feed-"
                                                   "Verzeichnis, Liste (ein Wert je Zeile) oder kommcert-Scanliste."),
    server: str = typer.Option(None, "--server", envvar="KOMMCERT_SERVER", help="Adresse der Plattform."),
    token: str = typer.Option(None, "--token", envvar="KOMMCERT_TOKEN", help="API-Token der Organisation "
                                                                             "(besser über KOMMCERT_TOKEN)."),
    since: str = typer.Option(None, "--since", help="Nur Einträge der letzten Zeit, z. B. 30d, 12h, 2w."),
    types: list[str] = typer.Option(None, "--type", help="Nur diese Indikatortypen (mehrfach möglich)."),
    jobs: int = typer.Option(1, "--jobs", min=1, max=64, help="Anzahl paralleler Prozesse."),
    engine: str = typer.Option("local", "--engine", help="local oder dask (Dask-Cluster, für Log-Archive)."),
    scheduler: str = typer.Option(None, "--scheduler", help="--engine dask: Adresse des Schedulers, "
                                                            "z. B. tcp://10.0.0.5:8786."),
    fmt: str = typer.Option("table", "--format", help="table, jsonl oder csv."),
    report: bool = typer.Option(False, "--report", help="Treffer als Sichtungen an die Plattform melden."),
    files: Path = typer.Option(None, "--files", help="Dateien hashen (MD5, SHA1, SHA256) statt Logs zu lesen."),
    max_size: int = typer.Option(512, "--max-size", help="--files: größere Dateien überspringen (MB)."),
    retro: bool = typer.Option(False, "--retro", help="Rückwirkend: die früher durchsuchten Pfade erneut "
                                                      "durchsuchen, wenn neue Indikatoren da sind (Standard: "
                                                      "letzte 30 Tage)."),
    every: int = typer.Option(None, "--every", min=5, help="Mit --retro: alle N Minuten wiederholen, bis Strg+C "
                                                           "(oder cron/systemd-Timer nutzen)."),
    timezone: str = typer.Option("Europe/Berlin", "--tz", help="Zeitzone der Logs ohne Zonenangabe."),
    cache_dir: Path = typer.Option(None, "--cache-dir", help="Zwischenspeicher (Standard: ~/.cache/kommcert/scan)."),
    lang: str = typer.Option(None, "--lang", help="de oder en (Standard: KOMMCERT_LANG, sonst de)."),
) -> None:
    """Durchsucht Logdateien nach den Indikatoren der Plattform – exakt und schnell.

    Exit-Code 1: Treffer; 0: keine Treffer; 2: Fehler (der Rest des Scans läuft trotzdem).
    """
    if every is not None:
        _repeat(dict(locals()), every)
    from kommcert.scan import filehash, indicator_set, remote, runner
    from kommcert.scan.sources import expand

    out = _Out("en" if (lang or cli_locale()) == "en" else "de")
    now = datetime.now(UTC)
    if fmt not in FORMATS:
        out.fail(f"Unbekanntes Ausgabeformat: {fmt}", f"Unknown output format: {fmt}")
    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        out.fail(f"Unbekannte Zeitzone: {timezone}", f"Unknown time zone: {timezone}")
    since_at = _since(since, now)
    if since and since_at is None:
        out.fail(f"--since versteht „{since}“ nicht (Beispiele: 30d, 12h, 2026-11-01)",
                 f"--since does not understand '{since}' (examples: 30d, 12h, 2026-11-01)")
    wanted = None
    if types:
        valid = {t.value for t in IndicatorType}
        bad = [t for t in types if t not in valid]
        if bad:
            allowed = ", ".join(t.value for t in IndicatorType)
            out.fail(f"Unbekannter Typ: {', '.join(bad)} (gültig sind: {allowed})",
                     f"Unknown type: {', '.join(bad)} (valid are: {allowed})")
        wanted = frozenset(IndicatorType(t) for t in types)
    if retro and (server is None or paths or files is not None):
        out.fail("--retro braucht --server und keine Pfade: es durchsucht die früher angegebenen Pfade.",
                 "--retro needs --server and no paths: it scans the paths given before.")
    if retro and since_at is None:
        since_at = now - timedelta(days=30)
    if not paths and files is None and not retro:
        out.fail("Keine Dateien angegeben (Pfade, Muster oder - für die Standardeingabe).",
                 "No files given (paths, patterns or - for standard input).")
    if engine not in ("local", "dask") or (engine == "dask") != bool(scheduler):
        out.fail("--engine dask braucht --scheduler tcp://HOST:PORT (und umgekehrt).",
                 "--engine dask needs --scheduler tcp://HOST:PORT (and vice versa).")
    if (feed is None) == (server is None):
        out.fail("Genau eine Quelle angeben: --feed DATEI oder --server ADRESSE (mit Token).",
                 "Give exactly one source: --feed FILE or --server URL (with a token).")
    if report and (server is None or not token):
        out.fail("--report braucht --server und ein Token.", "--report needs --server and a token.")
    errors = 0
    root = cache_dir or remote.default_cache_root()
    try:
        if server is not None:
            if not token:
                out.fail("--server braucht ein Token (--token oder KOMMCERT_TOKEN).",
                         "--server needs a token (--token or KOMMCERT_TOKEN).")
            fetched = remote.fetch_set(server, token, root)
            if fetched.notice_de:
                out.problem(server, fetched.notice_de, fetched.notice_en or fetched.notice_de)
                errors += 1
            compiled, set_dir = fetched.compiled, fetched.directory
            if retro:
                paths = remote.remembered_paths(set_dir)
                if not paths:
                    out.fail("Noch keine Pfade gemerkt: erst einmal „kommcert scan PFAD --server …“ ausführen.",
                             "No paths remembered yet: run 'kommcert scan PATH --server …' once first.")
                if not fetched.changed:
                    Console(highlight=False).print(out.t("Keine neuen Indikatoren seit dem letzten Abruf."))
                    raise typer.Exit(2 if errors else 0)
            elif paths:
                remote.remember_paths(set_dir, paths)
        else:
            if not feed.exists():
                out.fail(f"Datei nicht gefunden: {feed}", f"File not found: {feed}")
            set_dir = remote.cache_dir_for(root, f"file:{feed.resolve()}")
            compiled, stats = indicator_set.from_file(feed, now=now, cache_dir=set_dir)  # saved there
            if stats.expired or stats.warninglisted:
                out.err.print(out.t("{loaded} Indikatoren geladen ({expired} abgelaufen, {wl} auf Warnlisten "
                                    "übersprungen).", loaded=stats.loaded, expired=stats.expired,
                                    wl=stats.warninglisted))
    except DomainError as exc:
        out.fail(exc.de, exc.en)
    if compiled.engine == "python":
        out.err.print(out.t("Hinweis: ohne C-Erweiterung installiert, der Scan läuft langsamer."))

    if files is not None:
        hits, problems = filehash.scan_files(files, compiled, max_size=max_size << 20)
        stats_files = None
    else:
        srcs, problems = expand(paths or [], max_file_size=None)
        options = runner.ScanOptions(since=since_at, types=wanted, jobs=jobs, tz=tz, now=now, scheduler=scheduler)
        try:
            hits, more, stats_files = _run_with_progress(out, srcs, compiled, options,
                                                         set_dir if jobs > 1 else None)
        except runner.EngineUnavailable:
            out.fail("Dask ist nicht installiert: pip install 'kommcert[dask]'",
                     "Dask is not installed: pip install 'kommcert[dask]'")
        except (OSError, TimeoutError) as exc:
            out.fail(f"Dask-Scheduler {scheduler} nicht erreichbar ({type(exc).__name__}).",
                     f"Dask scheduler {scheduler} unreachable ({type(exc).__name__}).")
        problems += more
    for p in problems:
        out.problem(p.source, p.de, p.en)
    errors += len(problems)

    _emit(out, fmt, hits, stats_files)
    if report and hits:
        try:
            created, dup, unknown = remote.report(server, token, remote.sightings_from(hits))
        except DomainError as exc:
            out.problem(server, exc.de, exc.en)
            errors += 1
        else:
            out.err.print(out.t("Gemeldet: {created} neue Sichtungen, {dup} bereits bekannt, {unknown} nicht "
                                "zuordenbar.", created=created, dup=dup, unknown=unknown))
    raise typer.Exit(2 if errors else 1 if hits else 0)


def _repeat(params: dict, minutes: int) -> None:
    """``--retro --every N``: the admin's own scheduler, for machines without cron."""
    out = _Out("en" if (params["lang"] or cli_locale()) == "en" else "de")
    if not params["retro"]:
        out.fail("--every nur zusammen mit --retro.", "--every only together with --retro.")
    while True:
        with contextlib.suppress(typer.Exit):  # each run's exit code is printed, the loop goes on
            scan(**{**params, "every": None})
        out.err.print(out.t("Nächster Lauf in {minutes} Minuten (Strg+C beendet).", minutes=minutes))
        try:
            time.sleep(minutes * 60)
        except KeyboardInterrupt:
            raise typer.Exit(0) from None


def _run_with_progress(out: _Out, srcs, compiled, options, set_dir):  # noqa: ANN001, ANN202
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    from kommcert.scan import runner

    total = sum(s.size or 0 for s in srcs)
    if not out.err.is_terminal or not total:
        return runner.run(srcs, compiled, options, cache_dir=set_dir)
    columns = ("[progress.description]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=out.err, transient=True) as bar:
        task = bar.add_task(out.t("Durchsuche"), total=total)
        return runner.run(srcs, compiled, options, cache_dir=set_dir,
                          progress=lambda n: bar.advance(task, n))


def _time(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def _local_time(value: datetime | None, lang: str) -> str:
    """For people: the local time with its zone (``KOMMCERT_TIMEZONE``, default Europe/Berlin)."""
    from kommcert import timefmt

    return timefmt.format_datetime(value, timefmt.zone_from_environment(), lang, seconds=True)


def _emit(out: _Out, fmt: str, hits, stats) -> None:  # noqa: ANN001
    if fmt == "jsonl":
        for h in hits:
            sys.stdout.write(json.dumps({
                "file": h.file, "line": h.line, "indicator": h.indicator.value, "type": h.indicator.type.value,
                "log_time": _time(h.log_time) or None, "format": h.format, "host": h.host,
                "indicator_id": h.indicator.id, "before_valid_from": h.before_valid, "text": h.text},
                ensure_ascii=False) + "\n")
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(("file", "line", "indicator", "type", "log_time", "format", "host", "before_valid_from"))
        for h in hits:
            writer.writerow((h.file, h.line, h.indicator.value, h.indicator.type.value, _time(h.log_time), h.format,
                             h.host or "", "yes" if h.before_valid else ""))
        return
    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal and not os.environ.get("COLUMNS"):
        console = Console(highlight=False, soft_wrap=False, width=200)  # files and pipes: no folding
    if not hits:
        console.print(out.t("Keine Treffer."))
        if stats is not None:
            console.print(out.n("{n} Datei", "{n} Dateien", stats.files) + ", "
                          + out.n("{n} Zeile durchsucht.", "{n} Zeilen durchsucht.", stats.lines))
        return
    table = Table(title=out.t("Treffer je Indikator"))
    # Values are never broken mid-word: a narrow terminal shortens long values and paths with an
    # ellipsis (jsonl/csv carry them whole), and below 110 columns first and last time share one
    # column, each as its date above its time ("15.01.2020" / "07:12:06 MEZ"): a line break only
    # where the time has a space, never inside a date or a time.
    narrow = console.width < 110
    fixed = 9 + 6 + (13 if narrow else 2 * 23) + (6 if narrow else 7) * 3 + 1  # type, count, times, padding
    room = max(console.width - fixed, 36)
    table.add_column(out.t("Indikator"), no_wrap=True, overflow="ellipsis", max_width=room * 3 // 5)
    table.add_column(out.t("Typ"), no_wrap=True, min_width=9)
    table.add_column(out.t("Anzahl"), no_wrap=True, justify="right")
    for header in (("Zeitraum",) if narrow else ("Zuerst", "Zuletzt")):
        table.add_column(out.t(header), min_width=13 if narrow else 23, no_wrap=True)
    where_width = room - room * 3 // 5
    table.add_column(out.t("Erste Fundstelle"), no_wrap=True, overflow="ellipsis", max_width=where_width)
    groups: dict[tuple[str, str], list] = {}
    for h in hits:
        groups.setdefault((h.indicator.type.value, h.indicator.value), []).append(h)
    for (kind, value), group in sorted(groups.items(), key=lambda g: -len(g[1])):
        times = [h.log_time for h in group if h.log_time]
        first = group[0]
        mark = " *" if any(h.before_valid for h in group) else ""
        start = _local_time(min(times), out.lang) if times else "–"
        end = _local_time(max(times), out.lang) if times else "–"
        if narrow:  # "15.01.2020 07:12:06 MEZ" -> date above time
            start, end = start.replace(" ", "\n", 1), end.replace(" ", "\n", 1)
        span = (start,) if narrow and start == end else (f"{start} –\n{end}",) if narrow else (start, end)
        where = f"{first.file}:{first.line}"
        if len(where) > where_width - 2:  # keep the file name and line, shorten the directories
            where = "…" + where[-(where_width - 3):]
        table.add_row(value + mark, kind, str(len(group)), *span, where)
    console.print(table)
    if any(h.before_valid for h in hits):
        console.print(out.t("* Treffer vor Gültigkeitsbeginn des Indikators (trotzdem verdächtig)."))
    if stats is not None:
        console.print(out.n("{n} Treffer in {files}", "{n} Treffer in {files}", len(hits),
                            files=out.n("{n} Datei", "{n} Dateien", stats.files)) + " "
                      + out.n("({n} Zeile).", "({n} Zeilen).", stats.lines))
