"""A 304 poll's transaction commits without waiting for the disk; nothing else does."""

from __future__ import annotations

from sqlalchemy import text

from kommcert.db import relaxed_commit


def test_it_turns_off_the_fsync_wait_for_this_transaction_only(db, engine) -> None:  # noqa: ANN001
    relaxed_commit(db)
    if engine.dialect.name == "postgresql":
        assert db.execute(text("SHOW synchronous_commit")).scalar() == "off"
        with engine.connect() as other:
            assert other.execute(text("SHOW synchronous_commit")).scalar() == "on"


def test_a_304_poll_relaxes_its_commit_and_a_download_does_not(client, personas, monkeypatch) -> None:  # noqa: ANN001
    from kommcert.api import feeds as feeds_api

    calls: list[object] = []
    monkeypatch.setattr(feeds_api, "relaxed_commit", calls.append)
    token = personas.token("gemeinde_a1_member")
    etag = client.get(f"/feeds/txt?token={token}").headers["etag"]
    assert calls == []
    assert client.get(f"/feeds/txt?token={token}", headers={"If-None-Match": etag}).status_code == 304
    assert len(calls) == 1
