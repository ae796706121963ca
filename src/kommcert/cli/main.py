"""The ``kommcert`` command. Each sub-command parses, calls one service function, prints."""

from __future__ import annotations

import typer

from kommcert.cli import common

app = typer.Typer(
    name="kommcert",
    help="kommcert – gemeinsame Cyberabwehr von Land und Kommunen.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    from kommcert.cli import (
        advisories,
        awareness,
        contingents,
        db,
        demo,
        incidents,
        indicators,
        inventory,
        jobs,
        mail,
        orgs,
        peers,
        providers,
        scan,
        serve,
        subscriptions,
        tokens,
        users,
        warninglists,
        worker,
    )

    app.add_typer(db.app, name="db")
    app.add_typer(orgs.app, name="orgs", help="Organisationsbaum: Import (GV100AD, CSV) und Anzeige.")
    app.add_typer(providers.app, name="providers",
                  help="Dienstleister und MIRT: Fähigkeiten, Regionen, Personen (Import und Anzeige).")
    app.add_typer(users.app, name="users", help="Benutzer anlegen, auflisten, sperren.")
    app.add_typer(tokens.app, name="tokens", help="API-Tokens anlegen, auflisten, widerrufen.")
    app.add_typer(indicators.app, name="indicators", help="Indikatoren (IoCs) importieren und exportieren.")
    app.add_typer(warninglists.app, name="warninglists", help="Warnlisten: Werte, die nie gesperrt werden.")
    app.add_typer(jobs.app, name="jobs", help="Hintergrundaufträge anzeigen und wiederholen.")
    app.add_typer(mail.app, name="mail", help="E-Mail-Versand prüfen.")
    app.add_typer(incidents.app, name="incidents", help="Vorfälle (IT-Notfälle) melden und auflisten.")
    app.add_typer(contingents.app, name="contingents",
                  help="Kontingente des Rahmenvertrags festlegen und anzeigen.")
    app.add_typer(advisories.app, name="advisories",
                  help="Warnungen (CSAF): Quellen abrufen, Dokumente einlesen, Quarantäne.")
    app.add_typer(inventory.app, name="inventory", help="Produktinventar einer Organisation einlesen und anzeigen.")
    app.add_typer(awareness.app, name="awareness",
                  help="Sensibilisierung: Schulungskalender, Abdeckung, Phishing-Kampagnen (GoPhish) einlesen.")
    app.add_typer(subscriptions.app, name="subscriptions", help="Abonnements: Quellen, die kommcert regelmäßig abruft.")
    app.add_typer(peers.app, name="peers", help="Partnerinstanzen (andere kommcert-Instanzen).")
    app.command("scan")(scan.scan)
    app.command("demo")(demo.demo)
    app.command("serve")(serve.serve)
    app.command("worker")(worker.worker)


_register()


def main() -> None:
    common.run(app)
