"""Tokens' last uses, noted in memory by the feeds and written a few at a time by a thread.

Every appliance poll used its token for the first time in a minute (appliances poll every few
minutes), so every 304 wrote the token's row and committed: a write transaction per poll, and on
SQLite a wait for the single write lock while an import holds it. The feeds note the use here
instead; a thread of the server process writes all noted uses in one transaction every
``seconds`` (and once more when the app stops). "Last used" on the tokens page is then up to that
many seconds late, and a crash loses at most that much bookkeeping, never a credential check: the
token itself is still read and checked on every poll.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from kommcert.accounts.models import ApiToken

log = logging.getLogger("kommcert.accounts")

Note = Callable[[int, datetime, "str | None"], None]


class TokenUse:
    def __init__(self, factory: Callable[[], Session], seconds: float = 5.0, *, start: bool = True) -> None:
        self.factory, self.seconds = factory, seconds
        self._noted: dict[int, tuple[datetime, str | None]] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.thread: threading.Thread | None = None
        if start:
            self.thread = threading.Thread(target=self._run, name="kommcert-token-use", daemon=True)
            self.thread.start()

    def note(self, token_id: int, when: datetime, ip: str | None) -> None:
        with self._lock:
            self._noted[token_id] = (when, ip[:45] if ip else None)

    def pending(self) -> int:
        with self._lock:
            return len(self._noted)

    def flush(self) -> int:
        """Write every noted use in one transaction; answers how many tokens were written. What
        could not be written is noted again (unless a newer use was noted meanwhile)."""
        with self._lock:
            noted, self._noted = self._noted, {}
        if not noted:
            return 0
        rows = [{"token_id": token_id, "when": when, "ip": ip} for token_id, (when, ip) in sorted(noted.items())]
        try:
            with self.factory() as db:
                db.connection().execute(
                    update(ApiToken.__table__).where(ApiToken.__table__.c.id == bindparam("token_id"))
                    .values(last_used_at=bindparam("when"), last_used_ip=bindparam("ip")), rows)
                db.commit()
        except Exception:
            with self._lock:
                for token_id, value in noted.items():
                    self._noted.setdefault(token_id, value)
            raise
        return len(rows)

    def _run(self) -> None:
        while not self._stopped.wait(self.seconds):
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - kept and tried again with the next beat
                log.exception("the tokens' last uses could not be written")

    def stop(self) -> None:
        self._stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=self.seconds + 5)
        try:
            self.flush()
        except Exception:  # noqa: BLE001 - the app is stopping; bookkeeping only
            log.exception("the tokens' last uses could not be written at stop")
