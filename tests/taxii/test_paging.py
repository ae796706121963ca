"""Paging: ``next`` to the end (objects, manifest), ``added_after`` from ``X-TAXII-Date-Added-Last``
never stalls, distinct date_added within one bulk import, filters, and a page far down costs no more."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from kommcert.indicators.models import Provenance
from kommcert.sharing.tlp import TLP
from kommcert.taxii.objects import parse_timestamp
from tests.taxii.conftest import ROOT, bearer, manifest_url, objects_url

VALUES = [f"p{n:03d}.example" for n in range(23)]


def _pull(client, url: str, headers: dict, **params) -> tuple[list[dict], list[dict]]:  # noqa: ANN001, ANN003
    """Every page by ``next``: (items, pages' envelopes)."""
    items, pages = [], []
    while True:
        response = client.get(url, headers=headers, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body)
        items += body.get("objects", [])
        if not body["more"]:
            assert "next" not in body
            return items, pages
        assert body["next"]  # present whenever more is true
        params = {**params, "next": body["next"]}


def test_one_bulk_import_gives_every_row_its_own_date_added(db, publish) -> None:  # noqa: ANN001
    publish("land_cert_analyst", VALUES, tlp=TLP.green)
    count, distinct = db.execute(select(func.count(Provenance.id),
                                        func.count(func.distinct(Provenance.added_at)))).one()
    assert count == len(VALUES) and distinct == count
    in_id_order = [t for (t,) in db.execute(select(Provenance.added_at).order_by(Provenance.id))]
    assert in_id_order == sorted(in_id_order)


def test_objects_and_manifest_page_by_next_to_the_end(client, personas, publish) -> None:  # noqa: ANN001
    publish("land_cert_analyst", VALUES, tlp=TLP.green)
    headers = bearer(personas.token("gemeinde_a1_member"))
    objects, pages = _pull(client, objects_url("community"), headers, limit=5)
    assert len(pages) == 5 and all(p["more"] for p in pages[:-1])
    assert sorted(o["name"] for o in objects) == sorted(f"domain: {v}" for v in VALUES)
    assert len({o["id"] for o in objects}) == len(VALUES)  # nothing twice
    manifest, mpages = _pull(client, manifest_url("community"), headers, limit=7)
    assert [m["id"] for m in manifest] == [o["id"] for o in objects]  # the same order: date_added
    stamps = [m["date_added"] for m in manifest]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert len(mpages) == 4


def test_added_after_from_the_last_header_never_stalls(client, personas, publish) -> None:  # noqa: ANN001
    """How OpenCTI and MISP pull incrementally: added_after = the X-TAXII-Date-Added-Last seen."""
    publish("land_cert_analyst", VALUES, tlp=TLP.green)
    headers = bearer(personas.token("gemeinde_a1_member"))
    seen: list[str] = []
    after = None
    for _ in range(len(VALUES) + 2):
        params = {"limit": 4, **({"added_after": after} if after else {})}
        response = client.get(objects_url("community"), headers=headers, params=params)
        got = response.json().get("objects", [])
        if not got:
            break
        seen += [o["id"] for o in got]
        last = response.headers["X-TAXII-Date-Added-Last"]
        assert last != after  # moves on every page
        after = last
    assert len(seen) == len(VALUES) == len(set(seen))


def test_a_new_source_moves_the_object_to_the_end(client, personas, publish) -> None:  # noqa: ANN001
    publish("land_cert_analyst", ["old.example", "moved.example"], tlp=TLP.green)
    headers = bearer(personas.token("gemeinde_a1_member"))
    first = client.get(objects_url("community"), headers=headers)
    after = first.headers["X-TAXII-Date-Added-Last"]
    publish("gemeinde_a1_admin", ["moved.example"], tlp=TLP.green)
    later = client.get(objects_url("community"), headers=headers, params={"added_after": after}).json()
    assert [o["name"] for o in later["objects"]] == ["domain: moved.example"]
    full = client.get(objects_url("community"), headers=headers).json()["objects"]
    assert [o["name"] for o in full] == ["domain: old.example", "domain: moved.example"]  # once each


def test_filters(client, personas, publish) -> None:  # noqa: ANN001
    publish("land_cert_analyst", ["f1.example", "f2.example", "f3.example"], tlp=TLP.green)
    headers = bearer(personas.token("gemeinde_a1_member"))
    url = objects_url("community")
    everything = client.get(url, headers=headers).json()["objects"]
    ids = [o["id"] for o in everything]

    def names(**params) -> list[str]:  # noqa: ANN003
        return [o["name"] for o in client.get(url, headers=headers, params=params).json().get("objects", [])]

    assert names(**{"match[id]": ids[1]}) == ["domain: f2.example"]
    assert names(**{"match[id]": f"{ids[0]},{ids[2]}"}) == ["domain: f1.example", "domain: f3.example"]
    assert names(**{"match[id]": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"}) == []
    assert len(names(**{"match[type]": "indicator"})) == 3
    assert len(names(**{"match[type]": "malware,indicator"})) == 3
    assert names(**{"match[type]": "malware"}) == []
    for version in ("last", "first", "all"):
        assert len(names(**{"match[version]": version})) == 3
    assert len(names(**{"match[version]": everything[0]["modified"]})) == 3  # one import: one modified
    assert names(**{"match[version]": "2001-01-01T00:00:00.000Z"}) == []
    assert len(names(**{"match[spec_version]": "2.1"})) == 3
    assert names(**{"match[spec_version]": "2.0"}) == []
    first_added = parse_timestamp(client.get(url, headers=headers).headers["X-TAXII-Date-Added-First"])
    assert len(names(added_after=(first_added - timedelta(microseconds=1)).isoformat())) == 3
    assert len(names(added_after=first_added.isoformat())) == 2
    # the same filters on the manifest
    manifest = client.get(manifest_url("community"), headers=headers, params={"match[id]": ids[2]}).json()
    assert [m["id"] for m in manifest["objects"]] == [ids[2]]


def test_versions_and_object_take_the_filters(client, personas, publish) -> None:  # noqa: ANN001
    publish("land_cert_analyst", ["v.example"], tlp=TLP.green)
    headers = bearer(personas.token("gemeinde_a1_member"))
    obj = client.get(objects_url("community"), headers=headers).json()["objects"][0]
    url = f"{objects_url('community')}{obj['id']}/"
    later = "2200-01-01T00:00:00Z"
    assert "objects" not in client.get(url, headers=headers, params={"added_after": later}).json()
    assert client.get(f"{url}versions/", headers=headers, params={"added_after": later}).json() == {"more": False}
    assert client.get(f"{url}versions/", headers=headers, params={"match[spec_version]": "2.1"}).json()["versions"] \
        == [obj["modified"]]


def test_limit_is_capped_and_a_cursor_never_expires(client, personas, publish, settings) -> None:  # noqa: ANN001
    from kommcert.taxii import cursor
    from kommcert.taxii.objects import MAX_LIMIT

    publish("land_cert_analyst", VALUES[:3], tlp=TLP.green)
    headers = bearer(personas.token("gemeinde_a1_member"))
    big = client.get(objects_url("community"), headers=headers, params={"limit": MAX_LIMIT * 10})
    assert big.status_code == 200 and len(big.json()["objects"]) == 3
    first = client.get(objects_url("community"), headers=headers, params={"limit": 1}).json()
    # The cursor is the position itself: a fresh app (a restart) reads it the same way.
    key = cursor.cursor_key(settings.secret_key.get_secret_value())
    position = cursor.decode(key, first["next"])
    assert cursor.encode(key, *position) == first["next"]
    forged = cursor.encode(cursor.cursor_key("another-secret-another-secret-xx"), *position)
    refused = client.get(objects_url("community"), headers=headers, params={"next": forged})
    assert refused.status_code == 400 and refused.json()["http_status"] == "400"


def test_page_cost_does_not_grow_with_the_page_number(client, personas, publish, db) -> None:  # noqa: ANN001
    """The seek reads about ``limit`` rows whatever the page: count the rows the queries return."""
    from sqlalchemy import event

    publish("land_cert_analyst", [f"deep{n}.example" for n in range(60)], tlp=TLP.green)
    headers = bearer(personas.token("gemeinde_a1_member"))
    fetched: list[int] = []

    def count_rows(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if "provenances" in statement and "ORDER BY provenances.added_at" in statement:
            fetched.append(1)
            if "OFFSET" in statement.upper():  # SQLite writes LIMIT ? OFFSET ? with 0; never a real offset
                assert list(parameters)[-1] == 0

    engine = db.get_bind().engine
    event.listen(engine, "before_cursor_execute", count_rows)
    try:
        pages, params = 0, {"limit": 5}
        while True:
            body = client.get(objects_url("community"), headers=headers, params=params).json()
            pages += 1
            if not body["more"]:
                break
            params = {"limit": 5, "next": body["next"]}
    finally:
        event.remove(engine, "before_cursor_execute", count_rows)
    assert pages == 12
    assert len(fetched) <= pages + 1  # one seek per page: no walk from the start


def test_status_of_an_unknown_id_is_404(client, personas) -> None:  # noqa: ANN001
    response = client.get(f"{ROOT}/status/not-a-status/", headers=bearer(personas.token("gemeinde_a1_member")))
    assert response.status_code == 404 and response.json()["http_status"] == "404"
