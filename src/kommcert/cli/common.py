"""Shared CLI plumbing: settings, a unit of work, and one-line errors with exit code 2."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from kommcert.config import Settings, SettingsError, get_settings
from kommcert.db import make_engine, make_sessionmaker, session_scope
from kommcert.errors import DomainError

console = Console()
err_console = Console(stderr=True)


def settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        fail(str(exc))
        raise  # unreachable


def fail(message: str) -> None:
    err_console.print(f"[bold red]Fehler:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Commit on success; on a domain error roll back, print one line, exit 2."""
    cfg = settings()
    engine = make_engine(cfg.database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as db:
            yield db
    except DomainError as exc:
        fail(exc.message(cfg.default_locale))
    finally:
        engine.dispose()


def run(app: typer.Typer) -> None:
    try:
        app()
    except SettingsError as exc:
        err_console.print(f"[bold red]Fehler:[/] {exc}", highlight=False)
        sys.exit(2)
