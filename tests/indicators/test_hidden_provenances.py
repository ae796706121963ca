"""A value that several reports carry: the reader learns nothing from the reports they may not see.

Each test is one reproduction from the trust review (issue 10, §2): RED text under a GREEN marking,
import answers, indicator pages, sighting details and feed ETags that moved with hidden data.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from kommcert.indicators import importing
from kommcert.indicators import service as indicators_service
from kommcert.indicators import sightings as sightings_service
from kommcert.indicators.models import Indicator
from kommcert.indicators.sightings import SightingIn
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from tests.indicators.conftest import stix_report_bundle
from tests.personas import web_login

VALUE = "zz-mixed.example"


def _bundle(value: str, tlp: TLP, *, title: str, description: str, label: str) -> bytes:
    return stix_report_bundle(value, tlp, title=title, description=description, label=label)


def _import(db, personas, settings, who: str, body: bytes, audience: Audience | None = None,  # noqa: ANN001
            title: str | None = None) -> importing.ImportResult:
    return indicators_service.import_file(
        db, actor=personas.actor(who), settings=settings, fmt="stix", stream=io.BytesIO(body), name="bundle.json",
        options=importing.ImportOptions(audience=audience or Audience(), title=title))


@pytest.fixture
def mixed(db, personas, settings) -> None:  # noqa: ANN001
    """The Landes-CERT's RED report to the Beispielkreis admin, and Seedorf's GREEN report, of one value."""
    _import(db, personas, settings, "land_cert_analyst",
            _bundle(VALUE, TLP.red, title="RED-TITLE Operation Nachtfalke", description="RED-DESCRIPTION Quelle X",
                    label="red-label-nachtfalke"),
            audience=Audience(users=(personas.users["kreis_a_admin"].id,)))
    _import(db, personas, settings, "gemeinde_b1_member",
            _bundle(VALUE, TLP.green, title="Gruene Meldung Seedorf", description="Seedorf sah es im Proxy",
                    label="phishing"))


@pytest.mark.parametrize("fmt", ["csv", "stix", "zeek", "suricata"])
def test_a_feed_takes_every_field_from_the_provenances_at_its_marking(client, personas, mixed, fmt) -> None:  # noqa: ANN001
    token = personas.token("kreis_a_admin")
    body = client.get(f"/feeds/{fmt}?token={token}")
    assert body.status_code == 200, body.text
    assert VALUE in body.text  # the reader sees the value …
    assert "RED-" not in body.text and "red-label" not in body.text  # … but no RED text under GREEN


def test_the_misp_feed_keeps_each_report_under_its_own_marking(client, personas, mixed) -> None:  # noqa: ANN001
    manifest = client.get(f"/feeds/misp/manifest.json?token={personas.token('kreis_a_admin')}").json()
    tags = {event["info"]: {t["name"] for t in event["Tag"]} for event in manifest.values()}
    assert tags["RED-TITLE Operation Nachtfalke"] == {"tlp:red"}
    assert tags["Gruene Meldung Seedorf"] == {"tlp:green"}


def test_export_rows_take_title_tags_and_comment_from_the_green_report(db, personas, mixed) -> None:  # noqa: ANN001
    rows = [r for r in indicators_service.export_rows(db, actor=personas.actor("kreis_a_admin"), blocking=False)
            if r.value == VALUE]
    assert len(rows) == 1
    row = rows[0]
    assert (row.tlp, row.report_title, row.comment, row.tags) == (
        TLP.green, "Gruene Meldung Seedorf", "Seedorf sah es im Proxy", ("phishing",))


def test_the_creator_of_the_red_report_gets_the_red_fields_only_under_red(db, personas, settings) -> None:  # noqa: ANN001
    _import(db, personas, settings, "land_cert_analyst",
            _bundle("only-red.example", TLP.red, title="RED-ONLY", description="RED-ONLY text", label="red-only"))
    row = next(r for r in indicators_service.export_rows(db, actor=personas.actor("land_cert_analyst"),
                                                         blocking=False) if r.value == "only-red.example")
    assert (row.tlp, row.report_title, row.tags) == (TLP.red, "RED-ONLY", ("red-only",))


def _hidden_value(db, personas, settings, value: str) -> None:  # noqa: ANN001
    """A value only Kreis A's AMBER report carries, seen and reported as a false positive in Kreis A."""
    _import(db, personas, settings, "kreis_a_admin",
            _bundle(value, TLP.amber, title="Kreis A intern", description="intern", label="intern"),
            audience=Audience(orgs=(personas.orgs["kreis_a"].id,)))
    indicator = db.scalar(select(Indicator).where(Indicator.value == value))
    for who, key in (("gemeinde_a1_member", "a1"), ("kreis_a_admin", "ka")):
        sightings_service.record_sightings(db, actor=personas.actor(who), items=[
            SightingIn(key=key, indicator_id=indicator.id, kind="false_positive", log_source="proxy", system="fw1")])


