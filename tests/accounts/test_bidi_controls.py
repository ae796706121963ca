"""Values with bidirectional control characters are shown escaped and flagged, never reversed."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from kommcert.indicators import importing
from kommcert.indicators import service as indicators_service
from kommcert.indicators.models import Indicator
from kommcert.sharing.service import Audience
from kommcert.web.templating import bidi, bidi_plain
from tests.indicators.conftest import stix_bundle

RLO = "\u202e"
FLAG = "enthält Steuerzeichen"


@pytest.mark.parametrize("char", ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                                  "\u2066", "\u2067", "\u2068", "\u2069"])
def test_it_escapes_every_bidi_control(char: str) -> None:
    shown = bidi({"_": lambda s: s}, f"<x>{char}y")
    assert char not in shown and f"\\u{ord(char):04x}" in shown and FLAG in shown
    assert "&lt;x&gt;" in shown  # still HTML-escaped
    assert bidi_plain(f"a{char}b") == f"a\\u{ord(char):04x}b"


def test_it_leaves_ordinary_text_alone() -> None:
    assert str(bidi({"_": lambda s: s}, "Phishing <Rathaus> ü")) == "Phishing &lt;Rathaus&gt; ü"


def test_it_flags_a_report_title_on_the_pages(client, personas, login) -> None:  # noqa: ANN001
    created = client.post("/api/v1/reports", json={"title": f"Rechnung{RLO}fdp.exe", "tlp": "green"},
                          headers=personas.auth("gemeinde_a1_member"))
    assert created.status_code == 201
    login("gemeinde_b1_member")
    for path in (f"/reports/{created.json()['id']}", "/reports", "/"):
        page = client.get(path)
        assert RLO not in page.text, path
        assert 'Rechnung<mark class="ctrl">\\u202e</mark>fdp.exe' in page.text and FLAG in page.text, path
    english = client.get(f"/reports/{created.json()['id']}?lang=en")
    assert "contains control characters" in english.text


def test_it_flags_an_indicator_value_on_the_pages(client, db, personas, settings, login) -> None:  # noqa: ANN001
    value = f"http://evil.example/{RLO}gpj.exe"
    indicators_service.import_file(
        db, actor=personas.actor("gemeinde_a1_member"), settings=settings, fmt="stix",
        stream=io.BytesIO(stix_bundle([f"[url:value = '{value}']"], tlp="green")), name="b.json",
        options=importing.ImportOptions(audience=Audience()))
    login("gemeinde_b1_member")
    search = client.get("/indicators?q=evil.example")
    assert RLO not in search.text and '<mark class="ctrl">\\u202e</mark>gpj.exe' in search.text
    assert FLAG in search.text
    indicator_id = db.scalar(select(Indicator.id).where(Indicator.value == value))
    detail = client.get(f"/indicators/{indicator_id}")
    assert RLO not in detail.text and "<title>http://evil.example/\\u202egpj.exe" in detail.text
