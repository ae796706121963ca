"""For tests of what happens at the same moment: a database of their own with real commits (the suite's
rolled-back connection cannot be shared by threads), and steps released together, each in its session."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from kommcert import migrate
from kommcert.db import scratch_postgres_database


@contextmanager
def own_database(database_url: str, tmp_path: Path, name: str) -> Iterator[str]:
    """A migrated database on the suite's server (PostgreSQL in CI), dropped afterwards; a file on SQLite."""
    if database_url.startswith("postgresql"):
        with scratch_postgres_database(database_url, f"{name}_{uuid.uuid4().hex[:8]}") as url:
            migrate.upgrade(url)
            yield url
    else:
        url = f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        migrate.upgrade(url)
        yield url


def at_once(factory: sessionmaker[Session], steps: Sequence[Callable[[Session], object]], *,
            refused: tuple[type[BaseException], ...] = ()) -> list[str]:
    """Run each step in a thread and session of its own, all released by one barrier; commit each.
    Answers per step "done", or "refused" when it raised one of ``refused`` (then rolled back); any
    other exception fails the test."""
    barrier = threading.Barrier(len(steps))
    outcome = [""] * len(steps)
    errors: list[BaseException] = []

    def run(index: int, step: Callable[[Session], object]) -> None:
        try:
            with factory() as db:
                barrier.wait(timeout=30)
                try:
                    step(db)
                    db.commit()
                    outcome[index] = "done"
                except refused:
                    db.rollback()
                    outcome[index] = "refused"
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, step)) for i, step in enumerate(steps)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert all(outcome), "a step did not finish within a minute"
    return outcome
