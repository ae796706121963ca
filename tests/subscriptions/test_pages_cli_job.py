"""The /subscriptions pages, ``kommcert subscriptions`` and the periodic job."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from typer.testing import CliRunner

from kommcert.db import utcnow
from kommcert.jobs import handlers
from kommcert.jobs.schedule import registered
from kommcert.subscriptions import service
from kommcert.subscriptions.models import Subscription
from kommcert.subscriptions.schemas import SubscriptionIn
from tests.personas import csrf_from


def test_the_page_adds_pulls_edits_and_removes_a_subscription(client, login, personas, source, db) -> None:  # noqa: ANN001
    source.put("/list.txt", "203.0.113.77\n")
    login("kreis_a_admin")
    page = client.get("/subscriptions")
    assert page.status_code == 200 and "Abonnement hinzufügen" in page.text and "127.0.0.1" in page.text
    form = {"csrf_token": csrf_from(page.text), "name": "Land-Liste", "kind": "text", "url": f"{source.url}/list.txt",
            "secret": "page-secret", "tlp": "green", "tags": "abo, land", "interval_minutes": "30", "enabled": "1"}
    added = client.post("/subscriptions", data=form, follow_redirects=False)
    assert added.status_code == 303, added.text
    detail = client.get(added.headers["location"])
    assert "Land-Liste" in detail.text and "page-secret" not in detail.text
    assert "Passwort oder Token gespeichert" in detail.text
    sid = int(added.headers["location"].rsplit("/", 1)[1])
    pulled = client.post(f"/subscriptions/{sid}/pull", data={"csrf_token": csrf_from(detail.text)})
    assert pulled.status_code == 200 and "Übernommen: 1" in pulled.text
    edited = client.post(f"/subscriptions/{sid}", data={**form, "name": "Land-Liste 2", "secret": "",
                                                        "csrf_token": csrf_from(pulled.text)}, follow_redirects=False)
    assert edited.status_code == 303
    sub = db.get(Subscription, sid)
    db.refresh(sub)
    assert sub.name == "Land-Liste 2" and sub.auth_secret == "page-secret" and sub.interval_minutes == 30
    listing = client.get("/subscriptions?lang=en")
    assert "Subscriptions" in listing.text and "Land-Liste 2" in listing.text
    removed = client.post(f"/subscriptions/{sid}/delete", data={"csrf_token": csrf_from(listing.text)},
                          follow_redirects=False)
    db.expire_all()
    assert removed.status_code == 303 and db.scalar(select(Subscription.id).where(Subscription.id == sid)) is None


def test_the_page_refuses_a_host_off_the_list_with_the_message(client, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    page = client.get("/subscriptions")
    refused = client.post("/subscriptions", data={"csrf_token": csrf_from(page.text), "name": "x", "kind": "csv",
                                                  "url": "https://intel.example.net/x.csv", "tlp": "amber"})
    assert refused.status_code == 422 and "nicht freigegeben" in refused.text


def test_pages_of_another_kreis_are_not_found_and_members_only_read(client, login, personas, settings, db) -> None:  # noqa: ANN001
    sub = service.add_subscription(db, actor=personas.actor("kreis_a_admin"), settings=settings, data=SubscriptionIn(
        name="A", kind="text", url="http://127.0.0.1/x"))
    login("kreis_b_admin")
    assert client.get(f"/subscriptions/{sub.id}").status_code == 404
    page = client.get("/subscriptions")
    assert "http://127.0.0.1/x" not in page.text
    assert client.post(f"/subscriptions/{sub.id}/pull", data={"csrf_token": csrf_from(page.text)}).status_code == 404
    client.cookies.clear()
    login("gemeinde_a1_member")
    own = client.get("/subscriptions")
    assert own.status_code == 200 and "Abonnement hinzufügen" not in own.text


def test_the_periodic_job_pulls_what_is_due(db, personas, settings, source) -> None:  # noqa: ANN001
    assert registered()["subscriptions-pull"].every == timedelta(minutes=5)
    source.put("/list.txt", "due.example\n")
    sub = service.add_subscription(db, actor=personas.actor("kreis_a_admin"), settings=settings, data=SubscriptionIn(
        name="A", kind="text", url=f"{source.url}/list.txt", interval_minutes=60))
    result = handlers.get("subscriptions.pull")(db, {}, settings)
    assert result["pulled"] == {str(sub.id): {"imported": 1, "removed": 0}}
    assert sub.next_attempt_at > utcnow() + timedelta(minutes=55)
    assert handlers.get("subscriptions.pull")(db, {}, settings)["pulled"] == {}


def test_the_cli_adds_lists_pulls_and_removes(cli_db, source, monkeypatch) -> None:  # noqa: ANN001
    from kommcert.cli.main import app
    from kommcert.config import get_settings
    from kommcert.db import make_engine, make_sessionmaker, session_scope
    from tests.personas import build_personas

    monkeypatch.setenv("KOMMCERT_OUTBOUND_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    engine = make_engine(get_settings().database_url)
    with session_scope(make_sessionmaker(engine)) as db:
        build_personas(db)
    engine.dispose()
    source.put("/list.txt", "cli.example\n")
    runner = CliRunner()
    monkeypatch.setenv("ABO_TOKEN", "cli-secret")
    added = runner.invoke(app, ["subscriptions", "add", "CLI-Liste", f"{source.url}/list.txt", "--as",
                                "kreis_a_admin@example.test", "--secret-env", "ABO_TOKEN", "--tags", "cli"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["subscriptions", "list"])
    assert "CLI-Liste" in listed.output and "kreis_a" in listed.output and "cli-secret" not in listed.output
    pulled = runner.invoke(app, ["subscriptions", "pull"])
    assert pulled.exit_code == 0 and "1 übernommen" in pulled.output
    assert source.requests[-1][1]["authorization"] == "Bearer cli-secret"
    again = runner.invoke(app, ["subscriptions", "pull", "--all"])
    assert "unverändert" in again.output or "0 übernommen" in again.output
    bad = runner.invoke(app, ["subscriptions", "add", "x", "https://elsewhere.example/x", "--as",
                              "kreis_a_admin@example.test"])
    assert bad.exit_code == 2 and "nicht freigegeben" in bad.output
    assert runner.invoke(app, ["subscriptions", "pull", "99"]).exit_code == 2
    assert runner.invoke(app, ["subscriptions", "remove", "1"]).exit_code == 0
    assert "Keine Abonnements" in runner.invoke(app, ["subscriptions", "list"]).output
