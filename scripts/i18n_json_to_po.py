"""Merge the English JSON catalogues (``src/kommcert/i18n/en*.json``) into the gettext catalogue.

``python scripts/i18n_json_to_po.py`` adds every German -> English pair of the JSON files to
``src/kommcert/i18n/locale/en/LC_MESSAGES/kommcert.po`` and takes over a JSON text that differs (the
JSON files win while they exist, as in the loader); every other entry of the ``.po`` (its plural forms,
entries no JSON has) is kept, so running it twice changes nothing. With ``--remove-json`` the merged
JSON files are deleted afterwards (the loader reads any that remain). ``--check`` exits 1 when a JSON
pair is missing from the ``.po`` or differs from it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "src" / "kommcert" / "i18n"
PO = I18N / "locale" / "en" / "LC_MESSAGES" / "kommcert.po"


def json_pairs() -> tuple[dict[str, str], list[Path]]:
    pairs: dict[str, str] = {}
    files = sorted(I18N.glob("en*.json"))
    for path in files:
        pairs.update(json.loads(path.read_text(encoding="utf-8")))
    return pairs, files


def load() -> Catalog:
    if PO.exists():
        with PO.open("rb") as fh:
            return read_po(fh, locale="en", domain="kommcert")
    catalog = Catalog(locale="en", domain="kommcert", project="kommcert", version="1",
                      copyright_holder="kommcert", msgid_bugs_address="", fuzzy=False,
                      header_comment="# English for kommcert: German msgids (the source language) -> English.\n"
                                     "# Merged from en*.json by scripts/i18n_json_to_po.py; edit here.")
    catalog.last_translator = catalog.language_team = "kommcert"
    return catalog


def save(catalog: Catalog) -> None:
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=False, sort_output=True, no_location=True)
    # A stable header: no creation dates that change on every run.
    text = PO.read_text(encoding="utf-8").splitlines(keepends=True)
    PO.write_text("".join(line for line in text if not line.startswith(('"POT-Creation-Date', '"PO-Revision-Date'))),
                  encoding="utf-8")


def main(argv: list[str]) -> int:
    pairs, files = json_pairs()
    catalog = load()
    missing = {de: en for de, en in pairs.items() if catalog.get(de) is None or not catalog.get(de).string}
    conflicts = [de for de, en in pairs.items() if catalog.get(de) is not None and catalog.get(de).string
                 and isinstance(catalog.get(de).string, str) and catalog.get(de).string != en]
    if "--check" in argv:
        for de in conflicts:
            print(f"weicht von der .po ab: {de!r}")
        if missing:
            print(f"{len(missing)} Einträge fehlen in {PO.name}: python scripts/i18n_json_to_po.py")
        return 1 if missing or conflicts else 0
    for de, en in missing.items():
        catalog.add(de, en)
    for de in conflicts:
        catalog[de].string = pairs[de]
    save(catalog)
    if "--remove-json" in argv:
        for path in files:
            path.unlink()
    print(f"{len(missing)} neue, {len(conflicts)} geänderte Einträge, {len(catalog)} insgesamt in "
          f"{PO}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
