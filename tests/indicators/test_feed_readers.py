"""A feed poll keeps its reader (actor and state tag) while the data state lasts, and still checks the
token on every poll: revoked, expired and deactivated are refused at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from kommcert.accounts.models import ApiToken, TokenScope, User
from kommcert.accounts.secrets import digest
from kommcert.audit import events
from kommcert.audit.models import AuditEntry
from kommcert.db import utcnow
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP


@pytest.fixture
def feeds(personas, import_stix) -> None:  # noqa: ANN001
    import_stix("kreis_a_admin", ["[domain-name:value = 'kreis-a-only.example']"],
                audience=Audience(orgs=(personas.orgs["kreis_a"].id,)))
    import_stix("land_cert_analyst", ["[domain-name:value = 'everyone.example']"], tlp=TLP.green)


@pytest.fixture
def kept_state(monkeypatch, settings) -> list[float]:  # noqa: ANN001
    """The feeds keep their data state for 10 s of a clock the test moves."""
    from kommcert.api import feeds as feeds_api

    clock = [1000.0]
    monkeypatch.setattr(feeds_api.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(settings, "feed_state_seconds", 10.0)
    monkeypatch.setattr(settings, "feed_state_background", False)  # the poll that finds it expired computes it
    return clock


@pytest.fixture
def statements(connection) -> list[str]:  # noqa: ANN001
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        seen.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    yield seen
    event.remove(connection, "before_cursor_execute", count)


def _poll(client, token: str, etag: str | None = None, *, bearer: bool = False):  # noqa: ANN001, ANN202
    headers = {"If-None-Match": etag} if etag else {}
    if bearer:
        return client.get("/feeds/txt", headers={**headers, "Authorization": f"Bearer {token}"})
    return client.get(f"/feeds/txt?token={token}", headers=headers)


def _token_row(db, token: str) -> ApiToken:  # noqa: ANN001
    return db.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))


def test_a_kept_reader_answers_a_poll_with_one_query(client, personas, feeds, kept_state,  # noqa: ANN001
                                                     statements) -> None:  # noqa: ANN001
    token = personas.token("gemeinde_a1_member", TokenScope.read)
    etag = _poll(client, token).headers["etag"]
    statements.clear()
    assert _poll(client, token, etag).status_code == 304
    # The token's own row (revoked? expired? person active?) and the reports the reader may see now;
    # nothing about the person, the organisation or its place in the tree.
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2 and "api_tokens" in reads[0] and "reports" in reads[1]
    # The same reader through the Authorization header.
    statements.clear()
    assert _poll(client, token, etag, bearer=True).status_code == 304
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2


@pytest.mark.parametrize("change", ["revoked", "expired", "deactivated"])
def test_a_kept_reader_is_refused_at_once_when_its_token_no_longer_counts(client, db, personas, feeds,  # noqa: ANN001
                                                                          kept_state, change: str) -> None:
    token = personas.token("gemeinde_a1_member", TokenScope.read)
    etag = _poll(client, token).headers["etag"]
    assert _poll(client, token, etag).status_code == 304
    row = _token_row(db, token)
    if change == "revoked":
        db.execute(update(ApiToken).where(ApiToken.id == row.id).values(revoked_at=utcnow()))
    elif change == "expired":
        db.execute(update(ApiToken).where(ApiToken.id == row.id).values(expires_at=utcnow() - timedelta(seconds=1)))
    else:
        db.execute(update(User).where(User.id == row.user_id).values(is_active=False))
    db.commit()
    refused = _poll(client, token, etag)
    assert refused.status_code == 401
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == events.TOKEN_REJECTED,
                                              AuditEntry.object_id == str(row.id))) is not None


def test_a_kept_reader_still_records_the_tokens_last_use(client, db, personas, feeds, kept_state) -> None:  # noqa: ANN001
    token = personas.token("gemeinde_a1_member", TokenScope.read)
    etag = _poll(client, token).headers["etag"]
    row = _token_row(db, token)
    long_ago = utcnow() - timedelta(minutes=5)
    db.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=long_ago, last_used_ip=None))
    db.commit()
    assert _poll(client, token, etag).status_code == 304
    db.expire_all()
    row = _token_row(db, token)
    assert row.last_used_at > long_ago + timedelta(minutes=4) and row.last_used_ip == "testclient"


def test_readers_are_kept_per_token_never_shared_across_kreise(client, personas, feeds, kept_state) -> None:  # noqa: ANN001
    a = personas.token("gemeinde_a1_member", TokenScope.read)
    b = personas.token("gemeinde_b1_member", TokenScope.read)
    tag_a = _poll(client, a).headers["etag"]
    assert "kreis-a-only.example" not in _poll(client, b).text
    assert "kreis-a-only.example" not in _poll(client, b, tag_a).text  # A's tag is not B's
    assert _poll(client, a, tag_a).status_code == 304


def test_a_new_data_state_makes_new_readers(client, personas, feeds, kept_state, import_stix) -> None:  # noqa: ANN001
    token = personas.token("gemeinde_b1_member", TokenScope.read)
    etag = _poll(client, token).headers["etag"]
    import_stix("land_cert_analyst", ["[domain-name:value = 'later.example']"], tlp=TLP.green)
    assert _poll(client, token, etag).status_code == 304  # the state is kept for 10 s
    kept_state[0] += 11
    changed = _poll(client, token, etag)
    assert changed.status_code == 200 and "later.example" in changed.text


def test_a_new_token_of_a_known_view_costs_one_query(client, personas, feeds, kept_state,  # noqa: ANN001
                                                     statements) -> None:  # noqa: ANN001
    """In a burst each appliance polls once: its token is new, but its organisation's place in the
    tree and the reports its view sees were worked out for the first appliance already."""
    first = personas.token("gemeinde_a1_member", TokenScope.read)
    second = personas.token("gemeinde_a1_member", TokenScope.read)
    etag = _poll(client, first).headers["etag"]
    statements.clear()
    assert _poll(client, second, etag).status_code == 304
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2 and "api_tokens" in reads[0] and "organizations" not in " ".join(reads[1:])


def test_a_list_another_request_is_building_is_waited_for_not_built_twice(client, app, personas, feeds,  # noqa: ANN001
                                                                            monkeypatch) -> None:  # noqa: ANN001
    import threading

    from kommcert.indicators import service as indicators_service

    token = personas.token("gemeinde_b1_member", TokenScope.read)
    first = _poll(client, token)
    cache = app.state.feed_cache
    (key, body), = cache._items.items()  # noqa: SLF001
    cache._items.clear()  # noqa: SLF001
    assert cache.claim(key) is None  # this test now "builds" that list, as a first request would

    def not_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("built a second time")

    monkeypatch.setattr(indicators_service, "export_rows", not_again)
    finished = threading.Timer(0.3, lambda: (cache.put(key, body), cache.release(key)))
    finished.start()
    second = _poll(client, token)
    finished.join()
    assert second.status_code == 200 and second.content == first.content
    # A list the builder could not keep (too large, or its client went away) is built by the waiter.
    cache._items.clear()  # noqa: SLF001
    monkeypatch.undo()
    assert cache.claim(key) is None
    threading.Timer(0.2, lambda: cache.release(key)).start()
    again = _poll(client, token)  # built anew: the same values under a header of its own time
    assert [line for line in again.text.splitlines() if not line.startswith("#")] == \
        [line for line in first.text.splitlines() if not line.startswith("#")]


def test_a_thread_keeps_the_data_state_and_no_poll_waits_for_it(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """On a real server the data state is computed off the request path: at start, then every
    KOMMCERT_FEED_STATE_SECONDS; a poll only reads it."""
    import time

    from fastapi.testclient import TestClient

    from kommcert import migrate
    from kommcert.api import feeds as feeds_api
    from kommcert.app import create_app
    from kommcert.config import load_settings
    from kommcert.indicators import service as indicators_service
    from tests.conftest import SECRET

    url = f"sqlite:///{tmp_path / 'keeper.sqlite3'}"
    migrate.upgrade(url)
    settings = load_settings(env="test", secret_key=SECRET, database_url=url, feed_state_seconds=0.2)
    computed: list[str] = []  # who scanned every provenance
    probed: list[str] = []  # who took the cheap probe (every beat)
    real, real_probe = indicators_service.feed_state, indicators_service.feed_probe

    def counted(db, **kw):  # noqa: ANN001, ANN003, ANN202
        computed.append(feeds_api.threading.current_thread().name)
        return real(db, **kw)

    def counted_probe(db):  # noqa: ANN001, ANN202
        probed.append(feeds_api.threading.current_thread().name)
        return real_probe(db)

    monkeypatch.setattr(indicators_service, "feed_state", counted)
    monkeypatch.setattr(indicators_service, "feed_probe", counted_probe)
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            assert client.get("/feeds/txt").status_code == 200  # the first poll waits for the first state
            keeper = app.state.feed_state_keeper
            first = keeper.state
            deadline = time.monotonic() + 20  # the thread's beat is 0.2 s; a loaded machine may be slower
            while len(probed) < 3 and time.monotonic() < deadline:
                time.sleep(0.05)
            # A new state every beat without any poll; nothing changed, so one scan only.
            assert len(probed) >= 3 and keeper.state is not first and keeper.state.reports is first.reports
            assert computed == ["kommcert-feed-state"]
            for _ in range(5):
                assert client.get("/feeds/txt").status_code == 200
            assert set(computed) | set(probed) == {"kommcert-feed-state"}  # only the thread, never a poll
            assert all(t.name != "kommcert-feed-state" or t is keeper.thread for t in feeds_api.threading.enumerate())
    finally:
        app.state.feed_state_keeper.stop()
        app.state.feed_state_keeper.thread.join(timeout=5)
        app.state.engine.dispose()
    assert not app.state.feed_state_keeper.thread.is_alive()


@pytest.fixture
def noted_uses(app, monkeypatch, settings):  # noqa: ANN001, ANN201
    """The server's last-use writer, with a beat that never comes during the test: it is flushed by hand."""
    from kommcert.accounts.token_use import TokenUse

    monkeypatch.setattr(settings, "token_use_seconds", 3600.0)
    use = app.state.token_use = TokenUse(app.state.sessionmaker, 3600.0, start=False)
    return use


