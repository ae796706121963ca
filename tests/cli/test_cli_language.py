"""Help and Click's own messages in German, English with KOMMCERT_LANG=en; no Python type tags."""

from __future__ import annotations

import re

import typer.main
from typer.testing import CliRunner

from kommcert.cli.main import app

runner = CliRunner()
WIDE = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}


def _commands() -> list[list[str]]:
    found: list[list[str]] = []

    def walk(cmd: object, path: list[str]) -> None:
        found.append(path)
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_it_shows_help_in_german_by_default() -> None:
    result = runner.invoke(app, ["scan", "--help"], env={**WIDE, "KOMMCERT_LANG": ""})
    assert result.exit_code == 0
    assert "Aufruf: kommcert scan" in result.output
    assert "Diese Hilfe anzeigen und beenden." in result.output
    assert "Optionen" in result.output and "[Standard: 1]" in result.output
    assert "Show this message and exit." not in result.output and "Usage:" not in result.output


def test_it_shows_clicks_own_strings_in_english_when_switched() -> None:
    result = runner.invoke(app, ["scan", "--help"], env={**WIDE, "KOMMCERT_LANG": "en"})
    assert "Usage: kommcert scan" in result.output and "Show this message and exit." in result.output
    assert "[default: 1]" in result.output and "Diese Hilfe" not in result.output


def test_it_answers_a_mistyped_command_in_german_and_english() -> None:
    german = runner.invoke(app, ["indicatorz"], env={**WIDE, "KOMMCERT_LANG": "de"})
    assert german.exit_code == 2
    assert "Unbekannter Befehl 'indicatorz'. Meinten Sie 'indicators'?" in german.output
    english = runner.invoke(app, ["indicatorz"], env={**WIDE, "KOMMCERT_LANG": "en"})
    assert "No such command 'indicatorz'. Did you mean 'indicators'?" in english.output


def test_it_names_missing_options_and_bad_numbers_in_german() -> None:
    missing = runner.invoke(app, ["users", "list"], env={**WIDE, "KOMMCERT_LANG": "de"})
    assert missing.exit_code == 2 and "Option '--org' fehlt." in missing.output
    low = runner.invoke(app, ["scan", "--jobs", "0", "x"], env={**WIDE, "KOMMCERT_LANG": "de"})
    assert low.exit_code == 2 and "Ungültiger Wert für '--jobs': Der Wert muss mindestens 1 sein" in low.output


def test_it_lists_the_valid_types_for_a_mistyped_type() -> None:
    result = runner.invoke(app, ["indicators", "export", "--as", "x", "--type", "domian"],
                           env={**WIDE, "KOMMCERT_LANG": "de"})
    assert result.exit_code == 2
    assert "'domian' ist keiner von:" in result.output and "'domain'" in result.output


def test_no_help_page_shows_python_type_tags() -> None:
    tags = re.compile(r"<(?:list\[\w+\]|bool|int|str|path|float|int range|float range)>|\bx\s*[<>]=")
    for path in _commands():
        for lang in ("de", "en"):
            result = runner.invoke(app, [*path, "--help"], env={**WIDE, "KOMMCERT_LANG": lang})
            assert result.exit_code == 0, path
            assert tags.findall(result.output) == [], (path, lang)


def test_the_usage_line_and_argument_names_are_german() -> None:
    top = runner.invoke(app, ["--help"], env={**WIDE, "KOMMCERT_LANG": "de"})
    assert "Aufruf: kommcert [OPTIONEN] BEFEHL [ARGUMENTE]..." in top.output
    missing = runner.invoke(app, ["indicators", "import"], env={**WIDE, "KOMMCERT_LANG": "de"})
    assert missing.exit_code == 2 and "Argument 'QUELLE' fehlt." in missing.output
    english = runner.invoke(app, ["--help"], env={**WIDE, "KOMMCERT_LANG": "en"})
    assert "Usage: kommcert [OPTIONS] COMMAND [ARGS]..." in english.output


def test_every_help_text_of_ours_has_english() -> None:
    from kommcert import i18n
    from kommcert.cli import help_paragraphs

    texts: set[str] = set()

    def walk(cmd: object) -> None:
        for text in (getattr(cmd, "help", None), getattr(cmd, "short_help", None)):
            texts.update(help_paragraphs(text))
        for param in getattr(cmd, "params", ()):
            texts.update(help_paragraphs(getattr(param, "help", None)))
        for sub in getattr(cmd, "commands", {}).values():
            walk(sub)

    walk(typer.main.get_command(app))
    texts.discard("Show this message and exit.")  # Typer's own, from the click catalogue
    assert len(texts) > 50
    assert sorted(t for t in texts if i18n.translate(t, "en") == t) == []


def test_our_help_texts_switch_to_english() -> None:
    german = runner.invoke(app, ["indicators", "import", "--help"], env={**WIDE, "KOMMCERT_LANG": "de"})
    assert "Importiert Indikatoren" in german.output and "{QUELLE}" in german.output
    english = runner.invoke(app, ["indicators", "import", "--help"], env={**WIDE, "KOMMCERT_LANG": "en"})
    assert "Imports indicators (STIX 2.1, MISP, CSV, lists, free text) – all or nothing." in english.output
    assert "{SOURCE}" in english.output and "Importiert" not in english.output
    again = runner.invoke(app, ["indicators", "import", "--help"], env={**WIDE, "KOMMCERT_LANG": "de"})
    assert again.output == german.output  # switching back in the same process works


def test_command_messages_switch_language(cli_db) -> None:  # noqa: ANN001
    german = runner.invoke(app, ["users", "list", "--org", "gibtsnicht"], env={"KOMMCERT_LANG": "de"})
    assert german.exit_code == 2 and german.output.strip() == "Fehler: Organisation gibtsnicht nicht gefunden."
    english = runner.invoke(app, ["users", "list", "--org", "gibtsnicht"], env={"KOMMCERT_LANG": "en"})
    assert english.exit_code == 2 and english.output.strip() == "Error: Organisation gibtsnicht not found."
    upgraded = runner.invoke(app, ["db", "upgrade"], env={"KOMMCERT_LANG": "en"})
    assert upgraded.exit_code == 0 and "The database is at revision head." in upgraded.output
