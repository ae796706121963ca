"""PDF output for every capability: HTML (a Jinja page rendered by the caller) in, PDF bytes out.

WeasyPrint lays the page out with the print stylesheet ``print.css`` (A4, DejaVu fonts from Debian's
fonts-dejavu-core, "Seite X von Y", the TLP marking in header and footer). Rendering never goes to the
network: only ``data:`` URLs and files below the base directory (default: the pages' static files) are read,
so an address in a document cannot make the server fetch or embed anything else.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kommcert.sharing.tlp import TLP

__all__ = ["TLP_COLOURS", "render_pdf"]

log = logging.getLogger(__name__)

# TLP 2.0: the label in its colour on black (FIRST, "TLP labels")
TLP_COLOURS = {TLP.red: "#FF2B2B", TLP.amber: "#FFC000", TLP.amber_strict: "#FFC000", TLP.green: "#33FF00",
               TLP.clear: "#FFFFFF"}
_PAGE_PARTS = re.compile(r"\{(page|pages)\}")


def render_pdf(html: str, *, base_url: str | Path | None = None, tlp: TLP | str | None = None,
               lang: str = "de") -> bytes:
    """The PDF of ``html``. ``tlp`` (a :class:`TLP` or a label such as ``TLP:AMBER+STRICT``) is printed at the top
    and bottom of every page; documents about shared objects must pass their TLP. ``lang`` chooses the page
    numbering ("Seite 1 von 3" / "Page 1 of 3"). ``base_url``: a directory (or ``file://`` URL) that relative
    references in the HTML resolve against; nothing outside it is read."""
    import weasyprint

    marking = TLP.parse(tlp) if isinstance(tlp, str) else tlp
    root = _base_directory(base_url)
    document = weasyprint.HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=_fetcher_class()(root))
    stylesheets = [weasyprint.CSS(string=_stylesheet()), weasyprint.CSS(string=_page_css(marking, lang))]
    return document.write_pdf(stylesheets=stylesheets, pdf_tags=True)


def _stylesheet() -> str:
    return resources.files("kommcert.pdf").joinpath("print.css").read_text(encoding="utf-8")


def _page_css(marking: TLP | None, lang: str) -> str:
    """Page numbering and TLP marking for this document (the only per-document part of the stylesheet)."""
    from kommcert import i18n

    label = i18n.translate("Seite {page} von {pages}", lang)
    parts = [f"counter({part})" if index % 2 else _css_string(part)
             for index, part in enumerate(_PAGE_PARTS.split(label)) if part]
    css = f"@page {{ @bottom-right {{ content: {' '.join(parts)}; }} }}\n"
    if marking is not None:
        box = (f"content: {_css_string(marking.label)}; color: {TLP_COLOURS[marking]}; background: #000; "
               "font-family: 'DejaVu Sans Mono', monospace; font-weight: bold; font-size: 9pt; "
               "padding: 0.8mm 2mm; margin: auto 0;")
        css += f"@page {{ @top-right {{ {box} }} @bottom-left {{ {box} }} }}\n"
    return css


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ") + '"'


def _base_directory(base_url: str | Path | None) -> Path:
    if base_url is None:
        return Path(str(resources.files("kommcert.web").joinpath("static"))).resolve()
    text = str(base_url)
    if text.startswith("file:"):
        text = unquote(urlsplit(text).path)
    elif "://" in text:
        raise ValueError(f"PDF base must be a local directory, not {base_url!r}")
    return Path(text).resolve()


def _allowed(url: str, root: Path) -> bool:
    scheme = url.split(":", 1)[0].lower()
    if scheme == "data":
        return True
    if scheme != "file":
        return False
    path = Path(unquote(urlsplit(url).path)).resolve()
    return path == root or root in path.parents


@lru_cache(maxsize=1)
def _fetcher_class() -> type:
    """WeasyPrint's fetcher restricted to ``data:`` URLs and files below a root directory (built on first use:
    importing weasyprint loads Pango, which the rest of kommcert does not need)."""
    from weasyprint import URLFetcher

    class LocalFetcher(URLFetcher):
        def __init__(self, root: Path) -> None:
            super().__init__(allowed_protocols={"data", "file"}, timeout=5, allow_redirects=False)
            self.root = root

        def fetch(self, url: str, headers: dict | None = None):  # noqa: ANN202 - a URLFetcherResponse
            if not _allowed(url, self.root):
                log.info("PDF: not fetching %s (only data: and files below the base directory)", url[:200])
                raise ValueError("PDF rendering reads nothing outside its base directory")
            return super().fetch(url, headers)

    return LocalFetcher
