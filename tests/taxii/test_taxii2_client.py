"""Done when: the real ``taxii2-client`` (2.3) does discovery, a full paged pull with ``as_pages``, an
incremental pull with ``added_after``, a POST and a status poll against kommcert on loopback (uvicorn);
and OpenCTI's and MISP's habits (their Accept header, Basic on every request, paging by ``next`` or by
``added_after`` from ``X-TAXII-Date-Added-Last``) work as far as they can be checked offline."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from contextlib import nullcontext

import pytest
import requests
from taxii2client.common import TokenAuth
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from kommcert.config import load_settings
from kommcert.db import scratch_postgres_database
from kommcert.indicators import importing
from kommcert.indicators import service as indicators_service
from kommcert.sharing.tlp import TLP
from kommcert.taxii.media import TAXII
from tests.browser.conftest import _free_port, serving
from tests.conftest import SECRET
from tests.indicators.conftest import stix_bundle
from tests.personas import build_personas
from tests.taxii.conftest import IDS, envelope, indicator

COUNT = 45


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    base = os.environ.get("KOMMCERT_TEST_DATABASE_URL", "")
    context = scratch_postgres_database(base, f"kc_live_{uuid.uuid4().hex[:10]}") if base.startswith("postgresql") \
        else nullcontext(f"sqlite:///{tmp_path_factory.mktemp('taxii') / 'live.sqlite3'}")
    with context as url:
        port = _free_port()
        settings = load_settings(env="test", secret_key=SECRET, database_url=url, secure_cookies=False,
                                 base_url=f"http://127.0.0.1:{port}")
        with serving(settings, port) as server, server.session() as db:
            p = build_personas(db)
            patterns = [f"[domain-name:value = 'live{n:03d}.example']" for n in range(COUNT)]
            indicators_service.import_file(
                db, actor=p.actor("land_cert_analyst"), settings=settings, fmt="stix",
                stream=io.BytesIO(stix_bundle(patterns, tlp=TLP.green)), name="live.json",
                options=importing.ImportOptions())
            tokens = {who: p.token(who) for who in ("gemeinde_a1_admin", "gemeinde_b1_member")}
            db.commit()
            yield {"url": server.url, "tokens": tokens}


def test_discovery_and_collections(live) -> None:  # noqa: ANN001
    server = Server(f"{live['url']}/taxii2/", user="siem", password=live["tokens"]["gemeinde_a1_admin"])
    assert server.title.startswith("kommcert")
    assert server.default.url == f"{live['url']}/taxii2/root/"
    root = server.api_roots[0]
    assert root.versions == [TAXII]
    aliases = {c.id: c for c in root.collections}
    assert set(aliases) == set(IDS.values())
    assert aliases[IDS["own"]].can_write is True and aliases[IDS["community"]].can_read is True


def test_a_full_paged_pull_and_an_incremental_one(live) -> None:  # noqa: ANN001
    collection = Collection(f"{live['url']}/taxii2/root/collections/{IDS['community']}/",
                            auth=TokenAuth(live["tokens"]["gemeinde_b1_member"]))
    pages = list(as_pages(collection.get_objects, per_request=10))
    assert len(pages) == 5
    names = [o["name"] for page in pages for o in page.get("objects", [])]
    assert len(names) == COUNT == len(set(names))
    manifest_pages = list(as_pages(collection.get_manifest, per_request=20))
    assert sum(len(p.get("objects", [])) for p in manifest_pages) == COUNT
    # incremental: from the last date_added of the first page on
    first = collection.get_objects(limit=10)
    last_added = collection._conn.session.get(  # noqa: SLF001 - the header, as OpenCTI reads it
        collection.objects_url, params={"limit": 10}, headers={"Accept": TAXII}).headers["X-TAXII-Date-Added-Last"]
    rest = list(as_pages(collection.get_objects, per_request=10, added_after=last_added))
    rest_ids = [o["id"] for page in rest for o in page.get("objects", [])]
    assert len(rest_ids) == COUNT - 10
    assert not {o["id"] for o in first["objects"]} & set(rest_ids)


def test_a_post_and_its_status(live) -> None:  # noqa: ANN001
    root = ApiRoot(f"{live['url']}/taxii2/root/", user="x", password=live["tokens"]["gemeinde_a1_admin"])
    collection = next(c for c in root.collections if c.id == IDS["own"])
    objects = [indicator(f"posted{n}.example", tlp=TLP.green) for n in range(3)]
    status = collection.add_objects(envelope(*objects).decode())
    assert status.status == "complete" and status.success_count == 3 and status.failure_count == 0
    status.refresh()
    assert status.total_count == 3 and {s["id"] for s in status.successes} == {o["id"] for o in objects}
    fetched = root.get_status(status.id)
    assert fetched.success_count == 3
    own = collection.get_objects()
    assert {"domain: posted0.example", "domain: posted1.example"} <= {o["name"] for o in own["objects"]}


def test_opencti_and_misp_request_habits(live) -> None:  # noqa: ANN001
    """OpenCTI's TAXII feed connector sends Basic on every request with Accept
    application/taxii+json;version=2.1 and pages by added_after (X-TAXII-Date-Added-Last); MISP's
    taxii2 import uses taxii2-client (next). Both stop at more=false."""
    url = f"{live['url']}/taxii2/root/collections/{IDS['community']}/objects/"
    session = requests.Session()
    session.auth = ("opencti", live["tokens"]["gemeinde_b1_member"])
    session.headers["Accept"] = "application/taxii+json;version=2.1"
    seen, after = [], None
    while True:
        response = session.get(url, params={"limit": 16, **({"added_after": after} if after else {})}, timeout=10)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == TAXII
        body = response.json()
        seen += [o["id"] for o in body.get("objects", [])]
        if not body["more"]:
            break
        after = response.headers["X-TAXII-Date-Added-Last"]
    total = len(session.get(url, params={"limit": 1000}, timeout=10).json()["objects"])
    assert total >= COUNT and len(seen) == total == len(set(seen))  # (the POST test may have added GREEN ones)
    anonymous = requests.get(url, headers={"Accept": TAXII}, timeout=10)
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Basic")
