"""The indicator list pages by keyset (older/newer than an id) with a total, and names types in German."""

from __future__ import annotations

import pytest

from kommcert.indicators import service
from kommcert.indicators.types import TYPE_LABELS_DE, IndicatorType
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP

GREEN = [f"[domain-name:value = 'p{n}.example']" for n in range(7)]


@pytest.fixture
def seven(personas, import_stix) -> None:  # noqa: ANN001
    """Seven GREEN values for everyone, and one AMBER value Kreis A keeps to itself."""
    import_stix("land_cert_analyst", GREEN, tlp=TLP.green)
    import_stix("kreis_a_admin", ["[domain-name:value = 'p-only-a.example']"],
                audience=Audience(orgs=(personas.orgs["kreis_a"].id,)))


# (id window, slice of matching ids, most matching ids taken at once): the real sizes; windows of two
# ids; on PostgreSQL the matching ids after the first window, two at a time; and too many matches for
# that, so that the windows go on.
SIZES = [(service.SEARCH_WINDOW, service.SLICE, service.RARE), (2, service.SLICE, service.RARE), (2, 2, 50), (2, 2, 1)]


@pytest.mark.parametrize(("window", "slice_", "rare"), SIZES)
def test_it_pages_older_and_back_newer_with_a_total(db, personas, seven, window: int, slice_: int,  # noqa: ANN001
                                                    rare: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "SEARCH_WINDOW", window)
    monkeypatch.setattr(service, "SLICE", slice_)
    monkeypatch.setattr(service, "RARE", rare)
    actor = personas.actor("gemeinde_b1_member")
    everything = [i.value for i in service.search(db, actor=actor, q="p", limit=100)]
    first = service.search_page(db, actor=actor, size=3, q="p")
    assert [i.value for i in first.items] == everything[:3]
    assert (first.total, first.total_capped, first.position, first.newer) == (7, False, 1, None)
    second = service.search_page(db, actor=actor, size=3, q="p", before_id=first.older)
    assert [i.value for i in second.items] == everything[3:6] and second.position == 4
    last = service.search_page(db, actor=actor, size=3, q="p", before_id=second.older)
    assert [i.value for i in last.items] == everything[6:] and last.older is None and last.position == 7
    back = service.search_page(db, actor=actor, size=3, q="p", after_id=last.newer)
    assert [i.value for i in back.items] == everything[3:6] and back.older == second.older
    top = service.search_page(db, actor=actor, size=3, q="p", after_id=back.newer)
    assert [i.value for i in top.items] == everything[:3] and top.newer is None and top.position == 1


@pytest.mark.parametrize(("window", "slice_", "rare"), SIZES)
def test_it_counts_only_what_the_reader_may_see(db, personas, seven, window: int, slice_: int,  # noqa: ANN001
                                                rare: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "SEARCH_WINDOW", window)
    monkeypatch.setattr(service, "SLICE", slice_)
    monkeypatch.setattr(service, "RARE", rare)
    a = service.search_page(db, actor=personas.actor("gemeinde_a1_member"), q="p")
    b = service.search_page(db, actor=personas.actor("gemeinde_b1_member"), q="p")
    assert (a.total, b.total) == (8, 7)
    assert "p-only-a.example" not in {i.value for i in b.items}


@pytest.mark.parametrize(("window", "slice_", "rare"), SIZES)
def test_it_says_more_than_n_when_counting_would_cost_too_much(db, personas, seven, window: int,  # noqa: ANN001
                                                               slice_: int, rare: int,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "COUNT_CAP", 4)
    monkeypatch.setattr(service, "SEARCH_WINDOW", window)
    monkeypatch.setattr(service, "SLICE", slice_)
    monkeypatch.setattr(service, "RARE", rare)
    page = service.search_page(db, actor=personas.actor("land_cert_analyst"), size=2, q="p")
    assert page.total_capped and page.total == 4
    second = service.search_page(db, actor=personas.actor("land_cert_analyst"), size=2, q="p", before_id=page.older)
    assert second.position == 3 and second.total_capped


