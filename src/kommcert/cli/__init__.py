"""The ``kommcert`` command line. Importing this package makes Click and Typer speak German.

Click and Typer mark their own strings ("Show this message and exit.", "No such command", "Usage:",
the panel titles …) with ``gettext``; here their module-level ``_``/``ngettext`` are pointed at the
``click`` catalogue of :mod:`kommcert.i18n` (German unless ``KOMMCERT_LANG=en``), and Typer's panel
titles, computed once at import, are refreshed before each help or error is drawn. The language is
read at each call, so one process (the tests) can switch it.

The help shows a value's meaning ("TEXT", "ZAHL", "PFAD", the choices) instead of Python type
tags (``<list[str]>``, ``<bool>``, ``<int range>``); flags show none.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

from kommcert.i18n import cli_locale, click_gettext, click_localise, click_ngettext, translate

_TYPER_FIXED = {
    "DEPRECATED_STRING": "(deprecated) ", "DEFAULT_STRING": "[default: {}]", "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]", "ARGUMENTS_PANEL_TITLE": "Arguments", "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands", "ERRORS_PANEL_TITLE": "Error", "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}


def help_paragraphs(text: str | None) -> list[str]:
    """A help text's paragraphs, each on one line: the msgids of the CLI's help in the catalogue."""
    if not text:
        return []
    return [" ".join(part.split()) for part in text.strip().split("\n\n") if part.strip()]


def _translated_help(text: str | None) -> str | None:
    if not text or cli_locale() == "de":
        return text
    return "\n\n".join(translate(part, cli_locale()) for part in help_paragraphs(text))


def _localise_help(cmd: Any) -> None:  # noqa: ANN401
    """Our own (German) help texts of a command, its options and its sub-commands, in English on request."""
    for param in getattr(cmd, "params", ()):
        original = getattr(param, "_kommcert_metavar_de", param.metavar)
        if isinstance(original, str) and getattr(param, "param_type_name", "") == "argument":
            param._kommcert_metavar_de = original
            param.metavar = translate(original, cli_locale())
    for obj in (cmd, *getattr(cmd, "params", ()), *getattr(cmd, "commands", {}).values()):
        for attr in ("help", "short_help"):
            original = getattr(obj, f"_kommcert_{attr}_de", getattr(obj, attr, None))
            if isinstance(original, str) and original != HELP_OPTION_TEXT:
                setattr(obj, f"_kommcert_{attr}_de", original)
                setattr(obj, attr, _translated_help(original))


def _refresh_typer_strings() -> None:
    from typer import rich_utils

    for name, english in _TYPER_FIXED.items():
        setattr(rich_utils, name, click_gettext(english))


HELP_OPTION_TEXT = "Show this message and exit."


def _localise_arguments(args: tuple, kwargs: dict) -> None:
    """The help option's text on a help page; the message of an error (Typer builds both in English)."""
    import typer._click as tclick

    first = args[0] if args else kwargs.get("obj", kwargs.get("self"))
    if isinstance(getattr(first, "ctx", None), tclick.Context):
        _localise_help(first.ctx.command)
    if isinstance(first, tclick.ClickException) and not getattr(first, "__kommcert_localised__", False):
        original = first.format_message
        first.format_message = lambda: click_localise(original())  # type: ignore[method-assign]
        first.__kommcert_localised__ = True  # type: ignore[attr-defined]
    ctx = args[1] if len(args) > 1 else kwargs.get("ctx")
    if isinstance(first, tclick.Command):
        _localise_help(first)
    if isinstance(first, tclick.Command) and ctx is not None:
        for param in first.get_params(ctx):
            if getattr(param, "help", None) in (HELP_OPTION_TEXT, getattr(param, "_kommcert_help", None)):
                param._kommcert_help = click_localise(HELP_OPTION_TEXT)
                param.help = param._kommcert_help


