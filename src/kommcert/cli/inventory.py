"""``kommcert inventory``: filled in by its owner module's work."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)
