"""German is the source language; English comes from gettext catalogues (Babel ``.po`` files).

``locale/en/LC_MESSAGES/kommcert.po`` maps our German msgids to English, with plural forms;
``locale/de/LC_MESSAGES/click.po`` gives Click's and Typer's own English strings in German (the
command line's "Show this message and exit.", "No such command" …). The ``.po`` files are the only
committed form: they are compiled in memory (Babel ``read_po`` + ``write_mo``) on first use and
cached, so there is no build step. New German texts get their English in the ``.po`` (``pybabel
extract`` can list them; the completeness test names what is missing).

``translate("Anmelden", "en")`` gives "Sign in"; ``ngettext_for("en")("{n} Treffer", "{n} Treffer",
2)`` the plural. A test checks that every German string used in templates and messages has English.
"""

from __future__ import annotations

import gettext as _gettext
import io
import os
import re
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

LOCALES = ("de", "en")
DOMAIN = "kommcert"


def _po_file(lang: str, domain: str):  # noqa: ANN202 - a Traversable
    return resources.files("kommcert.i18n") / "locale" / lang / "LC_MESSAGES" / f"{domain}.po"


@lru_cache(maxsize=8)
def catalogue(lang: str, domain: str = DOMAIN) -> _gettext.NullTranslations:
    """The compiled catalogue of one language and domain (empty when there is none)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = _po_file(lang, domain)
    if not po.is_file():
        translations: _gettext.NullTranslations = _gettext.NullTranslations()
    else:
        with po.open("rb") as fh:
            parsed = read_po(fh, locale=lang, domain=domain)
        buffer = io.BytesIO()
        write_mo(buffer, parsed, use_fuzzy=False)
        buffer.seek(0)
        translations = _gettext.GNUTranslations(buffer)
    return translations


def _english() -> dict[str, str]:
    """German -> English of every singular entry."""
    table = getattr(catalogue("en"), "_catalog", {})
    return {key: value for key, value in table.items() if isinstance(key, str) and key}


def plural_english() -> dict[tuple[str, int], str]:
    """(German singular, form) -> English of every plural entry."""
    table = getattr(catalogue("en"), "_catalog", {})
    return {key: value for key, value in table.items() if isinstance(key, tuple)}


def translate(text: str, locale: str) -> str:
    if locale == "de":
        return text
    return catalogue(locale).gettext(text)


def translate_plural(singular: str, plural: str, n: int, locale: str) -> str:
    if locale == "de":
        return singular if n == 1 else plural
    return catalogue(locale).ngettext(singular, plural, n)


def gettext_for(locale: str) -> Callable[..., str]:
    """``_("Text {x}", x=1)`` for templates and messages."""
    def _(text: str, **kwargs: object) -> str:
        out = translate(text, locale)
        return out.format(**kwargs) if kwargs else out

    return _


def ngettext_for(locale: str) -> Callable[..., str]:
    """``n_("{n} Datei", "{n} Dateien", n, …)``: the form for ``n``;
    ``n`` is also passed to the format, so texts may use ``{n}``."""
    def n_(singular: str, plural: str, n: int, **kwargs: object) -> str:
        return translate_plural(singular, plural, n, locale).format(n=n, **kwargs)

    return n_


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


def click_gettext(message: str) -> str:
    """Click's and Typer's own (English) strings in the command line's language."""
    if cli_locale() == "en":
        return message
    return catalogue("de", "click").gettext(message)


def click_ngettext(singular: str, plural: str, n: int) -> str:
    if cli_locale() == "en":
        return singular if n == 1 else plural
    return catalogue("de", "click").ngettext(singular, plural, n)


@lru_cache(maxsize=1)
def _click_patterns() -> list[tuple[re.Pattern[str], str]]:
    """Whole-message patterns from the ``click`` catalogue: ``{name}`` placeholders become groups."""
    table = getattr(catalogue("de", "click"), "_catalog", {})
    patterns = []
    for msgid, msgstr in table.items():
        if not isinstance(msgid, str) or not re.search(r"\{\w+(?:![rsa])?\}", msgid):
            continue
        parts = re.split(r"\{(\w+)(?:![rsa])?\}", msgid)
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        patterns.append((re.compile(f"^{regex}$", re.DOTALL), re.sub(r"\{(\w+)![rsa]\}", r"{\1}", msgstr)))
    patterns.sort(key=lambda p: -len(p[0].pattern))
    return patterns


def click_localise(text: str, _depth: int = 0) -> str:
    """A message Typer built in English, in the command line's language (whole-message match)."""
    if cli_locale() == "en" or not text or _depth > 3:
        return text
    exact = catalogue("de", "click").gettext(text)
    if exact != text:
        return exact
    for pattern, template in _click_patterns():
        match = pattern.match(text)
        if match:
            groups = {k: click_localise(v, _depth + 1) for k, v in match.groupdict().items()}
            return template.format(**groups)
    return text
