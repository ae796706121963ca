"""A server process hands the interpreter between threads every KOMMCERT_SWITCH_INTERVAL_MS (a feed poll
waits for it at each database answer while a search computes in the same process); 0 leaves Python's own."""

from __future__ import annotations

import sys

import pytest

from kommcert.app import create_app


@pytest.fixture
def restore_interval():  # noqa: ANN201
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


def test_the_app_sets_the_configured_switch_interval(settings, session_factory, restore_interval,  # noqa: ANN001
                                                     monkeypatch) -> None:  # noqa: ANN001
    sys.setswitchinterval(0.005)
    monkeypatch.setattr(settings, "switch_interval_ms", 1.0)
    create_app(settings, sessionmaker=session_factory)
    assert sys.getswitchinterval() == pytest.approx(0.001)
    sys.setswitchinterval(0.005)
    monkeypatch.setattr(settings, "switch_interval_ms", 0.0)
    create_app(settings, sessionmaker=session_factory)
    assert sys.getswitchinterval() == pytest.approx(0.005)
