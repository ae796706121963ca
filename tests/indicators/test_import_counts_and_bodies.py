"""Import answers that add up, German CSV headers, the empty file's hashes flagged, and report bodies
filled from what the source said."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from kommcert.errors import InvalidInput
from kommcert.indicators import importing
from kommcert.indicators import service as indicators_service
from kommcert.indicators.models import Indicator
from kommcert.reports.models import Report
from kommcert.sharing.tlp import TLP
from tests.indicators.conftest import stix_bundle
from tests.personas import csrf_from

EMPTY_MD5, EMPTY_SHA1 = "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _import(db, personas, settings, fmt: str, data: bytes, who: str = "gemeinde_a1_member",  # noqa: ANN001
            tlp: TLP = TLP.green, **reader_options) -> importing.ImportResult:  # noqa: ANN003
    return indicators_service.import_file(
        db, actor=personas.actor(who), settings=settings, fmt=fmt, stream=io.BytesIO(data), name="upload",
        options=importing.ImportOptions(tlp=tlp), reader_options=reader_options)


def test_the_counts_add_up(db, personas, settings) -> None:  # noqa: ANN001
    _import(db, personas, settings, "text", b"198.51.100.1\n", who="land_cert_analyst")
    result = _import(db, personas, settings, "text", b"198.51.100.1\n198.51.100.2\n198.51.100.2\nevil.example\n")
    assert (result.imported, result.new_indicators, result.known, result.duplicates) == (3, 2, 1, 1)
    assert result.imported == result.new_indicators + result.known
    assert result.counts("de") == "3 übernommen: 2 neu, 1 bereits bekannt; 1 doppelt in der Datei, nicht übernommen"
    assert result.counts("en").startswith("3 taken over: 2 new, 1 already known")


def test_the_api_answer_names_the_known_values(client, personas) -> None:  # noqa: ANN001
    headers = personas.auth("land_cert_analyst")
    client.post("/api/v1/indicators/import", headers=headers, data={"format": "text", "tlp": "green"},
                files={"file": ("a.txt", b"198.51.100.1\n", "text/plain")})
    body = client.post("/api/v1/indicators/import", headers=headers, data={"format": "text", "tlp": "green"},
                       files={"file": ("b.txt", b"198.51.100.1\n198.51.100.9\n", "text/plain")}).json()
    assert (body["imported"], body["new_indicators"], body["known"]) == (2, 1, 1)


@pytest.mark.parametrize("text", ["Wert;Typ;Kommentar\n198.51.100.7;ipv4;C2-Server\nevil.example;domain;Phishing\n",
                                  "WERT,TYP\n198.51.100.7,ipv4\nevil.example,domain\n",
                                  "value,type,comment\n198.51.100.7,ipv4,x\nevil.example,domain,y\n"])
def test_it_reads_german_and_english_csv_headers(db, personas, settings, text: str) -> None:  # noqa: ANN001
    result = _import(db, personas, settings, "csv", text.encode(), value_column="value")
    assert result.imported == 2
    assert set(db.execute(select(Indicator.type, Indicator.value)).all()) == {("ipv4", "198.51.100.7"),
                                                                             ("domain", "evil.example")}


def test_it_names_the_accepted_headers_when_none_fits(db, personas, settings) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput) as err:
        _import(db, personas, settings, "csv", b"Adresse;Art\n198.51.100.7;ipv4\n", value_column="value")
    assert "Adresse" in err.value.de and "wert" in err.value.de and "value" in err.value.de
    assert "Recognised without a mapping" in err.value.en


def test_it_flags_the_hashes_of_the_empty_file(client, db, personas, settings) -> None:  # noqa: ANN001
    result = _import(db, personas, settings, "text", f"{EMPTY_MD5}\n{EMPTY_SHA1}\n{EMPTY_SHA256}\n".encode())
    assert result.imported == 3 and result.warninglisted == 3
    assert result.warninglist_hits[0] == (EMPTY_MD5, "Hashes of the empty file")
    assert set(db.scalars(select(Indicator.warninglist))) == {"Hashes of the empty file"}
    feed = client.get("/feeds/txt", headers=personas.auth("gemeinde_a1_member")).text
    assert EMPTY_SHA256 not in feed


def test_the_result_page_warns_about_warninglisted_values(client, personas, login) -> None:  # noqa: ANN001
    login("land_cert_analyst")
    page = client.get("/indicators/import")
    done = client.post("/indicators/import", data={"csrf_token": csrf_from(page.text), "format": "text",
                                                   "action": "import", "tlp": "green"},
                       files={"file": ("h.txt", f"{EMPTY_SHA256}\n198.51.100.3\n".encode(), "text/plain")})
    assert "2 Indikatoren übernommen: 2 neu, 0 bereits bekannt." in done.text
    assert "1 Werte stehen auf einer Warnliste" in done.text and EMPTY_SHA256 in done.text


def _body(db, result) -> str:  # noqa: ANN001
    return db.scalar(select(Report.summary).where(Report.id == result.reports[0]))


def test_a_csv_import_fills_the_report_body_from_the_comment_column(db, personas, settings) -> None:  # noqa: ANN001
    text = "Wert;Kommentar\n198.51.100.7;C2-Server von Emotet\n198.51.100.8;C2-Server von Emotet\nx.example;\n"
    body = _body(db, _import(db, personas, settings, "csv", text.encode()))
    assert body == "- C2-Server von Emotet (198.51.100.7, 198.51.100.8)"


def test_a_stix_import_fills_the_body_from_the_indicator_names(db, personas, settings) -> None:  # noqa: ANN001
    result = _import(db, personas, settings, "stix", stix_bundle(["[ipv4-addr:value = '198.51.100.7']"]))
    assert "Indikator 0 (198.51.100.7)" in _body(db, result)


def test_a_misp_import_fills_the_body_from_the_event_info(db, personas, settings) -> None:  # noqa: ANN001
    event = {"Event": {"uuid": "a5000000-0000-4000-8000-000000000001", "info": "Phishing-Welle an Rathäuser",
                       "Attribute": [{"uuid": "a5000000-0000-4000-8000-000000000002", "type": "domain",
                                      "to_ids": True, "value": "evil.example", "comment": "Absenderdomain"}]}}
    body = _body(db, _import(db, personas, settings, "misp", json.dumps(event).encode()))
    assert body.startswith("- Phishing-Welle an Rathäuser") and "Absenderdomain (evil.example)" in body


def test_the_body_stays_bounded(db, personas, settings) -> None:  # noqa: ANN001
    rows = "".join(f"198.51.{n // 250}.{n % 250 + 1};Kommentar Nummer {n} " + "x" * 40 + "\n" for n in range(3000))
    body = _body(db, _import(db, personas, settings, "csv", ("Wert;Kommentar\n" + rows).encode()))
    assert len(body) <= importing.SUMMARY_CHARS + 10 and body.endswith("- …")
