from __future__ import annotations

import signal
import threading

import typer

from kommcert.cli.common import console, database_errors, database_settings, t


def worker(
    burst: bool = typer.Option(False, "--burst", help="Alle fälligen Aufträge abarbeiten, dann beenden (für cron)."),
    once: bool = typer.Option(False, "--once", help="Höchstens einen Auftrag abarbeiten."),
    job: int | None = typer.Option(None, "--job", min=1, help="Nur diesen Auftrag ausführen, falls er noch wartet "
                                                              "(so startet der Webserver große Importe)."),
) -> None:
    """Arbeitet Hintergrundaufträge ab (E-Mails, Benachrichtigungen, Importe). Mehrere Worker dürfen parallel laufen.

    Reiht außerdem die fälligen regelmäßigen Aufträge ein (Aufräumen, tägliche Zusammenfassung; Liste:
    kommcert jobs periodic). Jeder Termin läuft nur einmal, auch bei mehreren Workern.

    SIGTERM/SIGINT beenden den Worker nach dem laufenden Auftrag.
    """
    from kommcert.db import make_engine, make_sessionmaker
    from kommcert.jobs import worker as jobs_worker

    cfg = database_settings()
    engine = make_engine(cfg.database_url)
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    try:
        with database_errors():
            if job is not None:
                stats = jobs_worker.run_job(make_sessionmaker(engine), cfg, job)
            else:
                stats = jobs_worker.run(make_sessionmaker(engine), cfg, burst=burst, once=once, stop=stop,
                                          periodic=True)
    finally:
        engine.dispose()
    console.print(t("Erledigt: {done}, fehlgeschlagen: {failed}.", done=stats.done, failed=stats.failed))
