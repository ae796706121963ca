"""aiosmtpd on loopback for the notification tests (the mail tests' server), and one that refuses the
first message after reading it, so a retried send can be compared with the first attempt."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from tests.mail.conftest import SmtpServer, _free_port, ca, plain_smtp  # noqa: F401 - fixtures


@dataclass
class FlakyInbox:
    """Takes every message's DATA, but answers the first ``failures`` with a temporary error."""

    failures: int = 1
    attempts: list[Envelope] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:  # noqa: ANN001, N802
        self.attempts.append(envelope)
        if len(self.attempts) <= self.failures:
            return "451 Please try again later"
        self.envelopes.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def flaky_smtp(ca) -> Iterator[SmtpServer]:  # noqa: ANN001, F811
    inbox = FlakyInbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpServer(port, inbox, ca[1])  # type: ignore[arg-type]
    controller.stop()
