"""``kommcert subscriptions``: add, list, pull and remove subscriptions (Abonnements)."""

from __future__ import annotations

import typer

from kommcert.cli.common import console, fail, settings, t, unit_of_work

app = typer.Typer(no_args_is_help=True)


@app.command("add")
def add(
    name: str = typer.Argument(..., metavar="NAME", help="Name des Abonnements."),
    url: str = typer.Argument(..., metavar="ADRESSE", help="TAXII-Sammlung, MISP-Feed-Verzeichnis oder Liste."),
    as_user: str = typer.Option(..., "--as", help="E-Mail-Adresse einer Analystin oder Administratorin der "
                                                  "Organisation, der das Abonnement gehört."),
    kind: str = typer.Option("text", "--kind", help="taxii, misp_feed, csv oder text."),
    collection: str = typer.Option("", "--collection",
                                   help="TAXII: Kennung der Sammlung, wenn ADRESSE die API-Root ist."),
    username: str = typer.Option("", "--user", help="Benutzername (mit Geheimnis: HTTP Basic)."),
    secret_env: str = typer.Option("", "--secret-env", help="Name einer Umgebungsvariable mit Passwort oder Token "
                                                            "(nie auf der Kommandozeile)."),
    tlp: str = typer.Option("amber", "--tlp", help="TLP für Werte ohne eigene Kennzeichnung."),
    tags: str = typer.Option("", "--tags", help="Tags, durch Komma getrennt."),
    confidence: int = typer.Option(None, "--confidence", help="Vertrauen 0 bis 100."),
    lifetime: int = typer.Option(None, "--lifetime-days", help="Gültigkeit in Tagen."),
    interval: int = typer.Option(60, "--interval", help="Abrufintervall in Minuten (5 bis 10080)."),
) -> None:
    """Legt ein Abonnement an; der erste Abruf folgt mit dem nächsten Lauf von kommcert worker."""
    import os

    from pydantic import ValidationError

    from kommcert.accounts import service as accounts_service
    from kommcert.subscriptions import service
    from kommcert.subscriptions.schemas import SubscriptionIn

    secret = ""
    if secret_env:
        secret = os.environ.get(secret_env, "")
        if not secret:
            fail(t("Die Umgebungsvariable {name} ist leer oder fehlt.", name=secret_env))
    try:
        data = SubscriptionIn(name=name, kind=kind, url=url, collection=collection, username=username, secret=secret,
                              tlp=tlp, tags=[x.strip() for x in tags.split(",") if x.strip()], confidence=confidence,
                              lifetime_days=lifetime, interval_minutes=interval)
    except ValidationError as exc:
        problem = exc.errors()[0]
        fail(t("Ungültige Angabe: {field}", field=".".join(str(p) for p in problem["loc"])))
    cfg = settings()
    with unit_of_work() as db:
        user = accounts_service.get_user_by_email(db, as_user)
        if user is None or not user.is_active:
            fail(t("Benutzer {email} nicht gefunden oder gesperrt.", email=as_user))
        actor = accounts_service.actor_for(db, user)  # type: ignore[arg-type]
        sub = service.add_subscription(db, actor=actor, data=data, settings=cfg)  # type: ignore[arg-type]
        console.print(t("Abonnement {id} angelegt: {name}", id=sub.id, name=sub.name), highlight=False, markup=False)


@app.command("list")
def list_all() -> None:
    """Zeigt alle Abonnements mit Organisation, Zustand und letztem Fehler."""
    from sqlalchemy import select

    from kommcert.orgs.models import Organization
    from kommcert.subscriptions import service
    from kommcert.subscriptions.models import Subscription

    with unit_of_work() as db:
        rows = db.execute(select(Subscription, Organization.key).join(
            Organization, Organization.id == Subscription.owner_org_id).order_by(Subscription.id)).all()
        if not rows:
            console.print(t("Keine Abonnements."))
        for sub, org_key in rows:
            state = t({"ok": "in Ordnung", "failing": "fehlerhaft", "new": "noch nicht abgerufen",
                       "disabled": "ausgeschaltet"}[service.health(sub)])
            line = f"{sub.id}\t{org_key}\t{sub.kind}\t{sub.name}\t{state}\t{sub.total_imported}"
            console.print(line, highlight=False, markup=False)
            if sub.last_error:
                console.print(f"  - {sub.last_error}", highlight=False, markup=False)


@app.command("pull")
def pull(
    subscription: int = typer.Argument(None, metavar="NUMMER",
                                       help="Nur dieses Abonnement, auch wenn es nicht fällig ist."),
    everything: bool = typer.Option(False, "--all", help="Alle aktiven Abonnements, fällig oder nicht."),
) -> None:
    """Ruft Abonnements ab (ohne NUMMER: alle aktiven, die fällig sind).

    Jedes Abonnement wird für sich gespeichert; ein Fehler steht danach beim Abonnement und es wird später erneut
    versucht.
    """
    from sqlalchemy import select

    from kommcert.subscriptions import service
    from kommcert.subscriptions.models import Subscription

    cfg = settings()
    with unit_of_work() as db:
        if subscription is not None:
            found = db.get(Subscription, subscription)
            if found is None:
                fail(t("Abonnement {id} nicht gefunden.", id=subscription))
            chosen = [found]
        elif everything:
            chosen = list(db.scalars(select(Subscription).where(Subscription.enabled.is_(True))
                                     .order_by(Subscription.id)))
        else:
            chosen = list(service.due(db))
        if not chosen:
            console.print(t("Kein Abonnement fällig."))
        failed = False
        for sub in chosen:
            result = service.pull_one(db, sub=sub, settings=cfg)  # type: ignore[arg-type]
            db.commit()
            if not result.ok:
                failed = True
                console.print(f"{sub.name}: {t('Fehler')}: {result.error_de}", highlight=False, markup=False)  # type: ignore[union-attr]
            elif result.not_modified:
                console.print(f"{sub.name}: {t('unverändert')}", highlight=False, markup=False)  # type: ignore[union-attr]
            else:
                console.print(f"{sub.name}: " + t("{imported} übernommen, {removed} entfernt", imported=result.imported,
                                                  removed=result.removed), highlight=False, markup=False)  # type: ignore[union-attr]
    if failed:
        raise typer.Exit(1)


@app.command("remove")
def remove(
    subscription: int = typer.Argument(..., metavar="NUMMER", help="Nummer des Abonnements."),
) -> None:
    """Entfernt ein Abonnement; die Meldungen mit den übernommenen Werten bleiben."""
    from kommcert.subscriptions import service

    with unit_of_work() as db:
        service.remove_subscription(db, actor=None, subscription_id=subscription)
        console.print(t("Abonnement {id} entfernt.", id=subscription))
