"""German is the source language; English comes from ``en*.json`` (German text -> English text).

Each domain keeps its own file (``en_orgs.json``, ``en_accounts.json`` …); they are merged.

``translate("Anmelden", "en")`` gives "Sign in". A test checks that every German string used
in templates and messages has an English entry.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources

LOCALES = ("de", "en")


@lru_cache(maxsize=1)
def _english() -> dict[str, str]:
    merged: dict[str, str] = {}
    for entry in sorted(resources.files("kommcert.i18n").iterdir(), key=lambda e: e.name):
        if entry.name.startswith("en") and entry.name.endswith(".json"):
            merged.update(json.loads(entry.read_text(encoding="utf-8")))
    return merged


def translate(text: str, locale: str) -> str:
    if locale == "de":
        return text
    return _english().get(text, text)


def gettext_for(locale: str):  # noqa: ANN201 - returns a callable for templates
    def _(text: str, **kwargs: object) -> str:
        out = translate(text, locale)
        return out.format(**kwargs) if kwargs else out

    return _


def cli_locale() -> str:
    """The command line's language: ``KOMMCERT_LANG`` (de or en), else ``KOMMCERT_DEFAULT_LOCALE``, else German.

    ``LANG``/``LANGUAGE`` are not consulted: servers often carry ``en_US``/``C.UTF-8`` whatever their
    operators read, and the platform speaks German unless asked otherwise (like its pages).
    """
    for name in ("KOMMCERT_LANG", "KOMMCERT_DEFAULT_LOCALE"):
        value = os.environ.get(name, "").strip().lower()[:2]
        if value in LOCALES:
            return value
    return "de"
