"""Run Alembic from code: ``kommcert db upgrade`` and the test fixtures use this."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection


def alembic_config(database_url: str | None = None, connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("kommcert") / "migrations"))
    if database_url:
        cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(database_url: str | None = None, *, connection: Connection | None = None,
            revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url, connection), revision)


def current_heads(database_url: str) -> tuple[str, ...]:
    from alembic.script import ScriptDirectory

    return tuple(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


# Indexes that exist only in the database, not in the models: PostgreSQL's trigram index over
# indicator values (migration 0016) has no portable declaration. Autogenerate leaves them alone.
DATABASE_ONLY_INDEXES = frozenset({"ix_indicators_value_trgm"})


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (type_ == "index" and name in DATABASE_ONLY_INDEXES)
