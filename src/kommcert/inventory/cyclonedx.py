"""Reading a CycloneDX SBOM (JSON, specVersion 1.2–1.6) into inventory lines.

Components are walked with an explicit stack (nested ``components`` at any depth, no recursion), and
the walk stops at once past :data:`MAX_COMPONENTS`. The ``dependencies`` graph is never walked: it
says what needs what, not what is installed, so a circular graph cannot matter. Duplicate
``bom-ref``s and repeated components become one line. The SBOM's subject (``metadata.component``) is a
line too: it is often the very device or program the municipality runs.
"""

from __future__ import annotations

import json
from typing import Any

from kommcert.errors import InvalidInput
from kommcert.inventory.csv_import import RawLine

MAX_COMPONENTS = 100_000
SPEC_VERSIONS = ("1.2", "1.3", "1.4", "1.5", "1.6")


def _load(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidInput("Die SBOM ist nicht in UTF-8 gespeichert.", "The SBOM is not UTF-8.") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"Die SBOM ist kein gültiges JSON (Zeile {exc.lineno}, Spalte {exc.colno}).",
                           f"The SBOM is not valid JSON (line {exc.lineno}, column {exc.colno}).") from None
    except RecursionError:
        raise InvalidInput("Die SBOM ist zu tief verschachtelt.", "The SBOM is nested too deeply.") from None


def _text(value: object, limit: int = 2000) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _vendor(component: dict) -> str:
    """Publisher, else supplier or manufacturer (1.6), else the author(s), else the group."""
    for key in ("publisher",):
        if _text(component.get(key)):
            return _text(component.get(key))
    for key in ("supplier", "manufacturer"):
        entity = component.get(key)
        if isinstance(entity, dict) and _text(entity.get("name")):
            return _text(entity.get("name"))
    if _text(component.get("author")):
        return _text(component.get("author"))
    authors = component.get("authors")
    if isinstance(authors, list) and authors and isinstance(authors[0], dict) and _text(authors[0].get("name")):
        return _text(authors[0].get("name"))
    return _text(component.get("group"))


def read(data: bytes, *, name: str = "") -> list[RawLine]:
    doc = _load(data)
    if not isinstance(doc, dict) or doc.get("bomFormat") != "CycloneDX":
        raise InvalidInput("Keine CycloneDX-SBOM: „bomFormat“ ist nicht „CycloneDX“.",
                           "Not a CycloneDX SBOM: 'bomFormat' is not 'CycloneDX'.")
    spec = doc.get("specVersion")
    if spec not in SPEC_VERSIONS:
        raise InvalidInput(f"CycloneDX-Version „{str(spec)[:20]}“ wird nicht gelesen (1.2 bis 1.6).",
                           f"CycloneDX version '{str(spec)[:20]}' is not read (1.2 to 1.6).")
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    subject = metadata.get("component") if isinstance(metadata.get("component"), dict) else None
    where = f"SBOM {_text(subject.get('name'), 200)}".strip() if subject else f"SBOM {name}".strip()
    top = doc.get("components", [])
    if not isinstance(top, list):
        raise InvalidInput("„components“ ist keine Liste.", "'components' is not a list.")
    stack: list[Any] = list(reversed(top))
    if subject:
        stack.append(subject)
    lines: list[RawLine] = []
    seen: set[tuple[str, ...]] = set()
    position = 0
    while stack:
        component = stack.pop()
        position += 1
        if position > MAX_COMPONENTS:
            raise InvalidInput(f"Die SBOM hat mehr als {MAX_COMPONENTS:,} Komponenten; so viele liest kommcert "
                               "nicht ein.".replace(",", "."),
                               f"The SBOM has more than {MAX_COMPONENTS:,} components; kommcert does not read so many.")
        if not isinstance(component, dict):
            raise InvalidInput(f"Komponente {position} ist kein Objekt.", f"Component {position} is not an object.")
        children = component.get("components")
        if isinstance(children, list):
            stack.extend(reversed(children))
        values = {"vendor": _vendor(component), "product": _text(component.get("name")),
                  "version": _text(component.get("version")), "cpe": _text(component.get("cpe")),
                  "purl": _text(component.get("purl")), "where_used": where[:500]}
        identity = tuple(values[k] for k in ("vendor", "product", "version", "cpe", "purl"))
        if identity in seen:
            continue
        seen.add(identity)
        lines.append(RawLine(line=position, data=values, label=f"Komponente {position}"))
    if not lines:
        raise InvalidInput("Die SBOM nennt keine Komponenten.", "The SBOM names no components.")
    return lines
