"""Each user chooses immediate or daily digest: on the account page (German and English) and via
``PATCH /api/v1/me``; only for oneself, never with a read-only token, bad values refused."""

from __future__ import annotations

from kommcert.accounts.models import TokenScope
from tests.personas import csrf_from


def _mode(db, personas, name: str) -> str:  # noqa: ANN001
    user = personas.users[name]
    db.refresh(user)
    return user.notification_mode


def test_the_default_is_immediate(db, personas) -> None:  # noqa: ANN001
    assert _mode(db, personas, "gemeinde_a1_member") == "immediate"


def test_a_user_chooses_the_digest_on_the_account_page(client, db, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    page = client.get("/account")
    assert "Benachrichtigungen" in page.text and "einmal täglich als Zusammenfassung" in page.text
    saved = client.post("/account/notifications", data={"mode": "digest", "csrf_token": csrf_from(page.text)})
    assert saved.status_code == 200 and "Die Einstellung für Benachrichtigungen wurde gespeichert." in saved.text
    assert 'value="digest" checked' in saved.text
    assert _mode(db, personas, "gemeinde_a1_member") == "digest"
    assert _mode(db, personas, "gemeinde_a1_admin") == "immediate"  # only one's own
    english = client.get("/account?lang=en")
    assert "once a day as a digest" in english.text and "How do you want to be notified" in english.text


def test_the_account_page_refuses_an_unknown_mode(client, db, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    page = client.get("/account")
    refused = client.post("/account/notifications", data={"mode": "hourly", "csrf_token": csrf_from(page.text)})
    assert refused.status_code == 422 and "Bitte „sofort“ oder „täglich“ wählen." in refused.text
    assert _mode(db, personas, "kreis_a_admin") == "immediate"


def test_the_account_form_needs_a_login_and_the_csrf_token(client, login) -> None:  # noqa: ANN001
    anonymous = client.post("/account/notifications", data={"mode": "digest"}, follow_redirects=False)
    assert anonymous.status_code in (303, 403)
    login("kreis_a_admin")
    assert client.post("/account/notifications", data={"mode": "digest"}).status_code == 403


def test_the_api_reads_and_sets_the_mode(client, db, personas) -> None:  # noqa: ANN001
    headers = personas.auth("kreis_b_admin")
    assert client.get("/api/v1/me", headers=headers).json()["notification_mode"] == "immediate"
    changed = client.patch("/api/v1/me", json={"notification_mode": "digest"}, headers=headers)
    assert changed.status_code == 200 and changed.json()["notification_mode"] == "digest"
    assert _mode(db, personas, "kreis_b_admin") == "digest"
    assert _mode(db, personas, "kreis_a_admin") == "immediate"


def test_the_api_refuses_bad_values_read_only_tokens_and_anonymous_callers(client, db, personas) -> None:  # noqa: ANN001
    bad = client.patch("/api/v1/me", json={"notification_mode": "hourly"}, headers=personas.auth("kreis_a_admin"))
    assert bad.status_code == 422
    read_only = client.patch("/api/v1/me", json={"notification_mode": "digest"},
                             headers=personas.auth("kreis_a_admin", TokenScope.read))
    assert read_only.status_code == 403
    assert client.patch("/api/v1/me", json={"notification_mode": "digest"}).status_code in (401, 403)
    assert _mode(db, personas, "kreis_a_admin") == "immediate"
