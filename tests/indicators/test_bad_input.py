"""The bad-input corpus: every reader × wrong JSON types, truncation, encodings, nesting, sizes.

Each case goes through the JSON API, the import page and the CLI, and must come back as a 4xx / exit
code 2 with one clear line naming the file, line or object and the reason (never a traceback, never
a 5xx), with the database as it was. Small cases are files in ``bad_input/`` (``<format>__<case>``);
the large ones are built here.
"""

from __future__ import annotations

import gzip
import importlib
import io
import json
import time
import tracemalloc
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import func, select
from typer.testing import CliRunner

from kommcert.cli.common import json_problem
from kommcert.errors import InvalidInput
from kommcert.indicators import readers
from kommcert.indicators.formats.guard import JsonGuard
from kommcert.indicators.formats.records import Reject
from kommcert.indicators.models import Indicator, Provenance
from kommcert.reports.models import Report
from tests.personas import csrf_from

CORPUS = Path(__file__).parent / "bad_input"
FIELD = 131_072


def _generated() -> dict[str, bytes]:
    deep = b"[" * 100_000 + b"]" * 100_000
    return {
        "stix__nested_100000_deep.json": b'{"objects":[' + deep + b"]}",  # 200 KB that took 23.9 GB
        "stix__nested_in_an_indicator.json": b'{"objects":[{"type":"indicator","x":' + b'{"a":' * 5000
        + b"1" + b"}" * 5000 + b"}]}",
        "misp__nested_100000_deep.json": b'{"Event":{"info":"x","Attribute":' + deep + b"}}",
        "csv__field_too_long.csv": b'value\n"' + b"a" * (FIELD + 1) + b'"\n',
        "csv__line_too_long.csv": b"value\n" + b"a," * FIELD + b"\n",
        "text__line_too_long.txt": b"198.51.100.7\n" + b"a" * (FIELD + 1) + b"\n",
        "stix__gzip_of_a_good_bundle.json": gzip.compress(b'{"objects": []}', mtime=0),
    }


# What the English message must say (the German one says the same in German).
EXPECTED = {
    "csv__bad_value.csv": "csv__bad_value.csv, line 2: 'not a value'",
    "csv__empty.csv": "line 1: header missing",
    "csv__gzip.csv": "gzip file instead of text",
    "csv__latin1.csv": "line 1: not UTF-8",
    "csv__missing_value_column.csv": "column 'value'",
    "csv__nul.csv": "binary file instead of text",
    "csv__field_too_long.csv": "longer than 131072 characters",
    "csv__line_too_long.csv": "line 2: longer than 131072 characters",
    "freetext__zip.txt": "ZIP file instead of text",
    "misp__attribute_not_object.json": "an attribute is not a JSON object",
    "misp__attribute_string.json": "'Attribute' is not a list",
    "misp__latin1.json": "not a UTF-8 text file",
    "misp__md5_wrong_length.json": "not a valid MD5 hash",
    "misp__not_an_event.json": "not a MISP event",
    "misp__nul_in_comment.json": "NUL character (\\u0000) in a string",
    "misp__object_attribute_number.json": "'Attribute' is not a list",
    "misp__object_dict.json": "'Object' is not a list",
    "misp__tag_name_number.json": "'Tag' holds a name that is not a string",
    "misp__tag_number.json": "'Tag' is not a list",
    "misp__timestamp_9999.json": "lies after 2199",
    "misp__truncated.json": "invalid JSON (line 1",
    "misp__type_list.json": "'type' is not a string",
    "misp__value_number.json": "value missing",
    "misp__zip.json": "ZIP file instead of text",
    "misp__nested_100000_deep.json": "nested deeper than 64 levels",
    "stix__definition_string.json": "'definition' is not an object",
    "stix__description_object.json": "'description' is not a string",
    "stix__empty.json": "invalid JSON",
    "stix__gzip.json": "gzip file instead of text",
    "stix__gzip_of_a_good_bundle.json": "gzip file instead of text",
    "stix__hash_wrong_length.json": "not a valid MD5 hash",
    "stix__hashes_list.json": "'hashes' is not an object",
    "stix__huge_integer.json": "integer overflow",
    "stix__id_list.json": "object no. 1: 'id' is not a string",
    "stix__id_number.json": "object no. 1: 'id' is not a string",
    "stix__labels_string.json": "'labels' is not a list",
    "stix__latin1_string.json": "not a UTF-8 file",
    "stix__marking_refs_numbers.json": "'object_marking_refs' holds something other than strings",
    "stix__marking_refs_string.json": "'object_marking_refs' is not a list",
    "stix__name_list.json": "'name' is not a string",
    "stix__nested_100000_deep.json": "nested deeper than 64 levels",
    "stix__nested_in_an_indicator.json": "nested deeper than 64 levels",
    "stix__no_objects.json": "holds no STIX bundle",
    "stix__nul_in_name.json": "NUL character (\\u0000) in a string",
    "stix__pattern_number.json": "'pattern' is not a string",
    "stix__top_level_list.json": "holds no STIX bundle",
    "stix__truncated.json": "invalid JSON after object no. 0",
    "stix__unbalanced_pattern.json": "incomplete pattern",
    "stix__valid_from_9999.json": "'valid_from' lies outside the years 1970–2199",
    "stix__valid_from_not_a_time.json": "'valid_from' is not an RFC 3339 timestamp",
    "text__bad_value.txt": "text__bad_value.txt, line 2: 'not a value'",
    "text__gzip.txt": "gzip file instead of text",
    "text__latin1.txt": "text__latin1.txt, line 2: not UTF-8 text",
    "text__line_too_long.txt": "line 2: longer than 131072 characters",
    "text__utf16.txt": "line 1: not UTF-8 text",
}


