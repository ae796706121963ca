from __future__ import annotations

import typer

from kommcert.cli.common import console, fail, settings, t

app = typer.Typer(no_args_is_help=True)


@app.command("test")
def test(address: str = typer.Argument(..., metavar="ADRESSE", help="Empfängeradresse für die Testnachricht.")) -> None:
    """Sendet sofort eine Test-E-Mail über den eingestellten SMTP-Server (ohne Warteschlange)."""
    from kommcert.mail import sender
    from kommcert.mail import service as mail_service

    cfg = settings()
    message = mail_service.build(cfg, to=[address], subject="kommcert: Testnachricht",
                                 text="Diese Nachricht bestätigt, dass kommcert E-Mails versenden kann.\n")
    try:
        sender.send(cfg, message)
    except sender.MailError as exc:
        fail(str(exc))
    console.print(t("Testnachricht an {address} versandt.", address=address))
