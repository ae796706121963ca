import pytest

from tests.indicators.conftest import import_stix  # noqa: F401 - shared fixture


@pytest.fixture(autouse=True)
def _private_cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scans without --cache-dir keep their sets under $XDG_CACHE_HOME: never the real home in tests."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