def _cases() -> dict[str, bytes]:
    cases = {path.name: path.read_bytes() for path in CORPUS.iterdir() if "__" in path.name}
    cases.update(_generated())
    return dict(sorted(cases.items()))


CASES = _cases()


def _fmt(name: str) -> str:
    return name.split("__", 1)[0]


def _state(db) -> tuple[int, int, int]:  # noqa: ANN001
    return tuple(db.scalar(select(func.count()).select_from(m)) or 0 for m in (Indicator, Provenance, Report))


def test_every_corpus_file_has_an_expected_reason() -> None:
    assert set(CASES) == set(EXPECTED)


def _first_error(name: str) -> InvalidInput:
    """What a strict import of the case fails with: the reader's error or its first reject."""
    options = {"value_column": "value"} if _fmt(name) == "csv" else {}
    try:
        for item in readers.read(_fmt(name), io.BytesIO(CASES[name]), name=name, **options):
            if isinstance(item, Reject):
                return InvalidInput(item.de, item.en)
    except InvalidInput as exc:
        return exc
    raise AssertionError(f"{name} was read without an error")


@pytest.mark.parametrize("name", list(CASES))
def test_the_reader_refuses_it_with_a_domain_error_naming_the_reason(name: str) -> None:
    error = _first_error(name)
    assert EXPECTED[name] in error.en
    assert error.de and error.de != error.en and "\n" not in error.en


@pytest.mark.parametrize("name", list(CASES))
def test_the_api_answers_422_and_keeps_the_database(name: str, client, db, personas) -> None:  # noqa: ANN001
    before = _state(db)
    form = {"format": _fmt(name)}
    if _fmt(name) == "csv":
        form["value_column"] = "value"
    response = client.post("/api/v1/indicators/import", headers=personas.auth("land_cert_analyst"), data=form,
                           files={"file": (name, CASES[name], "application/octet-stream")})
    assert response.status_code == 422, response.text
    assert EXPECTED[name] in response.json()["en"]
    assert _state(db) == before


@pytest.mark.parametrize("name", list(CASES))
def test_the_import_page_answers_422_in_german_and_keeps_the_database(name: str, client, db, personas,  # noqa: ANN001
                                                                      login) -> None:  # noqa: ANN001
    before = _state(db)
    login("land_cert_analyst")
    page = client.get("/indicators/import")
    response = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": _fmt(name),
                                                       "action": "import", "tlp": "amber"},
                           files={"file": (name, CASES[name], "application/octet-stream")})
    assert response.status_code == 422
    assert str(escape(_first_error(name).de)) in response.text
    assert _state(db) == before


def test_the_cli_exits_2_with_one_line_for_every_case(cli_db: Path) -> None:
    from kommcert.cli.main import app

    runner = CliRunner()
    assert runner.invoke(app, ["demo"]).exit_code == 0

    def exported() -> list[str]:
        output = runner.invoke(app, ["indicators", "export", "--as", "analystin@lcert.musterland.example"]).output
        return [line for line in output.splitlines() if not line.startswith("#")]  # the header has the time

    before = exported()
    assert before
    for name, data in CASES.items():
        path = cli_db / name
        path.write_bytes(data)
        args = ["indicators", "import", str(path), "--format", _fmt(name), "--as", "analystin@lcert.musterland.example"]
        if _fmt(name) == "csv":
            args += ["--value-column", "value"]
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (name, result.output)
        assert "Traceback" not in result.output and result.output.startswith("Fehler:"), (name, result.output)
        first = _first_error(name).de
        # broken JSON: the CLI names line and column with a German reason (kommcert.cli.common.json_problem)
        broken = json_problem(str(path)) if _fmt(name) in ("stix", "misp") and "JSON" in first else None
        assert result.output == f"Fehler: {broken[0] if broken else first}\n", (name, result.output)
    assert exported() == before


