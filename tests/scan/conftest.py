from tests.indicators.conftest import import_stix  # noqa: F401 - shared fixture