def _refreshing(func: Any) -> Any:  # noqa: ANN401
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        _refresh_typer_strings()
        _localise_arguments(args, kwargs)
        return func(*args, **kwargs)

    wrapper.__kommcert_localised__ = True  # type: ignore[attr-defined]
    return wrapper


def _type_label(param: Any, ctx: Any) -> str | None:  # noqa: ANN401
    """What the help shows after an option: its metavar, its choices, or a German word for its kind."""
    import datetime
    import typing

    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    if param.metavar is not None:  # an argument's metavar is its name, shown already
        return None if getattr(param, "param_type_name", "") == "argument" else param.metavar
    desc = param.type_descriptor
    if desc.is_choice:
        return "|".join(str(getattr(c, "value", c)) for c in desc.choices)
    annotation = desc.annotation
    if desc.is_list:
        annotation = (typing.get_args(annotation) or (str,))[0]
    lang = cli_locale()
    if desc.is_path or desc.is_file:
        return translate("PFAD", lang)
    if annotation in (int, float):
        return translate("ZAHL", lang)
    if annotation is datetime.datetime:
        return translate("ZEIT", lang)
    if annotation is bool:
        return None
    return translate("TEXT", lang)


def _range_label(param: Any) -> str | None:  # noqa: ANN401
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if getattr(param, "count", False) or (low is None and high is None):
        return None
    if low is not None and high is not None:
        return f"{low}–{high}"
    return f"≥ {low}" if high is None else f"≤ {high}"


def _localised_pieces(func: Any) -> Any:  # noqa: ANN401
    """The usage line's ``[OPTIONS]`` and ``COMMAND [ARGS]...`` in the command line's language."""
    @functools.wraps(func)
    def wrapper(self: Any, ctx: Any) -> list[str]:  # noqa: ANN401
        return [click_gettext(piece) for piece in func(self, ctx)]

    wrapper.__kommcert_localised__ = True  # type: ignore[attr-defined]
    return wrapper


def install() -> None:
    """Idempotent: localise Click and Typer in every module already imported (and typer's rich help)."""
    import click  # noqa: F401 - import the modules to patch
    import typer._click.core
    import typer._click.formatting
    import typer.core
    import typer.rich_utils

    for name, module in list(sys.modules.items()):
        if module is None or not (name == "click" or name.startswith(("click.", "typer."))):
            continue
        if callable(getattr(module, "_", None)) and getattr(module._, "__module__", "") == "gettext":
            module._ = click_gettext
        if getattr(getattr(module, "ngettext", None), "__module__", "") == "gettext":
            module.ngettext = click_ngettext
    utils = typer.rich_utils
    for func in ("rich_format_help", "rich_format_error", "rich_abort_error"):
        if not getattr(getattr(utils, func), "__kommcert_localised__", False):
            setattr(utils, func, _refreshing(getattr(utils, func)))
    for cls in (typer.core.TyperOption, typer.core.TyperArgument):
        cls.display_type_rich = lambda self, ctx: _type_label(self, ctx)  # type: ignore[method-assign]
        cls.display_type = lambda self, ctx: _type_label(self, ctx) or ""  # type: ignore[method-assign]
        cls._get_number_range_help_str = lambda self: _range_label(self)  # type: ignore[method-assign]
    for cls in (typer._click.core.Command, typer.core.TyperGroup):
        pieces = cls.__dict__.get("collect_usage_pieces")
        if pieces is not None and not getattr(pieces, "__kommcert_localised__", False):
            cls.collect_usage_pieces = _localised_pieces(pieces)  # type: ignore[method-assign]
    formatter = typer._click.formatting.HelpFormatter
    if not getattr(formatter.write_usage, "__kommcert_localised__", False):
        original_usage = formatter.write_usage

        def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:  # noqa: ANN401
            return original_usage(self, prog, args, prefix if prefix is not None else click_gettext("Usage:") + " ")

        write_usage.__kommcert_localised__ = True  # type: ignore[attr-defined]
        formatter.write_usage = write_usage  # type: ignore[method-assign]
    _refresh_typer_strings()


install()