def test_an_import_answer_does_not_move_with_hidden_values(db, personas, settings) -> None:  # noqa: ANN001
    _hidden_value(db, personas, settings, "hidden-before.example")
    body = _bundle("hidden-before.example", TLP.green, title="B1", description="", label="x")
    fresh = _bundle("nobody-has-it.example", TLP.green, title="B1", description="", label="x")
    known = _import(db, personas, settings, "gemeinde_b1_member", body)
    new = _import(db, personas, settings, "gemeinde_b1_member", fresh)
    assert (known.imported, known.new_indicators, known.warninglisted) == (
        new.imported, new.new_indicators, new.warninglisted) == (1, 1, 0)
    # What the importer saw before does count as known.
    again = _import(db, personas, settings, "gemeinde_b1_member", fresh, title="noch einmal")
    assert (again.imported, again.new_indicators) == (1, 0)


def test_the_indicator_page_shows_no_counts_or_review_of_hidden_reports(client, db, personas, settings) -> None:  # noqa: ANN001
    _hidden_value(db, personas, settings, "hidden-seen.example")
    _import(db, personas, settings, "gemeinde_b1_member",
            _bundle("hidden-seen.example", TLP.green, title="B1", description="", label="x"))
    indicator = db.scalar(select(Indicator).where(Indicator.value == "hidden-seen.example"))
    assert indicator.review_state == "needs_review"  # two organisations of Kreis A said false positive
    detail = client.get(f"/api/v1/indicators/{indicator.id}", headers=personas.auth("gemeinde_b1_member")).json()
    assert detail["sightings"]["organisations"] == 0 and detail["sightings"]["false_positives"] == 0
    assert detail["review_state"] == "none" and detail["sightings_visible"] == []
    assert [p["report_title"] for p in detail["provenances"]] == ["B1"]
    page = web_login(client, personas.users["gemeinde_b1_member"].email).get(f"/indicators/{indicator.id}")
    assert page.status_code == 200 and "zur Prüfung" not in page.text and "Gesehen von" not in page.text
    # The CERT sees the whole picture.
    cert = client.get(f"/api/v1/indicators/{indicator.id}", headers=personas.auth("land_cert_analyst")).json()
    assert cert["sightings"]["organisations"] == 2 and cert["review_state"] == "needs_review"
    # Sightings after the importer could see the value are counted for them (as counts only).
    sightings_service.record_sightings(db, actor=personas.actor("gemeinde_a1_member"), items=[
        SightingIn(key="later", indicator_id=indicator.id)])
    later = client.get(f"/api/v1/indicators/{indicator.id}", headers=personas.auth("gemeinde_b1_member")).json()
    assert later["sightings"]["organisations"] == 1 and later["sightings_visible"] == []


def test_sighting_details_stay_with_the_reporter_its_ancestors_and_the_certs(client, db, personas,  # noqa: ANN001
                                                                            settings) -> None:
    """Re-importing another Kreis's AMBER value as GREEN must not make Seedorf see Kleinmusterdorf's details."""
    _import(db, personas, settings, "kreis_a_admin",
            _bundle("amber-a.example", TLP.amber, title="A", description="", label="x"),
            audience=Audience(orgs=(personas.orgs["kreis_a"].id,)))
    _import(db, personas, settings, "gemeinde_b1_member",
            _bundle("amber-a.example", TLP.green, title="B", description="", label="x"))
    indicator = db.scalar(select(Indicator).where(Indicator.value == "amber-a.example"))
    sightings_service.record_sightings(db, actor=personas.actor("gemeinde_a1_member"), items=[
        SightingIn(key="k", indicator_id=indicator.id, log_source="dnsmasq-geheim", system="dc01-geheim")])
    seedorf = client.get(f"/api/v1/indicators/{indicator.id}", headers=personas.auth("gemeinde_b1_member")).json()
    assert seedorf["sightings_visible"] == [] and seedorf["sightings"]["organisations"] == 1
    picture = web_login(client, personas.users["gemeinde_b1_member"].email).get("/lagebild")
    assert picture.status_code == 200
    assert "Gemeinde A1" not in picture.text and "dnsmasq-geheim" not in picture.text and "Kreis A" not in picture.text
    kreis = client.get(f"/api/v1/indicators/{indicator.id}", headers=personas.auth("kreis_a_admin")).json()
    assert [s["log_source"] for s in kreis["sightings_visible"]] == ["dnsmasq-geheim"]


def test_a_feed_etag_does_not_move_with_hidden_data(client, db, personas, settings) -> None:  # noqa: ANN001
    _import(db, personas, settings, "land_cert_analyst",
            _bundle("green-one.example", TLP.green, title="G", description="", label="x"))
    token = personas.token("gemeinde_b1_member")
    etag = client.get(f"/feeds/txt?token={token}").headers["etag"]
    # Kreis A's own report, its sightings and a CERT's RED report: none of it is Seedorf's to see.
    _hidden_value(db, personas, settings, "hidden-etag.example")
    _import(db, personas, settings, "land_cert_analyst",
            _bundle("green-one.example", TLP.red, title="R", description="", label="x"))
    again = client.get(f"/feeds/txt?token={token}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    _import(db, personas, settings, "land_cert_analyst",
            _bundle("green-two.example", TLP.green, title="G2", description="", label="x"))
    assert client.get(f"/feeds/txt?token={token}", headers={"If-None-Match": etag}).status_code == 200
