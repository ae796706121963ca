"""The provider directory lists published, not withdrawn own warnings only, and moves with nothing hidden."""

from __future__ import annotations

from kommcert.db import utcnow


def test_drafts_and_withdrawn_warnings_are_not_served(client, login, write, publish, db) -> None:  # noqa: ANN001
    write(tlp="clear")  # a draft
    gone = publish(write(tlp="clear", title="Zurückgezogen"))
    gone.withdrawn_at = utcnow()
    kept = publish(write(tlp="clear", title="Bleibt"))
    db.flush()
    listed = client.get("/.well-known/csaf/white/index.txt").text.split()
    assert len(listed) == 1 and listed[0].endswith(kept.tracking_id.lower() + ".json")
    login("land_cert_analyst")  # the authors' own session sees no draft in the directory either
    assert client.get("/.well-known/csaf/amber/index.txt").text == ""


def test_public_metadata_does_not_move_with_an_amber_warning(client, write, publish) -> None:  # noqa: ANN001
    publish(write(tlp="clear"))
    before = client.get("/.well-known/csaf/provider-metadata.json").json()["last_updated"]
    publish(write(tlp="amber", title="Geheim"))
    assert client.get("/.well-known/csaf/provider-metadata.json").json()["last_updated"] == before
    assert client.get("/.well-known/csaf/nonsense/index.txt").status_code in (401, 404)


def test_it_answers_304_for_an_unchanged_index(client, write, publish) -> None:  # noqa: ANN001
    publish(write(tlp="clear"))
    first = client.get("/.well-known/csaf/white/index.txt")
    again = client.get("/.well-known/csaf/white/index.txt", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