def test_a_200_kb_hostile_bundle_fails_fast_with_little_memory() -> None:
    data = _generated()["stix__nested_100000_deep.json"]
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(InvalidInput):
            list(readers.read("stix", io.BytesIO(data), name="hostile.json"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 2
    assert peak < 5 * 1024 * 1024  # the unguarded reader grew to 23.9 GB


def test_the_guard_bounds_the_size_of_one_object() -> None:
    guard = JsonGuard("big.json", item_depth=3, max_object_bytes=1024 * 1024)
    guard.feed(b'{"objects": [{"type": "indicator", "pattern": "')
    with pytest.raises(InvalidInput) as exc:
        for _ in range(40):
            guard.feed(b"a" * 65536)
    assert "one object is larger than 1 MiB" in exc.value.en


def test_the_guard_lets_many_small_objects_through() -> None:
    body = json.dumps({"objects": [{"type": "indicator", "pattern": "[" * 10 + "x" * 900} for _ in range(5000)]})
    guard = JsonGuard("many.json", item_depth=3, max_object_bytes=64 * 1024)
    for start in range(0, len(body), 4096):
        guard.feed(body.encode()[start:start + 4096])
    assert guard.depth == 0


@pytest.mark.parametrize(("body", "reason"), [
    (b'{"name": "x", "type": "string", "list": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", "nested deeper than 64"),
    ("{\"name\": \"Böse\", \"list\": []}".encode("latin-1"), "not a UTF-8 file"),
    (gzip.compress(b'{"name": "x", "list": []}', mtime=0), "gzip file instead of text"),
])
def test_a_warninglist_file_is_refused_with_a_clear_reason(db, body: bytes, reason: str) -> None:  # noqa: ANN001
    from kommcert.indicators import warninglists

    with pytest.raises(InvalidInput) as exc:
        warninglists.import_file(db, io.BytesIO(body), source="liste.json")
    assert reason in exc.value.en and exc.value.en.startswith("liste.json: ")


@pytest.mark.parametrize("cut", range(1, 12))
def test_the_guard_finds_an_escaped_nul_cut_between_two_chunks(cut: int) -> None:
    body = b'{"objects": [{"name": "b\\u0000se"}]}'
    at = body.index(b"\\u0000") + cut - 5
    guard = JsonGuard("cut.json")
    with pytest.raises(InvalidInput) as exc:
        guard.feed(body[:at])
        guard.feed(body[at:])
    assert "NUL character" in exc.value.en


def test_the_guard_lets_an_escaped_backslash_before_u0000_through() -> None:
    guard = JsonGuard("ok.json")
    guard.feed(b'{"objects": [{"name": "C:\\\\u0000\\u00e4"}]}')  # a backslash, then the text u0000; an umlaut
    assert guard.depth == 0


@pytest.mark.parametrize(("fmt", "limit", "body", "reason"), [
    ("stix", ("kommcert.indicators.formats.stix", "MAX_OBJECT_BYTES", 1024 * 1024),
     b'{"objects": [{"type": "indicator", "description": "' + b"a" * (3 * 1024 * 1024) + b'"}]}',
     "one object is larger than 1 MiB"),
    ("misp", ("kommcert.indicators.formats.misp", "MAX_EVENT_BYTES", 1024 * 1024),
     b'{"Event": {"info": "' + b"a" * (2 * 1024 * 1024) + b'", "Attribute": []}}', "larger than 1 MiB"),
    ("freetext", ("kommcert.indicators.readers", "MAX_FREETEXT_BYTES", 1024 * 1024),
     b"evil.example " * 100_000, "free text larger than 1 MiB"),
])
def test_each_reader_bounds_the_size_it_holds_in_memory(fmt: str, limit: tuple, body: bytes, reason: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    module, name, value = limit
    monkeypatch.setattr(importlib.import_module(module), name, value)
    with pytest.raises(InvalidInput) as exc:
        list(readers.read(fmt, io.BytesIO(body), name="gross.json"))
    assert reason in exc.value.en and exc.value.en.startswith("gross.json: ")
