"""GoPhish import: CSV and API JSON read into sums, small groups merged before anything is stored, no
per-person data in the database afterwards (every table is read), visibility through the policy."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import String, Text, func, select

from kommcert.awareness import gophish, phishing
from kommcert.awareness.models import PhishingCampaign, PhishingGroup
from kommcert.db import Base
from kommcert.errors import InvalidInput, NotFound
from tests.awareness.conftest import gophish_csv
from tests.personas import Personas

GROUPS = {"Bauamt": [("Clicked Link", False)] * 2 + [("Submitted Data", False)] + [("Email Opened", True)] * 4
          + [("Email Sent", False)],
          "Ordnungsamt": [("Clicked Link", True)] * 6 + [("Scheduled", False)],
          "Personalrat": [("Submitted Data", False)] * 4}


def _api_json() -> bytes:
    results = []
    for n, (position, people) in enumerate([(k, v) for k, v in GROUPS.items()]):
        for m, (status, reported) in enumerate(people):
            results.append({"id": f"{n}{m}", "email": f"p{n}{m}@amt.example", "first_name": f"Vor{n}{m}",
                            "last_name": f"Nach{n}{m}", "position": position, "status": status,
                            "ip": "203.0.113.9", "latitude": 50.1, "longitude": 8.6,
                            "send_date": "2026-03-02T08:00:00Z", "reported": reported,
                            "modified_date": "2026-03-02T09:00:00Z"})
    return json.dumps({"id": 7, "name": "Frühjahr", "status": "Completed", "results": results,
                       "timeline": [{"email": "p00@amt.example", "message": "Clicked Link",
                                     "details": "{\"browser\": {\"address\": \"203.0.113.9\"}}"}]}).encode()


def test_csv_and_json_give_the_same_sums() -> None:
    from_csv = gophish.read(gophish_csv(GROUPS))
    from_json = gophish.read(_api_json())
    assert from_csv.total == from_json.total
    assert from_csv.total.as_dict() == {"recipients": 19, "sent": 18, "opened": 17, "clicked": 13,
                                        "submitted": 5, "reported": 10}
    assert from_json.name == "Frühjahr" and from_json.source == "json" and str(from_json.first_send) == "2026-03-02"


def test_formula_escaped_cells_and_the_events_export() -> None:
    data = gophish_csv({"'=Bauamt": [("Clicked Link", False)] * 6})
    assert list(gophish.read(data).groups) == ["=Bauamt"]
    with pytest.raises(InvalidInput, match="Ereignis-Export|events export"):
        gophish.read(b"campaign_id,email,time,message,details\n1,a@b.example,2026,Clicked Link,{}\n")
    with pytest.raises(InvalidInput, match="Status|status"):
        gophish.read(gophish_csv({"A": [("Exploded", False)] * 6}))
    with pytest.raises(InvalidInput, match="sechs|six"):
        gophish.read(gophish_csv({"A": [("Clicked Link", False)] * 5}))
    with pytest.raises(InvalidInput):
        gophish.read(b"\xff\xfe not utf-8")


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(alphabet="abcdefgh", min_size=1, max_size=3), st.integers(1, 20), min_size=1,
                       max_size=8).filter(lambda d: sum(d.values()) >= 6))
def test_merging_never_leaves_a_small_group_or_remainder(sizes: dict[str, int]) -> None:
    groups = {k: gophish.Counts(recipients=n, sent=n, clicked=n // 2) for k, n in sizes.items()}
    shown, rest, merged = gophish.merge_small(groups)
    assert all(c.recipients >= 6 for _, c in shown)
    assert rest is None or rest.recipients >= 6
    assert sum(c.recipients for _, c in shown) + (rest.recipients if rest else 0) == sum(sizes.values())
    assert merged == len(sizes) - len(shown)
    assert all(label not in dict(shown) for label, n in sizes.items() if n < 6)


def test_no_per_person_data_in_the_database_after_an_import(personas: Personas) -> None:
    p = personas
    org = p.orgs["gemeinde_a1"].id
    for data in (gophish_csv(GROUPS), _api_json()):
        phishing.import_campaign(p.db, actor=p.actor("gemeinde_a1_admin"), org_id=org, data=data)
    p.db.flush()
    texts = []
    for table in Base.metadata.sorted_tables:
        columns = [c.name for c in table.columns if isinstance(c.type, (String, Text)) or "JSON" in str(c.type)]
        if columns:
            for row in p.db.execute(select(*[table.c[c] for c in columns])):
                texts += [str(v) for v in row if v is not None]
    blob = "\n".join(texts)
    for leak in ("@gemeinde.example", "@amt.example", "Vorname", "Nachname", "Vor0", "Nach0", "198.51.100.",
                 "203.0.113.9", "Personalrat", "r0001"):
        assert leak not in blob, leak
    labels = list(p.db.scalars(select(PhishingGroup.label).order_by(PhishingGroup.id)))
    # Bauamt (8) and Ordnungsamt (7) are shown; Personalrat (4) joins the smallest, Ordnungsamt, in the rest.
    assert labels == ["Bauamt", gophish.MERGED_LABEL] * 2
    assert p.db.scalar(select(func.min(PhishingGroup.recipients))) >= 6


def test_campaigns_travel_upward_only(personas: Personas) -> None:
    p = personas
    campaign = phishing.import_campaign(p.db, actor=p.actor("kreis_a_admin"), org_id=p.orgs["gemeinde_a1"].id,
                                        data=gophish_csv(GROUPS), name="Kreisweite Übung")
    assert campaign.owner_org_id == p.orgs["gemeinde_a1"].id and campaign.tlp == "amber+strict" and campaign.upward
    seen = {who: [v.campaign.name for v in phishing.list_campaigns(p.db, p.actor(who))]
            for who in ("gemeinde_a1_member", "kreis_a_admin", "land_cert_analyst", "kreis_b_admin",
                        "gemeinde_b1_member", "provider_x")}
    assert seen == {"gemeinde_a1_member": ["Kreisweite Übung"], "kreis_a_admin": ["Kreisweite Übung"],
                    "land_cert_analyst": ["Kreisweite Übung"], "kreis_b_admin": [], "gemeinde_b1_member": [],
                    "provider_x": []}
    with pytest.raises(NotFound):
        phishing.get_campaign(p.db, p.actor("gemeinde_b1_member"), campaign.id)
    with pytest.raises(NotFound):  # Kreis B cannot import for Kreis A's Gemeinde (nor learn it exists)
        phishing.import_campaign(p.db, actor=p.actor("kreis_b_admin"), org_id=p.orgs["gemeinde_a1"].id,
                                 data=gophish_csv(GROUPS))
    # A stored row below six (older or hand-made) is never shown.
    p.db.add(PhishingGroup(campaign_id=campaign.id, label="Klein", merged=False, recipients=3, sent=3, opened=3,
                           clicked=3, submitted=0, reported=0))
    p.db.flush()
    assert "Klein" not in [g.label for g in phishing.get_campaign(p.db, p.actor("kreis_a_admin"), campaign.id).groups]
    assert p.db.scalar(select(func.count()).select_from(PhishingCampaign)) == 1
