from __future__ import annotations

import pytest

from kommcert.config import DEV_SECRET_KEY, SettingsError, load_settings

GOOD = "x" * 40


def test_it_refuses_a_missing_secret_outside_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KOMMCERT_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError) as exc:
        load_settings(env="prod")
    assert "KOMMCERT_SECRET_KEY" in str(exc.value)
    assert "\n" not in str(exc.value)


def test_it_refuses_the_development_default_in_production() -> None:
    with pytest.raises(SettingsError, match="KOMMCERT_SECRET_KEY"):
        load_settings(env="prod", secret_key=DEV_SECRET_KEY)


def test_it_refuses_a_short_secret() -> None:
    with pytest.raises(SettingsError, match="32"):
        load_settings(env="prod", secret_key="short")


def test_it_allows_the_default_in_dev_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KOMMCERT_SECRET_KEY", raising=False)
    assert load_settings(env="dev").secret_key.get_secret_value() == DEV_SECRET_KEY


def test_it_reads_secrets_from_files(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    secret = tmp_path / "secret"
    secret.write_text(GOOD + "\n")
    monkeypatch.setenv("KOMMCERT_SECRET_KEY_FILE", str(secret))
    monkeypatch.setenv("KOMMCERT_SECRET_KEY", "ignored-because-the-file-wins")
    assert load_settings(env="prod").secret_key.get_secret_value() == GOOD


def test_it_names_an_unreadable_secret_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("KOMMCERT_SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(SettingsError, match="KOMMCERT_SECRET_KEY_FILE"):
        load_settings(env="prod")


def test_it_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOMMCERT_SECRET_KEY", GOOD)
    monkeypatch.setenv("KOMMCERT_DATABASE_URL", "postgresql+psycopg://u@db/kommcert")
    monkeypatch.setenv("KOMMCERT_SMTP_PORT", "2525")
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://u@db/kommcert"
    assert settings.smtp_port == 2525


def test_it_rejects_a_bad_value_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOMMCERT_SMTP_PORT", "not-a-port")
    with pytest.raises(SettingsError) as exc:
        load_settings(env="dev")
    assert "smtp_port" in str(exc.value)


def test_it_does_not_read_settings_at_import() -> None:
    import importlib

    import kommcert.app
    import kommcert.asgi

    # Importing the app modules must not build an engine or read the environment.
    importlib.reload(kommcert.asgi)
    assert kommcert.asgi.app._app is None
