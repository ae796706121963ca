"""The demo source's documents are valid CSAF 2.0 whenever the demo is loaded (dates move with the clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kommcert.advisories.demo_documents import ADVISORIES, documents
from kommcert.db import utcnow


@pytest.mark.parametrize("now", [utcnow(), utcnow() + timedelta(days=800), datetime(2031, 2, 28, 23, 59, tzinfo=UTC)])
def test_every_demo_document_passes_the_schema_and_the_mandatory_tests(now: datetime) -> None:
    from kommcert.advisories import csaf_documents  # the csaf validator, imported without touching the root logger

    docs = documents(now)
    assert len(docs) == len(ADVISORIES) >= 6
    for doc in docs:
        assert csaf_documents.validate(doc) == [], doc["document"]["tracking"]["id"]
        assert doc["document"]["tracking"]["current_release_date"] <= now.strftime("%Y-%m-%dT%H:%M:%S.999Z")
