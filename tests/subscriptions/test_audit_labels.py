"""The Protokoll names subscription events in German (and English), filters by them, and keeps the
secret out; TAXII answers appear there as labelled exports of the collection read."""

from __future__ import annotations

from kommcert import i18n
from kommcert.audit import events
from kommcert.subscriptions import service
from kommcert.subscriptions.schemas import SubscriptionIn


def test_every_subscription_event_has_a_german_and_an_english_label() -> None:
    english = i18n._english()
    actions = (service.CREATED, service.CHANGED, service.REMOVED, service.PULLED)
    assert actions == (events.SUBSCRIPTION_CREATED, events.SUBSCRIPTION_CHANGED, events.SUBSCRIPTION_REMOVED,
                       events.SUBSCRIPTION_PULLED)
    labels = [events.LABELS_DE[a] for a in actions]
    assert len(set(labels)) == 4 and all(label in english for label in labels)


def test_the_protokoll_shows_subscription_events_by_their_german_names(client, db, personas, login,  # noqa: ANN001
                                                                       settings, source) -> None:
    source.put("/liste.txt", "audit-label.example\n")
    sub = service.add_subscription(db, actor=personas.actor("kreis_a_admin"), settings=settings, data=SubscriptionIn(
        name="Protokoll-Probe", kind="text", url=f"{source.url}/liste.txt", secret="geheim-123"))
    service.pull_now(db, actor=personas.actor("kreis_a_admin"), subscription_id=sub.id, settings=settings)
    service.remove_subscription(db, actor=personas.actor("kreis_a_admin"), subscription_id=sub.id)
    db.commit()
    login("kreis_a_admin")
    page = client.get("/audit").text
    rows = page.split("<tbody", 1)[-1]  # the entries, not the filter's list of events
    for label in ("Abonnement angelegt", "Abonnement von Hand abgerufen", "Abonnement entfernt"):
        assert label in rows
    assert "subscription_" not in rows and "geheim-123" not in page
    only = client.get("/audit", params={"action": events.SUBSCRIPTION_PULLED}).text
    assert "Abonnement von Hand abgerufen" in only.split("<tbody", 1)[-1]
    assert "Abonnement angelegt" not in only.split("<tbody", 1)[-1]


def test_a_taxii_answer_is_logged_as_a_labelled_export(client, db, personas, login) -> None:  # noqa: ANN001
    from tests.taxii.conftest import bearer, objects_url

    assert client.get(objects_url("community"), headers=bearer(personas.token("kreis_a_admin"))).status_code == 200
    db.commit()
    login("kreis_a_admin")
    rows = client.get("/audit", params={"action": events.EXPORTED}).text.split("<tbody", 1)[-1]
    assert events.LABELS_DE[events.EXPORTED] in rows and "taxii-objects" in rows
