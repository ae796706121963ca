"""Jinja2 rendering with the request's language, actor and CSRF token in every template."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup, escape

from kommcert import i18n, timefmt
from kommcert.deps import LANG_COOKIE, PRE_CSRF_COOKIE, current_viewer, expected_csrf

TEMPLATES = Path(__file__).parent / "templates"

# Bidirectional controls (embeddings, overrides, isolates, marks): "exe.txt" can be stored as
# "\u202etxt.exe" and shown reversed. Values and titles show them escaped and flagged instead.
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    return _escaped_char(match.group())


def bidi_plain(value: object) -> str:
    """The text with every bidi control written as ``\\u202e`` (for <title> and attributes)."""
    return BIDI_CONTROLS.sub(_escaped, "" if value is None else str(value))


@pass_context
def bidi(ctx: Any, value: object) -> Markup:
    """Escaped HTML of a stored value; bidi controls are shown as ``\\u202e`` and the value is flagged."""
    text = "" if value is None else str(value)
    if not BIDI_CONTROLS.search(text):
        return escape(text)
    parts = [escape(part) if i % 2 == 0 else Markup('<mark class="ctrl">%s</mark>') % _escaped_char(part)
             for i, part in enumerate(re.split(f"({BIDI_CONTROLS.pattern})", text))]
    gettext = ctx.get("_") or (lambda s: s)
    return Markup("").join(parts) + Markup(' <span class="error" role="note">(%s)</span>') % gettext(
        "enthält Steuerzeichen")


def _escaped_char(char: str) -> str:
    return f"\\u{ord(char):04x}"


def _zone(ctx: Any) -> Any:
    settings = ctx.get("settings")
    return settings.tz if settings is not None else timefmt.zone(timefmt.DEFAULT_ZONE)


@pass_context
def local_datetime(ctx: Any, value: Any, seconds: bool = False) -> str:
    """``{{ x|datetime }}``: local time with its zone, ``07.03.2026 07:12 MEZ`` (``KOMMCERT_TIMEZONE``)."""
    return timefmt.format_datetime(value, _zone(ctx), ctx.get("lang", "de"), seconds=seconds)


@pass_context
def local_date(ctx: Any, value: Any) -> str:
    """``{{ x|date }}``: the local calendar day, ``07.03.2026``."""
    return timefmt.format_date(value, _zone(ctx), ctx.get("lang", "de"))


@pass_context
def number(ctx: Any, value: int) -> str:
    """``{{ n|number }}``: 12.345 in German, 12,345 in English."""
    text = f"{value:,}"
    return text.replace(",", ".") if ctx.get("lang", "de") == "de" else text


@pass_context
def type_label(ctx: Any, value: object) -> str:
    """``{{ i.type|type_label }}``: "IPv4-Netz" for ``ipv4_cidr`` (one table, ``indicators.types``)."""
    from kommcert.indicators.types import IndicatorType

    try:
        label = IndicatorType(str(value)).label
    except ValueError:
        return str(value)
    gettext = ctx.get("_") or (lambda s: s)
    return gettext(label)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["bidi"] = bidi
    env.filters["bidi_plain"] = bidi_plain
    env.filters["datetime"] = local_datetime
    env.filters["date"] = local_date
    env.filters["type_label"] = type_label
    env.filters["number"] = number
    return env


def locale_of(request: Request) -> str:
    wanted = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if wanted in i18n.LOCALES:
        return wanted  # type: ignore[return-value]
    viewer = current_viewer(request)
    if viewer is not None and viewer.locale in i18n.LOCALES:
        return viewer.locale
    return request.app.state.settings.default_locale


def render(request: Request, template: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    if status_code >= 400:
        # An error page is a normal response, so the request's transaction would commit whatever
        # the handler wrote before it failed (half an import, say); get_db rolls it back instead.
        # A handler that must keep something (a failed login for throttling) commits first.
        request.state.discard_writes = True
    locale = locale_of(request)
    csrf = expected_csrf(request)
    new_pre_csrf = None
    if csrf is None:
        from kommcert.accounts.secrets import new_secret

        csrf = new_pre_csrf = getattr(request.state, "pre_csrf", None) or new_secret(24)
        request.state.pre_csrf = csrf
    viewer = current_viewer(request)
    ctx = {
        "request": request,
        "_": i18n.gettext_for(locale),
        "n_": i18n.ngettext_for(locale),
        "lang": locale,
        "csrf_token": csrf,
        "actor": getattr(request.state, "actor", None),
        "current_user": viewer if viewer is not None and viewer.mfa_passed else None,
        "settings": request.app.state.settings,
    }
    ctx.update(context or {})
    html = environment().get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code)
    if new_pre_csrf is not None:
        response.set_cookie(PRE_CSRF_COOKIE, new_pre_csrf, httponly=True, samesite="strict",
                            secure=request.app.state.settings.secure_cookies)
    if request.query_params.get("lang") in i18n.LOCALES:
        response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax",
                            secure=request.app.state.settings.secure_cookies)
    return response


def render_error(request: Request, status_code: int, de: str, en: str) -> HTMLResponse:
    locale = locale_of(request)
    return render(request, "error.html", {"status": status_code, "message": de if locale == "de" else en},
                  status_code=status_code)
