from __future__ import annotations


def worker() -> None:
    """Arbeitet Hintergrundaufträge ab (E-Mails, Abrufe)."""
    raise NotImplementedError
