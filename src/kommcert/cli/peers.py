"""``kommcert peers``: other kommcert instances as peers (federation).

Two sides, one peer row each: ``add`` is the *inbound* side (the other instance reads here: its
organisation, its maximum TLP, the token it will use — printed once), ``connect`` the *outbound* side
(this instance subscribes to the other's TAXII collection with the token the other printed).
"""

from __future__ import annotations

import typer

from kommcert.cli.common import console, fail, settings, t, unit_of_work

app = typer.Typer(no_args_is_help=True)


@app.command("add")
def add(
    key: str = typer.Argument(..., metavar="SCHLÜSSEL", help="Kurzname der Partnerinstanz (a-z, 0-9, -)."),
    name: str = typer.Argument(..., metavar="NAME", help="Name, wie ihn Seiten und Protokoll zeigen."),
    max_tlp: str = typer.Option("green", "--max-tlp", help="Höchste TLP, die sie erhält: clear, green oder amber."),
    parent: str = typer.Option("", "--parent", help="Schlüssel des Landes, wenn sie darunter hängen soll "
                                                    "(sonst steht sie neben dem Baum)."),
) -> None:
    """Legt eine Partnerinstanz an (Organisation, Höchst-TLP, Zugang) und zeigt ihr Token einmal an."""
    from kommcert.federation import service

    with unit_of_work() as db:
        added = service.add_peer(db, key=key, name=name, max_tlp=service.parse_max_tlp(max_tlp),
                                 parent_key=parent or None)
        console.print(t("Partnerinstanz {key} angelegt (höchstens {tlp}).", key=key,
                        tlp=added.peer.max_tlp.upper()), highlight=False, markup=False)
        console.print(t("Token (wird nur jetzt angezeigt):"), highlight=False, markup=False)
        console.print(added.token, highlight=False, markup=False, soft_wrap=True)


@app.command("connect")
def connect(
    key: str = typer.Argument(..., metavar="SCHLÜSSEL", help="Kurzname der Partnerinstanz (erst mit add anlegen)."),
    url: str = typer.Argument(..., metavar="ADRESSE", help="TAXII-Sammlung der Partnerinstanz "
                                                           "(…/taxii2/root/collections/<id>/)."),
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse einer Analystin oder Administratorin der "
                                                  "Organisation, der das Abonnement gehört."),
    secret_env: str = typer.Option(..., "--secret-env", help="Name einer Umgebungsvariable mit dem Token, das die "
                                                             "Partnerinstanz ausgegeben hat."),
    interval: int = typer.Option(60, "--interval", help="Abrufintervall in Minuten (5 bis 10080)."),
) -> None:
    """Abonniert die TAXII-Sammlung einer Partnerinstanz; Sichtungen gehen an sie zurück."""
    import os

    from kommcert.accounts import service as accounts_service
    from kommcert.federation import service

    secret = os.environ.get(secret_env, "")
    if not secret:
        fail(t("Die Umgebungsvariable {name} ist leer oder fehlt.", name=secret_env))
    cfg = settings()
    with unit_of_work() as db:
        peer = service.get_peer(db, key)
        user = accounts_service.get_user_by_email(db, as_user)
        if user is None or not user.is_active:
            fail(t("Benutzer {email} nicht gefunden oder gesperrt.", email=as_user))
        actor = accounts_service.actor_for(db, user)  # type: ignore[arg-type]
        sub_id = service.connect(db, peer=peer, actor=actor, url=url, secret=secret, settings=cfg,
                                 interval_minutes=interval)
        console.print(t("Abonnement {id} für die Partnerinstanz {key} angelegt.", id=sub_id, key=key),
                      highlight=False, markup=False)


@app.command("max-tlp")
def max_tlp(
    key: str = typer.Argument(..., metavar="SCHLÜSSEL", help="Kurzname der Partnerinstanz."),
    tlp: str = typer.Argument(..., metavar="TLP", help="clear, green oder amber."),
) -> None:
    """Ändert die höchste TLP, die eine Partnerinstanz erhält (gilt ab ihrem nächsten Abruf)."""
    from kommcert.federation import service

    with unit_of_work() as db:
        service.set_max_tlp(db, peer=service.get_peer(db, key), max_tlp=service.parse_max_tlp(tlp))
        console.print(t("Höchste TLP von {key}: {tlp}", key=key, tlp=service.parse_max_tlp(tlp).upper()),
                      highlight=False, markup=False)


@app.command("list")
def list_all() -> None:
    """Zeigt die Partnerinstanzen: Höchst-TLP, letzter Kontakt in beide Richtungen, Sichtungen."""
    from kommcert.federation import service

    def when(value) -> str:  # noqa: ANN001
        return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"

    with unit_of_work() as db:
        views = service.list_peers(db)
        if not views:
            console.print(t("Keine Partnerinstanzen."))
        for v in views:
            console.print(f"{v.key}\t{v.name}\t{v.max_tlp.upper()}\t"
                          + t("liest hier: {a}; abonniert: {b}; Sichtungen erhalten {r}, gesendet {s}",
                              a=when(v.last_read_by_peer), b=when(v.last_pulled_at) if v.subscription_id else "—",
                              r=v.sightings_received, s=v.sightings_sent), highlight=False, markup=False)
            if v.last_error:
                console.print(f"  - {v.last_error}", highlight=False, markup=False)


@app.command("push")
def push_now(
    key: str = typer.Argument(None, metavar="SCHLÜSSEL", help="Nur an diese Partnerinstanz."),
) -> None:
    """Meldet Sichtungen jetzt an die abonnierten Partnerinstanzen zurück (sonst alle 15 Minuten durch den Worker)."""
    from kommcert.federation import push, service

    cfg = settings()
    failed = False
    with unit_of_work() as db:
        results = [push.push(db, peer=service.get_peer(db, key), settings=cfg)] if key else \
            push.push_all(db, settings=cfg)
        for r in results:
            if r.ok:
                console.print(t("Partnerinstanz {id}: {n} Sichtungen gesendet", id=r.peer_id, n=r.sent),
                              highlight=False, markup=False)
            else:
                failed = True
                console.print(f"{r.peer_id}: {t('Fehler')}: {r.error}", highlight=False, markup=False)
    if failed:
        raise typer.Exit(1)
