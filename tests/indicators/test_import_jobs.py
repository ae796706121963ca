"""Large imports from the page and the API: the file waits on disk, a job imports it, the user follows.

The client fixture runs jobs inline (on the test's connection); the last test starts the real
``kommcert worker --job`` process against a database file, as the web server does.
"""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from kommcert.indicators.models import Indicator
from kommcert.jobs.models import Job
from kommcert.uploads import service as uploads_service
from kommcert.uploads.models import Upload
from tests.indicators.conftest import stix_bundle
from tests.personas import csrf_from


def big_list(n: int) -> bytes:
    """``n`` distinct IPv4 values, one per line (50,000 make 0.7 MB; with comments past 1 MB)."""
    return "".join(f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255} # Quelle Test Nummer {i}\n"
                   for i in range(1, n + 1)).encode()


@pytest.fixture
def small_inline(app, settings):  # noqa: ANN001, ANN201
    """Files over 1 KiB run as jobs (the default is 2 MiB)."""
    app.state.settings = changed = settings.model_copy(update={"import_inline_bytes": 1024})
    return changed


def _preview(client, body: bytes, fmt: str = "text", name: str = "liste.txt", **data: str):  # noqa: ANN001, ANN202
    page = client.get("/indicators/import")
    return client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": fmt,
                                                   "action": "preview", "tlp": "green", **data},
                       files={"file": (name, body, "text/plain")})


def _upload_id(html: str) -> str:
    return re.search(r'name="upload" value="([0-9a-f]{32})"', html).group(1)


def test_a_file_over_a_megabyte_imports_from_the_page_after_its_preview(client, db, personas, login,  # noqa: ANN001
                                                                         small_inline) -> None:  # noqa: ANN001
    """The reproduction: 50,000 values, 1.1 MB, preview then import (it failed with 'Field exceeded …')."""
    login("land_cert_analyst")
    body = big_list(50_000)
    assert len(body) > 1024 * 1024
    preview = _preview(client, body)
    assert preview.status_code == 200 and "50000 Indikatoren gefunden" in preview.text
    upload_id = _upload_id(preview.text)
    assert "content" not in re.findall(r'name="(\w+)"', preview.text)  # the file is not sent back and forth
    stored = db.get(Upload, upload_id)
    assert stored.size == len(body) and uploads_service.path_of(small_inline, stored).exists()

    done = client.post("/indicators/import", data={"csrf_token": csrf_from(preview.text), "format": "text",
                                                    "action": "import", "upload": upload_id, "tlp": "green"},
                       follow_redirects=False)
    assert done.status_code == 303 and re.fullmatch(r"/indicators/import/jobs/\d+", done.headers["location"])
    result = client.get(done.headers["location"])
    assert result.status_code == 200 and "50000 Indikatoren übernommen" in result.text
    assert db.scalar(select(func.count()).select_from(Indicator)) == 50_000
    # the file is gone once imported, and cannot be imported twice
    db.expire_all()
    assert db.get(Upload, upload_id) is None and not (uploads_service.directory(small_inline) / upload_id).exists()
    again = client.post("/indicators/import", data={"csrf_token": csrf_from(preview.text), "format": "text",
                                                     "action": "import", "upload": upload_id, "tlp": "green"})
    assert again.status_code == 404 and "nicht mehr da" in again.text


def test_a_large_preview_shows_the_first_rows_and_leaves_the_count_to_the_import(client, login, personas,  # noqa: ANN001
                                                                                  monkeypatch) -> None:
    from kommcert.web import indicators as pages

    monkeypatch.setattr(pages, "PREVIEW_COUNT_BYTES", 1000)
    login("land_cert_analyst")
    preview = _preview(client, big_list(500))
    assert preview.status_code == 200
    assert "Große Datei: die ersten 100 Indikatoren" in preview.text
    assert preview.text.count("<code>10.0.") == 100


def test_the_progress_page_is_the_uploaders_alone(client, db, personas, login, small_inline) -> None:  # noqa: ANN001
    login("gemeinde_a1_admin")
    upload_id = _upload_id(_preview(client, big_list(200)).text)
    page = client.get("/indicators/import")
    done = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": "text",
                                                    "action": "import", "upload": upload_id, "tlp": "amber"},
                       follow_redirects=False)
    address = done.headers["location"]
    assert "200 Indikatoren übernommen" in client.get(address).text
    # the same Gemeinde's member, the Kreis, another Kreis, even the Land-CERT: not found
    for other in ("gemeinde_a1_member", "kreis_a_admin", "kreis_b_admin", "land_cert_analyst"):
        client.cookies.clear()
        login(other)
        denied = client.get(address)
        assert denied.status_code == 404 and "übernommen" not in denied.text, other
    client.cookies.clear()
    assert client.get(address, follow_redirects=False).status_code in (303, 401)


def test_an_upload_is_only_usable_by_its_uploader(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_a1_admin")
    upload_id = _upload_id(_preview(client, big_list(20)).text)
    client.cookies.clear()
    login("gemeinde_b1_member")
    page = client.get("/indicators/import")
    stolen = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": "text",
                                                      "action": "import", "upload": upload_id, "tlp": "green"})
    assert stolen.status_code == 404 and "10.0.0.1" not in stolen.text


