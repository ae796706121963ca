"""Every German text shown in a page has an English translation, and the switch works."""

from __future__ import annotations

import re
from pathlib import Path

from kommcert import i18n

PACKAGE = Path(i18n.__file__).resolve().parent.parent
CALL = re.compile(r"""(?<!\w)_\(\s*(?P<q>["'])(?P<text>(?:(?!(?P=q)).)+)(?P=q)\s*[,)]""")


def _template_strings() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in (PACKAGE / "web" / "templates").rglob("*.html"):
        for match in CALL.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group("text"), str(path.relative_to(PACKAGE)))
    return found


def test_it_translates_every_template_string() -> None:
    english = i18n._english()
    missing = {text: where for text, where in _template_strings().items() if text not in english}
    assert missing == {}


def test_every_catalogue_entry_is_translated() -> None:
    from babel.messages.pofile import read_po

    for po in (PACKAGE / "i18n" / "locale").rglob("*.po"):
        with po.open("rb") as fh:
            catalogue = read_po(fh)
        untranslated = [m.id for m in catalogue if m.id and not all(m.string if isinstance(m.string, tuple)
                                                                      else (m.string,))]
        assert untranslated == [], po.name


def test_it_renders_the_login_page_in_both_languages(client) -> None:  # noqa: ANN001
    assert "<h1>Anmelden</h1>" in client.get("/login").text
    assert "<h1>Sign in</h1>" in client.get("/login?lang=en").text
    assert 'lang="en"' in client.get("/login").text  # the choice is kept in a cookie


def test_it_translates_the_labels_shown_from_code() -> None:
    from kommcert.accounts.models import ROLE_LABELS_DE
    from kommcert.orgs.models import CONTACT_ROLE_LABELS_DE, KIND_LABELS_DE

    english = i18n._english()
    labels = [*KIND_LABELS_DE.values(), *CONTACT_ROLE_LABELS_DE.values(), *ROLE_LABELS_DE.values()]
    assert [label for label in labels if label not in english] == []


def test_it_translates_the_audit_event_names() -> None:
    from kommcert.audit.events import LABELS_DE

    english = i18n._english()
    assert [label for label in LABELS_DE.values() if label not in english] == []


PLURAL_CALL = re.compile(r"""\bn_?\(\s*"(?P<one>[^"]+)",\s*"(?P<many>[^"]+)",""")


def test_it_has_english_plural_forms_for_every_plural_call() -> None:
    """``n_("{n} Datei", "{n} Dateien", n)`` in templates and code needs both English forms in the .po."""
    plurals = i18n.plural_english()
    calls = set()
    for path in [*(PACKAGE / "web" / "templates").rglob("*.html"), *PACKAGE.rglob("*.py")]:
        calls |= {(m.group("one"), m.group("many")) for m in PLURAL_CALL.finditer(path.read_text(encoding="utf-8"))}
    assert calls, "the plural check found no calls"
    missing = [one for one, _ in calls if (one, 0) not in plurals or (one, 1) not in plurals]
    assert missing == []


def test_it_chooses_german_and_english_plural_forms() -> None:
    for lang, one, many in (("de", "1 Treffer in 1 Datei", "3 Treffer in 2 Dateien"),
                            ("en", "1 hit in 1 file", "3 hits in 2 files")):
        n_ = i18n.ngettext_for(lang)
        assert n_("{n} Treffer in {files}", "{n} Treffer in {files}", 1,
                  files=n_("{n} Datei", "{n} Dateien", 1)) == one
        assert n_("{n} Treffer in {files}", "{n} Treffer in {files}", 3,
                  files=n_("{n} Datei", "{n} Dateien", 2)) == many
