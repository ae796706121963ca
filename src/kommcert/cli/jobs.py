from __future__ import annotations

import typer
from rich.table import Table

from kommcert import timefmt
from kommcert.cli.common import console, t, unit_of_work
from kommcert.jobs import service as jobs_service
from kommcert.jobs.models import JobStatus

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_jobs(
    status: JobStatus = typer.Option(None, "--status", help="queued, running, done oder failed."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="Wie viele (neueste zuerst)."),
) -> None:
    """Zeigt Hintergrundaufträge mit Status, Versuchen und letztem Fehler."""
    with unit_of_work() as db:
        table = Table(*(t(h) for h in ("ID", "Art", "Status", "Versuche", "Nächster Versuch", "Letzter Fehler")))
        tz = timefmt.zone_from_environment()  # local time with its zone, like the pages
        for job in jobs_service.list_jobs(db, status=status, limit=limit):
            table.add_row(str(job.id), job.kind, str(job.status), f"{job.attempts}/{job.max_attempts}",
                          timefmt.format_datetime(job.run_after, tz, seconds=True), (job.last_error or "")[:80])
        console.print(table)


@app.command("retry")
def retry(job_id: int = typer.Argument(..., metavar="AUFTRAG", help="ID eines fehlgeschlagenen Auftrags.")) -> None:
    """Stellt einen fehlgeschlagenen Auftrag erneut in die Warteschlange."""
    with unit_of_work() as db:
        jobs_service.retry(db, job_id=job_id)
    console.print(t("Auftrag {id} steht wieder in der Warteschlange.", id=job_id))


@app.command("periodic")
def periodic() -> None:
    """Zeigt die regelmäßigen Aufträge, wann sie laufen und ihren letzten Termin."""
    from kommcert.i18n import cli_locale
    from kommcert.jobs import schedule

    with unit_of_work() as db:
        last = schedule.last_ticks(db)
        tz = timefmt.zone_from_environment()
        table = Table(*(t(h) for h in ("Name", "Wann", "Letzter Termin", "Beschreibung")))
        for name, job in schedule.registered().items():
            table.add_row(name, job.describe(cli_locale()), timefmt.format_datetime(last.get(name), tz),
                          t(job.description) if job.description else "")
        console.print(table)


@app.command("run-periodic")
def run_periodic(name: str = typer.Argument(..., metavar="NAME", help="Name des regelmäßigen Auftrags "
                                                                      "(siehe „kommcert jobs periodic“).")) -> None:
    """Führt einen regelmäßigen Auftrag sofort einmal aus (für cron, ohne Worker)."""
    from kommcert.cli.common import settings
    from kommcert.jobs import schedule

    with unit_of_work() as db:
        result = schedule.run_now(db, settings(), name)
    console.print(t("{name} ausgeführt: {result}", name=name, result=result or {}))
