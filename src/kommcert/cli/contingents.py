"""``kommcert contingents set|show``: the contingents of the framework contract."""

from __future__ import annotations

import typer
from rich.table import Table

from kommcert.cli.common import actor_by_email, console, fail, t, unit_of_work

app = typer.Typer(no_args_is_help=True)


def _year(year: int | None) -> int:
    from kommcert.db import utcnow

    return year if year is not None else utcnow().year


@app.command("set")
def set_(
    org: str = typer.Option(..., "--org", help="Schlüssel der Kommune oder des Kreises."),
    year: int = typer.Option(..., "--year", help="Jahr, für das das Kontingent gilt."),
    hours: str = typer.Option(None, "--hours", help="Kontingent in Stunden, z. B. 40 oder 12,5."),
    euros: str = typer.Option(None, "--euros", help="Kontingent in Euro, z. B. 25000 oder 1234,56."),
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse einer Administratorin des Landes-CERT."),
) -> None:
    """Legt das Kontingent einer Kommune oder eines Kreises für ein Jahr fest (Stunden oder Euro).

    Ein Kreiskontingent deckt die Kommunen des Kreises ab. Ein Kontingent wird nie kleiner als das,
    was schon verbraucht oder reserviert ist.
    """
    from kommcert.contracts import service
    from kommcert.contracts.models import ContingentUnit

    if (hours is None) == (euros is None):
        fail(t("Genau eine Angabe: --hours oder --euros."))
    unit, amount = (ContingentUnit.hours, hours) if hours is not None else (ContingentUnit.euros, euros)
    with unit_of_work() as db:
        actor = actor_by_email(db, as_user)
        contingent = service.set_contingent(db, actor=actor, org_key=org, year=year, unit=unit, amount=amount)
        item = service.balance(db, contingent)
        console.print(t("Kontingent {org} {year}: {amount} {unit}.", org=item.org.name, year=year,
                        amount=item.amount, unit=t(_UNIT[unit])))


_UNIT = {"hours": "Stunden", "euros": "Euro"}


@app.command("show")
def show(
    org: str = typer.Option(None, "--org", help="Nur diese Organisation (und die Kontingente darüber)."),
    year: int = typer.Option(None, "--year", help="Jahr (Vorgabe: das laufende)."),
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse des Benutzers, dessen Sicht gezeigt wird."),
) -> None:
    """Zeigt Kontingente mit verbraucht, reserviert und frei, je Organisation und je Kreis summiert."""
    from kommcert.contracts import service
    from kommcert.orgs import service as orgs_service

    with unit_of_work() as db:
        actor = actor_by_email(db, as_user)
        the_year = _year(year)
        table = Table(*(t(h) for h in ("Kreis", "Organisation", "Einheit", "Kontingent", "Verbraucht", "Reserviert",
                                       "Frei")))
        if org:
            found = orgs_service.get_by_key(db, org)
            if found is None:
                fail(t("Organisation {key} nicht gefunden.", key=org))
            items = service.list_balances(db, actor=actor, year=the_year, org_id=found.id)  # type: ignore[union-attr]
            if not items:
                fail(t("Kein sichtbares Kontingent für {key} im Jahr {year}.", key=org, year=the_year))
            for b in items:
                table.add_row("", b.org.name, t(_UNIT[b.contingent.unit]), str(b.amount), str(b.used),
                              str(b.reserved), str(b.left))
        else:
            for rollup in service.overview(db, actor=actor, year=the_year):
                for b in rollup.balances:
                    table.add_row(rollup.kreis.name, b.org.name, t(_UNIT[b.contingent.unit]), str(b.amount),
                                  str(b.used), str(b.reserved), str(b.left))
                for unit, (a, u, r) in sorted(rollup.totals.items()):
                    table.add_row(rollup.kreis.name, t("Summe"), t(_UNIT[unit]), str(a), str(u), str(r),
                                  str(a - u - r), style="bold")
        console.print(table)
