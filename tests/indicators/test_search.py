"""Indicator search walks ids newest first in windows: the same answer as one big query."""

from __future__ import annotations

import pytest

from kommcert.indicators import service
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP


def test_search_pages_through_windows_newest_first(db, personas, import_stix,  # noqa: ANN001
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import_stix("land_cert_analyst", [f"[domain-name:value = 'n{n}.example']" for n in range(7)], tlp=TLP.green)
    import_stix("kreis_a_admin", ["[domain-name:value = 'only-a.example']"],
                audience=Audience(orgs=(personas.orgs["kreis_a"].id,)))
    whole = service.search(db, actor=personas.actor("land_cert_analyst"), limit=100)
    monkeypatch.setattr(service, "SEARCH_WINDOW", 2)
    windowed = service.search(db, actor=personas.actor("land_cert_analyst"), limit=100)
    assert [i.value for i in windowed] == [i.value for i in whole] and len(whole) == 8
    assert [i.id for i in windowed] == sorted((i.id for i in windowed), reverse=True)
    first = service.search(db, actor=personas.actor("land_cert_analyst"), limit=3)
    rest = service.search(db, actor=personas.actor("land_cert_analyst"), limit=100, before_id=first[-1].id)
    assert [i.value for i in first + rest] == [i.value for i in whole]
    b = service.search(db, actor=personas.actor("gemeinde_b1_member"), q="example", limit=100)
    assert "only-a.example" not in {i.value for i in b} and len(b) == 7