def test_a_failing_job_imports_nothing_and_says_why_in_german(client, db, personas, login,  # noqa: ANN001
                                                              small_inline) -> None:
    login("land_cert_analyst")
    body = big_list(300) + b"300.1.2.3\n"  # not an address: the whole import is refused
    page = client.get("/indicators/import")
    done = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": "text",
                                                    "action": "import", "tlp": "green"},
                       files={"file": ("liste.txt", body, "text/plain")}, follow_redirects=False)
    assert done.status_code == 303
    failed = client.get(done.headers["location"])
    assert failed.status_code == 200 and 'role="alert"' in failed.text and "Nichts wurde übernommen" in failed.text
    assert db.scalar(select(func.count()).select_from(Indicator)) == 0
    assert db.scalar(select(func.count()).select_from(Upload)) == 0


def test_the_api_waits_for_a_large_import_and_answers_with_its_counts(client, db, personas,  # noqa: ANN001
                                                                       small_inline) -> None:
    response = client.post("/api/v1/indicators/import", headers=personas.auth("land_cert_analyst"),
                           data={"format": "text", "tlp": "green"},
                           files={"file": ("liste.txt", big_list(1000), "text/plain")})
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 1000 and response.json()["new_indicators"] == 1000
    assert db.scalar(select(Job.status).where(Job.kind == "indicators.import")) == "done"


def test_the_api_answers_202_with_prefer_respond_async_and_the_job_tells_the_rest(  # noqa: ANN001
        client, db, personas, settings, small_inline) -> None:
    auth = personas.auth("gemeinde_a1_admin")
    response = client.post("/api/v1/indicators/import", headers={**auth, "Prefer": "respond-async"},
                           data={"format": "stix"},
                           files={"file": ("b.json", stix_bundle(["[ipv4-addr:value = '198.51.100.9']"] * 30),
                                           "application/json")})
    # inline runner: the job has run before the answer; in production it is usually still queued
    assert response.status_code == 202 and response.headers["location"].startswith("/api/v1/indicators/imports/")
    job = client.get(response.headers["location"], headers=auth)
    assert job.status_code == 200 and job.json()["state"] == "done"
    assert job.json()["result"]["imported"] == 1 and job.json()["result"]["duplicates"] == 29
    for other in ("gemeinde_a1_member", "kreis_b_admin", "land_cert_analyst"):
        assert client.get(response.headers["location"], headers=personas.auth(other)).status_code == 404, other
    assert client.get(response.headers["location"]).status_code == 401


def test_an_api_job_that_fails_answers_like_an_inline_import(client, db, personas, small_inline) -> None:  # noqa: ANN001
    response = client.post("/api/v1/indicators/import", headers=personas.auth("land_cert_analyst"),
                           data={"format": "text"},
                           files={"file": ("liste.txt", big_list(200) + b"not-a-value\n", "text/plain")})
    assert response.status_code == 422 and "Zeile 201" in response.json()["de"]
    assert db.scalar(select(func.count()).select_from(Indicator)) == 0


def test_a_job_whose_user_was_deactivated_meanwhile_imports_nothing(db, session_factory, personas,  # noqa: ANN001
                                                                    settings) -> None:
    import io

    from kommcert.indicators import import_jobs, importing
    from kommcert.jobs import worker

    actor = personas.actor("land_cert_analyst")
    upload = uploads_service.spool(db, actor=actor, settings=settings, stream=io.BytesIO(big_list(10)),
                                   filename="liste.txt")
    job = import_jobs.start(db, actor=actor, upload=upload, fmt="text", options=importing.ImportOptions())
    personas.users["land_cert_analyst"].is_active = False
    db.commit()
    worker.run_job(session_factory, settings, job.id)
    found = import_jobs.status(db, actor=actor, settings=settings, job_id=job.id)
    assert found.state == "failed" and "gilt nicht mehr" in found.error["de"]
    assert db.scalar(select(func.count()).select_from(Indicator)) == 0


def test_the_web_server_starts_a_process_of_its_own_for_a_job(tmp_path) -> None:  # noqa: ANN001
    """The production path: ``kommcert worker --job ID`` in a new process, with the server's settings
    (none of them in this process's environment), against a real database file."""
    import io

    from kommcert import migrate
    from kommcert.config import load_settings
    from kommcert.db import make_engine, make_sessionmaker
    from kommcert.indicators import import_jobs, importing
    from kommcert.jobs.runner import process_starter
    from tests.conftest import SECRET
    from tests.personas import build_personas

    url = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    migrate.upgrade(url)
    settings = load_settings(env="test", secret_key=SECRET, database_url=url, upload_dir=str(tmp_path / "up"))
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with factory() as db:
        personas = build_personas(db)
        actor = personas.actor("land_cert_analyst")
        upload = uploads_service.spool(db, actor=actor, settings=settings, stream=io.BytesIO(big_list(2000)),
                                       filename="liste.txt")
        job_id = import_jobs.start(db, actor=actor, upload=upload, fmt="text",
                                   options=importing.ImportOptions(title="Aus dem Hintergrund")).id
        db.commit()
    process_starter(settings)(job_id)
    deadline = time.monotonic() + 120
    while True:
        with factory() as db:
            found = import_jobs.status(db, actor=actor, settings=settings, job_id=job_id)
            if found.finished or time.monotonic() > deadline:
                break
        time.sleep(0.2)
    with factory() as db:
        assert found.state == "done", found
        assert found.result["imported"] == 2000
        assert db.scalar(select(func.count()).select_from(Indicator)) == 2000
        assert db.scalar(select(Job.locked_by).where(Job.id == job_id))  # claimed by that process
    assert not any((tmp_path / "up").iterdir())  # the file and its progress are gone
    engine.dispose()