def test_it_names_every_type_in_german_and_english() -> None:
    from kommcert import i18n

    assert set(TYPE_LABELS_DE) == set(IndicatorType)
    assert IndicatorType.ipv4_cidr.label == "IPv4-Netz"
    english = i18n._english()
    assert [label for label in TYPE_LABELS_DE.values() if label not in english] == []


def test_it_shows_a_page_with_total_german_types_and_paging_links(client, personas, seven, login) -> None:  # noqa: ANN001
    login("gemeinde_b1_member")
    html = client.get("/indicators?q=p").text
    assert "7 Indikatoren" in html and "angezeigt: 1–7" in html
    assert '<option value="ipv4_cidr">IPv4-Netz</option>' in html
    assert ">Domain</td>" in html and "p-only-a.example" not in html
    assert 'rel="next"' not in html and 'rel="prev"' not in html
    for field in ("f-q", "f-type", "f-tlp", "f-tag", "f-source", "f-seen", "f-expired"):
        assert f'<label for="{field}">' in html  # a visible label, not a placeholder alone


def test_it_links_to_older_and_newer_pages_keeping_the_filters(client, db, personas, seven, login,  # noqa: ANN001
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from kommcert.web import indicators as pages

    monkeypatch.setattr(pages, "PAGE_SIZE", 3)
    login("gemeinde_b1_member")
    html = client.get("/indicators?q=p&type=domain").text
    older = re.search(r'href="(/indicators\?[^"]*before=\d+)" rel="next"', html)
    assert older and "q=p" in older.group(1) and "type=domain" in older.group(1)
    second = client.get(older.group(1).replace("&amp;", "&")).text
    assert "angezeigt: 4–6" in second
    newer = re.search(r'href="(/indicators\?[^"]*after=\d+)" rel="prev"', second)
    assert newer and "angezeigt: 1–3" in client.get(newer.group(1).replace("&amp;", "&")).text


def test_it_refuses_an_id_no_column_can_hold(client, personas, login) -> None:  # noqa: ANN001
    login("gemeinde_b1_member")
    assert client.get("/indicators?before=99999999999").status_code == 422
    assert client.get("/indicators?after=-1").status_code == 422


def test_it_sends_anonymous_visitors_to_the_login(client) -> None:  # noqa: ANN001
    response = client.get("/indicators?before=5", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_the_api_pages_back_and_counts_on_request(client, personas, seven) -> None:  # noqa: ANN001
    auth = personas.auth("gemeinde_b1_member")
    first = client.get("/api/v1/indicators", params={"q": "p", "limit": 3}, headers=auth).json()
    assert first["total"] is None and first["next_before_id"] is not None  # no count unless asked
    second = client.get("/api/v1/indicators", params={"q": "p", "limit": 3, "before_id": first["next_before_id"],
                                                      "with_total": True}, headers=auth).json()
    assert (second["total"], second["total_capped"]) == (7, False)
    assert second["prev_after_id"] == second["items"][0]["id"]
    back = client.get("/api/v1/indicators", params={"q": "p", "limit": 3, "after_id": second["prev_after_id"]},
                      headers=auth).json()
    assert [i["value"] for i in back["items"]] == [i["value"] for i in first["items"]]
    assert back["prev_after_id"] is None and back["next_before_id"] == first["next_before_id"]


def test_the_api_counts_nothing_another_kreis_keeps(client, personas, seven) -> None:  # noqa: ANN001
    answer = client.get("/api/v1/indicators", params={"q": "p-only", "with_total": True},
                        headers=personas.auth("gemeinde_b1_member")).json()
    assert (answer["items"], answer["total"]) == ([], 0)
    answer = client.get("/api/v1/indicators", params={"q": "p-only", "with_total": True},
                        headers=personas.auth("gemeinde_a1_member")).json()
    assert answer["total"] == 1
