"""Start a queued job at once: in a process of its own, in the request (tests), or not at all.

A large import is CPU work for seconds to minutes. Inside a web server process it would hold the
interpreter lock against every other request of that process (a feed poll waited 40 ms more while
one ran, see docs/benchmarks.md), so the web server starts ``kommcert worker --job ID`` and goes on.
The job is an ordinary row of the queue: if that process cannot start or dies, a running
``kommcert worker`` takes it (``KOMMCERT_JOB_RUNNER=worker`` leaves every job to those).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable

from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from kommcert.config import Settings

log = logging.getLogger("kommcert.jobs")

JobStarter = Callable[[int], None]
NICENESS = 10


def settings_environment(settings: Settings) -> dict[str, str]:
    """The process's environment with every setting of ``settings`` as ``KOMMCERT_*``: the job runs
    with exactly the web server's configuration, also where that was not read from the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOMMCERT_") or not k.endswith("_FILE")}
    for name, value in settings:
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        env[f"KOMMCERT_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    return env


def _lower_priority() -> list[str]:
    """``nice -n 10`` where there is one: on a busy server the import's processes (it reads in a second
    one) take the CPU the requests leave, instead of sharing it with them equally."""
    nice = shutil.which("nice")
    return [nice, "-n", str(NICENESS)] if nice else []


def process_starter(settings: Settings) -> JobStarter:
    def start(job_id: int) -> None:
        try:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
                [*_lower_priority(), sys.executable, "-m", "kommcert", "worker", "--job", str(job_id)],
                env=settings_environment(settings), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                start_new_session=True)
        except OSError as exc:  # the job stays queued for `kommcert worker`
            log.warning("could not start a process for job %s: %s", job_id, exc.strerror)
            return
        threading.Thread(target=process.wait, name=f"job-{job_id}", daemon=True).start()

    return start


def inline_starter(factory: sessionmaker[Session], settings: Settings) -> JobStarter:
    def start(job_id: int) -> None:
        from kommcert.jobs import worker

        worker.run_job(factory, settings, job_id)

    return start


def starter_for(settings: Settings, factory: sessionmaker[Session]) -> JobStarter:
    if settings.job_runner == "inline":
        return inline_starter(factory, settings)
    if settings.job_runner == "process":
        return process_starter(settings)
    return lambda job_id: None
