"""A real server on loopback with its own freshly migrated database, driven by Debian's Chromium."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import uvicorn
from aiosmtpd.controller import Controller

from kommcert import migrate
from kommcert.config import load_settings
from kommcert.db import make_sessionmaker, scratch_postgres_database
from tests.conftest import SECRET
from tests.mail.conftest import Inbox

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@dataclass
class LiveServer:
    url: str
    database_url: str
    session_factory: object
    settings: object

    @contextmanager
    def session(self) -> Iterator:
        """A session on the server's database (the caller commits what the server should see)."""
        db = self.session_factory()
        try:
            yield db
        finally:
            db.close()

    def logged_in(self, browser, email: str, **context: object):  # noqa: ANN001, ANN201
        """A new German browser context, logged in through the form; returns its page."""
        from tests.personas import PASSWORD

        page = browser.new_context(locale="de-DE", **context).new_page()
        page.goto(self.url + "/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(self.url + "/")
        return page


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite file, or a throw-away database on the suite's PostgreSQL server."""
    base = os.environ.get("KOMMCERT_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        yield f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
        return
    with scratch_postgres_database(base, f"kc_live_{uuid.uuid4().hex[:10]}") as url:
        yield url


@contextmanager
def serving(settings, port: int) -> Iterator[LiveServer]:  # noqa: ANN001
    """The app of ``settings`` on a real uvicorn server on loopback, in a thread, for as long as the block runs."""
    from kommcert.app import create_app

    migrate.upgrade(settings.database_url)
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", settings.database_url,
                         make_sessionmaker(app.state.engine), settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


@pytest.fixture(scope="module")
def live_server(live_database: str) -> Iterator[LiveServer]:
    port = _free_port()
    # The feeds page shows this server's own address; MISP feeds may come from loopback.
    settings = load_settings(env="test", secret_key=SECRET, database_url=live_database, secure_cookies=False,
                             base_url=f"http://127.0.0.1:{port}", outbound_hosts="127.0.0.1")
    with serving(settings, port) as server:
        yield server


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[int, Inbox]]:
    """aiosmtpd on loopback for the modules whose server sends mail: (port, inbox)."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@contextmanager
def serving_with_mail(database_url: str, smtp_port: int) -> Iterator[LiveServer]:
    """A module's own server: the usual test settings, mail to aiosmtpd on loopback, fetches from loopback."""
    port = _free_port()
    settings = load_settings(env="test", secret_key=SECRET, database_url=database_url, secure_cookies=False,
                             base_url=f"http://127.0.0.1:{port}", outbound_hosts="127.0.0.1",
                             smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_security="none")
    with serving(settings, port) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser) -> Iterator:  # noqa: ANN001
    context = browser.new_context(locale="de-DE")
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
