from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """Each test gives the CLI its own environment; the process-wide settings cache must not carry over."""
    from kommcert.config import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
