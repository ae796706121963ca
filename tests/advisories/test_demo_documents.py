"""The demo source's documents are valid CSAF 2.0 whenever the demo is loaded (dates move with the clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kommcert.advisories.demo_documents import ADVISORIES, documents
from kommcert.db import utcnow


@pytest.mark.parametrize("now", [utcnow(), utcnow() + timedelta(days=800), datetime(2031, 2, 28, 23, 59, tzinfo=UTC)])
def test_every_demo_document_passes_the_schema_and_the_mandatory_tests(now: datetime) -> None:
    from csaf.csaf.v20 import validate

    docs = documents(now)
    assert len(docs) == len(ADVISORIES) >= 6
    for doc in docs:
        report = validate(doc, preset="basic")
        failed = [r.id for r in report.results if not r.passed and not r.skipped]
        assert report.overall_valid, (doc["document"]["tracking"]["id"], failed)
        assert doc["document"]["tracking"]["current_release_date"] <= now.strftime("%Y-%m-%dT%H:%M:%S.999Z")
