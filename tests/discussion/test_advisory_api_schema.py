"""The warning discussion's API against its OpenAPI schema (schemathesis, as tests/core does for the
whole API), also with the ids of a warning, comment and file that exist, so the handlers past the 404
are reached: no 5xx, no status the schema does not list."""

from __future__ import annotations

import re

import schemathesis

from tests.core.test_schemathesis import MODES, OPENAPI, _fuzz
from tests.discussion.conftest import comment, make_warning

MINE = re.compile(r"/api/v1/advisories/\{advisory_id\}/(comments|attachments)")


def test_the_warning_discussion_answers_only_what_its_schema_says(app, client, personas) -> None:  # noqa: ANN001
    headers = personas.auth("land_cert_admin")
    warning = make_warning(personas)
    posted = comment(client, personas, "gemeinde_a1_member", warning.id, files=[("a.txt", b"x", "text/plain")]).json()
    known = {"advisory_id": warning.id, "comment_id": posted["id"], "file_id": posted["attachments"][0]["id"]}
    schema = schemathesis.openapi.from_asgi(OPENAPI, app)
    operations = [r.ok() for r in schema.get_all_operations() if MINE.match(r.ok().path)]
    assert len(operations) == 6, [o.label for o in operations]
    failures: list[str] = []
    for operation in operations:
        existing = {p.name: known[p.name] for p in operation.path_parameters}
        for mode in MODES:
            _fuzz(operation, mode, {}, headers, failures)
            _fuzz(operation, mode, existing, headers, failures)
    assert failures == []
