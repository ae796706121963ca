"""A real SMTP server on loopback (aiosmtpd), with STARTTLS and implicit TLS from a test CA."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope

USER, PASSWORD = "kommcert", "smtp-geheimnis"


@dataclass
class Inbox:
    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:  # noqa: ANN001, N802
        self.envelopes.append(envelope)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001
    login = getattr(auth_data, "login", None)
    ok = login == USER.encode() and getattr(auth_data, "password", None) == PASSWORD.encode()
    return AuthResult(success=ok)


@dataclass
class SmtpServer:
    port: int
    inbox: Inbox
    ca_file: str


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, str]:
    authority = trustme.CA()
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return authority, str(path)


def _server_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


def _start(**kwargs: object) -> tuple[Controller, Inbox, int]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)  # type: ignore[arg-type]
    controller.start()
    return controller, inbox, port


@pytest.fixture
def plain_smtp(ca) -> Iterator[SmtpServer]:  # noqa: ANN001
    controller, inbox, port = _start()
    yield SmtpServer(port, inbox, ca[1])
    controller.stop()


@pytest.fixture
def starttls_smtp(ca) -> Iterator[SmtpServer]:  # noqa: ANN001
    controller, inbox, port = _start(tls_context=_server_context(ca[0]), require_starttls=True,
                                     authenticator=_authenticator, auth_required=True)
    yield SmtpServer(port, inbox, ca[1])
    controller.stop()


@pytest.fixture
def tls_smtp(ca) -> Iterator[SmtpServer]:  # noqa: ANN001
    context = _server_context(ca[0])
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ssl_context=context,
                            authenticator=_authenticator, auth_required=True, auth_require_tls=False)
    # The controller's readiness probe speaks plain SMTP; with implicit TLS it needs the CA too.
    controller.start()
    yield SmtpServer(port, inbox, ca[1])
    controller.stop()


def read_settings(base, server: SmtpServer, **kw: object):  # noqa: ANN001, ANN201
    return base.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": server.port,
                                   "smtp_ca_file": server.ca_file, **kw})


