"""Every German text of the awareness pages, labels, mails and commands has an English translation."""

from __future__ import annotations

from pathlib import Path

from kommcert import i18n
from kommcert.awareness import coverage, gophish, readiness
from kommcert.awareness.models import CAUSE_LABELS_DE, FORMAT_LABELS_DE, TARGET_GROUP_LABELS_DE
from tests.core.test_i18n import CALL

TEMPLATES = Path(i18n.__file__).parent.parent / "web" / "templates" / "awareness"


def test_templates_and_labels_are_translated() -> None:
    english = i18n._english()
    texts = {m.group("text") for path in TEMPLATES.glob("*.html") for m in CALL.finditer(path.read_text())}
    texts |= {*TARGET_GROUP_LABELS_DE.values(), *FORMAT_LABELS_DE.values(), *CAUSE_LABELS_DE.values(),
              *coverage.STATUS_LABELS_DE.values(), *readiness.ITEM_LABELS_DE.values(), gophish.MERGED_LABEL}
    assert len(texts) > 100
    assert sorted(t for t in texts if t not in english) == []


def test_the_english_page_speaks_english(client, personas, login) -> None:  # noqa: ANN001
    login("kreis_a_admin")
    page = client.get("/awareness?lang=en").text
    assert "Training calendar" in page and "Schulungskalender</h1>" not in page
