from __future__ import annotations


def demo() -> None:
    """Lädt das fiktive Demo-Land „Musterland“ (nur in eine leere Datenbank)."""
    raise NotImplementedError