@pytest.mark.parametrize("kept", [False, True], ids=["first poll", "kept reader"])
def test_a_poll_notes_its_tokens_use_and_writes_nothing(client, db, personas, feeds, kept_state, noted_uses,  # noqa: ANN001
                                                        statements, kept) -> None:  # noqa: ANN001
    token = personas.token("gemeinde_a1_member", TokenScope.read)
    etag = _poll(client, token).headers["etag"]
    assert noted_uses.flush() == 1  # the first poll's use
    row = _token_row(db, token)
    long_ago = utcnow() - timedelta(minutes=5)
    db.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=long_ago, last_used_ip=None))
    db.commit()
    if not kept:
        del client.app.state.feed_readers  # a fresh process: the reader is resolved again
    statements.clear()
    assert _poll(client, token, etag).status_code == 304
    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert noted_uses.pending() == 1
    db.expire_all()
    assert _token_row(db, token).last_used_at == long_ago
    assert noted_uses.flush() == 1
    db.expire_all()
    row = _token_row(db, token)
    assert row.last_used_at > long_ago + timedelta(minutes=4) and row.last_used_ip == "testclient"
    assert noted_uses.pending() == 0 and noted_uses.flush() == 0


def test_uses_that_could_not_be_written_are_kept_for_the_next_beat(db, personas) -> None:  # noqa: ANN001
    from kommcert.accounts.token_use import TokenUse

    class Broken:
        def __call__(self):  # noqa: ANN204
            raise RuntimeError("database gone")

    use = TokenUse(Broken(), 3600.0, start=False)
    when = utcnow()
    use.note(7, when, "192.0.2.1")
    with pytest.raises(RuntimeError):
        use.flush()
    assert use.pending() == 1
    newer = when + timedelta(seconds=30)
    use.note(7, newer, "192.0.2.2")  # a newer use noted meanwhile wins over the one kept
    with pytest.raises(RuntimeError):
        use.flush()
    assert use._noted[7] == (newer, "192.0.2.2")  # noqa: SLF001
