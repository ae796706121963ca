"""Generated docs stay true to the code (datasette's test_docs idea)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer.main

ROOT = Path(__file__).resolve().parents[2]


def test_it_keeps_configuration_and_cli_reference_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_gives_every_cli_command_a_help_text() -> None:
    from kommcert.cli.main import app

    missing = []

    def walk(cmd: object, path: str) -> None:
        if not (getattr(cmd, "help", None) or "").strip():
            missing.append(path)
        if hasattr(cmd, "commands"):
            for name, sub in cmd.commands.items():  # type: ignore[attr-defined]
                walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "kommcert")
    assert missing == []


def test_it_documents_every_setting_with_a_description() -> None:
    from kommcert.config import Settings

    assert [n for n, f in Settings.model_fields.items() if not f.description] == []
