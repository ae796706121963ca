"""Shared CLI plumbing: settings, a unit of work, and one-line errors with exit code 2."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from kommcert.config import Settings, SettingsError, get_settings
from kommcert.db import make_engine, make_sessionmaker, session_scope
from kommcert.errors import DomainError
from kommcert.i18n import cli_locale, translate

console = Console()
err_console = Console(stderr=True)

NO_DATABASE_DE = ("KOMMCERT_DATABASE_URL ist nicht gesetzt: welche Datenbank? Zum Beispiel "
                  "export KOMMCERT_DATABASE_URL=postgresql+psycopg://kommcert@localhost/kommcert "
                  "(zum Ausprobieren: sqlite:///kommcert.sqlite3)")
NO_TABLES_DE = "Die Datenbank ist nicht eingerichtet (Tabellen fehlen): kommcert db upgrade ausführen."
UNREACHABLE_DE = "Datenbank nicht erreichbar: {detail}"


def settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        fail(str(exc))
        raise  # unreachable


def database_settings() -> Settings:
    """Settings for a command that works on the database: the database is never guessed.

    ``Settings`` keeps a default URL for library use, but the CLI refuses to create a
    ``./kommcert.sqlite3`` where the operator meant another database.
    """
    cfg = settings()  # a wrong setting (the secret key …) is named first
    if not (os.environ.get("KOMMCERT_DATABASE_URL") or os.environ.get("KOMMCERT_DATABASE_URL_FILE")):
        fail(NO_DATABASE_DE)
    return cfg


def fail(message: str, en: str | None = None) -> None:
    """One line on stderr and exit code 2; English when ``KOMMCERT_LANG=en`` (given or from the catalogue)."""
    lang = cli_locale()
    text = message if lang == "de" else (en or translate(message, lang))
    label = translate("Fehler", lang)
    err_console.print(f"[bold red]{label}:[/] {text}", highlight=False, soft_wrap=True, markup=True)
    raise typer.Exit(2)


def database_error(exc: Exception) -> None:
    """An unreachable or unmigrated database: one line, exit 2 (no traceback)."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    lowered = detail.lower()
    if "no such table" in lowered or ("relation" in lowered and "does not exist" in lowered):
        fail(NO_TABLES_DE)
    fail(UNREACHABLE_DE.format(detail=detail),
         translate(UNREACHABLE_DE, cli_locale()).format(detail=detail))


@contextmanager
def database_errors() -> Iterator[None]:
    try:
        yield
    except (OperationalError, ProgrammingError) as exc:
        database_error(exc)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Commit on success; on a domain error roll back, print one line, exit 2."""
    cfg = database_settings()
    engine = make_engine(cfg.database_url)
    try:
        with database_errors(), session_scope(make_sessionmaker(engine)) as db:
            yield db
    except DomainError as exc:
        fail(exc.de, exc.en)
    finally:
        engine.dispose()


def run(app: typer.Typer) -> None:
    try:
        app()
    except SettingsError as exc:
        err_console.print(f"[bold red]Fehler:[/] {exc}", highlight=False)
        sys.exit(2)


_JSON_REASONS = (  # json's messages, German and English for people
    ("Expecting value", "hier fehlt ein Wert", "a value is missing here"),
    ("Expecting property name enclosed in double quotes", "hier gehört ein Name in doppelten Anführungszeichen hin",
     "a name in double quotes belongs here"),
    ("Expecting ',' delimiter", "hier fehlt ein Komma", "a comma is missing here"),
    ("Expecting ':' delimiter", "hier fehlt ein Doppelpunkt", "a colon is missing here"),
    ("Extra data", "nach dem Ende des JSON folgt noch etwas", "something follows the end of the JSON"),
    ("Unterminated string", "eine Zeichenkette wird nicht geschlossen", "a string is not closed"),
    ("Invalid control character", "ein Steuerzeichen in einer Zeichenkette", "a control character in a string"),
    ("Invalid \\escape", "ungültige Escape-Folge (\\)", "invalid escape sequence (\\)"),
)
JSON_CHECK_MAX_BYTES = 64 << 20  # json.loads needs several times the file in memory


def json_problem(path: str) -> tuple[str, str] | None:
    """Where a JSON file is broken, for people: ("broken.json: kein gültiges JSON – Zeile 3, Spalte 17: …", en).

    None when the file parses, is not JSON-like, or is too large to check here."""
    import json
    from pathlib import Path

    file = Path(path)
    try:
        if not file.is_file() or file.stat().st_size > JSON_CHECK_MAX_BYTES:
            return None
        text = file.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return None
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        de, en = next(((d, e) for key, d, e in _JSON_REASONS if exc.msg.startswith(key)), (exc.msg, exc.msg))
        return (f"{file.name}: kein gültiges JSON – Zeile {exc.lineno}, Spalte {exc.colno}: {de}",
                f"{file.name}: invalid JSON – line {exc.lineno}, column {exc.colno}: {en}")
    except (RecursionError, ValueError):  # too deep or too large a number here: the reader's message stands
        return None
    return None


def t(text: str, **kw: object) -> str:
    """A German message in the command line's language, ``{name}`` placeholders filled in."""
    out = translate(text, cli_locale())
    return out.format(**kw) if kw else out


def n(singular: str, plural: str, count: int, **kw: object) -> str:
    """The plural form for ``count`` (also ``{n}`` in the text) in the command line's language."""
    from kommcert.i18n import translate_plural

    return translate_plural(singular, plural, count, cli_locale()).format(n=count, **kw)


def user_by_email(db: Session, email: str):  # noqa: ANN201 - the User model, imported late like the services
    """The active user a command acts for (``--as EMAIL``); a one-line error otherwise."""
    from kommcert.accounts import service as accounts_service

    user = accounts_service.get_user_by_email(db, email)
    if user is None or not user.is_active:
        fail(t("Benutzer {email} nicht gefunden oder gesperrt.", email=email))
    return user


def actor_by_email(db: Session, email: str):  # noqa: ANN201
    """The actor of :func:`user_by_email`: what the command may see and do is that person's."""
    from kommcert.accounts import service as accounts_service

    return accounts_service.actor_for(db, user_by_email(db, email))


def org_id_or_own(db: Session, actor, key: str | None) -> int:  # noqa: ANN001
    """The organisation named by ``--org KEY``, else the actor's own."""
    from kommcert.inventory import service as inventory_service

    return inventory_service.org_id_by_key(db, key) if key else actor.org_id
