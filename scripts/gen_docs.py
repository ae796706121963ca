"""Generate docs/configuration.md from Settings and docs/cli.md from the CLI's --help.

``python scripts/gen_docs.py`` writes them; ``--check`` exits 1 if they are out of date
(the test suite runs the check, so an undocumented setting or command fails it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def configuration_md() -> str:
    from kommcert.config import Settings

    lines = [
        "# Konfiguration",
        "",
        "kommcert liest seine Einstellungen aus Umgebungsvariablen mit dem Präfix `KOMMCERT_`.",
        "Geheimnisse können auch aus Dateien kommen: `KOMMCERT_SECRET_KEY_FILE`,",
        "`KOMMCERT_SMTP_PASSWORD_FILE` und `KOMMCERT_DATABASE_URL_FILE` enthalten dann den Pfad",
        "einer Datei (z. B. ein Docker-/systemd-Secret); die Datei hat Vorrang vor der Variable.",
        "Ein falscher Wert hält den Start mit einer klaren Zeile an.",
        "",
        "Diese Seite wird aus dem Code erzeugt (`python scripts/gen_docs.py`).",
        "",
        "| Variable | Standard | Bedeutung (englisch aus dem Code) |",
        "|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        if hasattr(default, "get_secret_value"):
            default = "(geheim, leer)" if not default.get_secret_value() else "(geheim)"
        text = json.dumps(default) if isinstance(default, dict) else default
        shown = f"`{text}`" if default not in ("", None) else "leer"
        desc = (field.description or "").replace("|", "\\|")
        lines.append(f"| `KOMMCERT_{name.upper()}` | {shown} | {desc} |")
    return "\n".join(lines) + "\n"


def cli_md() -> str:
    import typer.main

    from kommcert.cli.main import app

    root = typer.main.get_command(app)
    out = ["# Befehlszeile `kommcert`", "",
           "Diese Seite wird aus den `--help`-Texten erzeugt (`python scripts/gen_docs.py`).", "",
           "Hilfe, Meldungen und Fehler sind deutsch; `KOMMCERT_LANG=en` (sonst `KOMMCERT_DEFAULT_LOCALE`)",
           "schaltet auf Englisch um. Befehle, die die Datenbank brauchen, verlangen `KOMMCERT_DATABASE_URL`.", ""]

    from typer.testing import CliRunner

    runner = CliRunner()

    def walk(cmd: object, path: list[str]) -> None:
        result = runner.invoke(app, [*path[1:], "--help"], prog_name="kommcert",
                               env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", "KOMMCERT_LANG": "de"})
        text = "\n".join(line.rstrip() for line in result.output.splitlines()).strip()
        out.append(f"## `{' '.join(path)}`")
        out.append("")
        out.append("```")
        out.append(text)
        out.append("```")
        out.append("")
        if hasattr(cmd, "commands"):
            for name in sorted(cmd.commands):
                sub = cmd.commands[name]
                if not getattr(sub, "hidden", False):
                    walk(sub, [*path, name])

    walk(root, ["kommcert"])
    return "\n".join(out)


def targets() -> dict[Path, str]:
    return {ROOT / "docs" / "configuration.md": configuration_md(), ROOT / "docs" / "cli.md": cli_md()}


def main() -> int:
    import os

    os.environ.setdefault("COLUMNS", "100")
    os.environ["NO_COLOR"] = "1"
    os.environ["TERM"] = "dumb"
    check = "--check" in sys.argv
    stale = []
    for path, text in targets().items():
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print("veraltet: " + ", ".join(stale) + " – bitte `python scripts/gen_docs.py` ausführen")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
