"""Done when: kommcert instances federate on loopback with TLP held.

Three real instances (uvicorn on loopback, each with its own database; A on the suite's PostgreSQL
when the suite runs there): A holds data at every TLP; B subscribes to A's community collection as a
peer and gets exactly CLEAR, GREEN and the AMBER addressed to it; B's municipalities sight one of
them and B pushes the counts back, which A stores on its indicator as the peer's sighting (once, however
often it is sent); C, a peer of B, gets what B received from A only at CLEAR and GREEN.
"""

from __future__ import annotations

import io
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from kommcert.config import Settings, load_settings
from kommcert.db import scratch_postgres_database
from kommcert.federation import push, service
from kommcert.federation.models import Peer
from kommcert.indicators import importing, sightings
from kommcert.indicators import service as indicators_service
from kommcert.indicators.models import Indicator, Provenance, Sighting
from kommcert.reports.models import Report
from kommcert.sharing.service import Audience, set_audience
from kommcert.sharing.tlp import TLP
from kommcert.subscriptions import service as subscriptions_service
from kommcert.subscriptions.models import Subscription
from kommcert.taxii.collections import COLLECTIONS
from tests.browser.conftest import _free_port, serving
from tests.conftest import SECRET
from tests.indicators.conftest import stix_bundle
from tests.personas import Personas, build_personas

COMMUNITY = next(c.id for c in COLLECTIONS if c.key == "community")
OWN = next(c.id for c in COLLECTIONS if c.key == "own")
TAXII = "application/taxii+json;version=2.1"


@dataclass
class Instance:
    name: str
    server: Any
    settings: Settings

    @property
    def collection(self) -> str:
        return f"{self.server.url}/taxii2/root/collections/{COMMUNITY}/"

    def session(self):  # noqa: ANN201
        return self.server.session()


def _database(stack: ExitStack, tmp: Any, name: str, *, postgres: bool) -> str:
    base = os.environ.get("KOMMCERT_TEST_DATABASE_URL", "")
    if postgres and base.startswith("postgresql"):
        return stack.enter_context(scratch_postgres_database(base, f"kc_fed_{name}_{uuid.uuid4().hex[:8]}"))
    return stack.enter_context(nullcontext(f"sqlite:///{tmp.mktemp(name) / 'instance.sqlite3'}"))


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Instance]]:
    with ExitStack() as stack:
        found = {}
        for name in ("a", "b", "c"):
            url = _database(stack, tmp_path_factory, name, postgres=name == "a")
            port = _free_port()
            settings = load_settings(env="test", secret_key=SECRET, database_url=url, secure_cookies=False,
                                     base_url=f"http://127.0.0.1:{port}", outbound_hosts="127.0.0.1",
                                     taxii_token_cache_seconds=0)
            server = stack.enter_context(serving(settings, port))
            found[name] = Instance(name, server, settings)
        yield found


def _publish(db: Any, p: Personas, settings: Settings, owner: str, value: str, tlp: TLP,
             audience: Audience | None = None) -> None:
    indicators_service.import_file(db, actor=p.actor(owner), settings=settings, fmt="stix",
                                   stream=io.BytesIO(stix_bundle([f"[domain-name:value = '{value}']"], tlp=tlp)),
                                   name="bundle.json", options=importing.ImportOptions(audience=audience or Audience()))


def _values_of_subscription(db: Any, sub_id: int) -> dict[str, TLP]:
    """value -> TLP of the subscription's reports that carry it (all marked as received from a peer)."""
    from kommcert.federation.push import _report_ids

    sub = db.get(Subscription, sub_id)
    rows = db.execute(select(Indicator.value, Report.tlp, Report.received_from_peer)
                      .join(Provenance, Provenance.indicator_id == Indicator.id)
                      .join(Report, Report.id == Provenance.report_id)
                      .where(Report.id.in_(_report_ids(sub)))).all()
    assert all(received for _, _, received in rows)
    return {value: TLP(tlp) for value, tlp, _ in rows}


@pytest.fixture(scope="module")
def federation(instances: dict[str, Instance]) -> dict[str, Any]:
    a, b, c = instances["a"], instances["b"], instances["c"]
    state: dict[str, Any] = {}
    with a.session() as db:
        p = build_personas(db)
        b_on_a = service.add_peer(db, key="instanz-b", name="Instanz B", max_tlp=TLP.amber)
        peer_b = b_on_a.org.id
        for value, tlp, audience in (
            ("clear.example", TLP.clear, None),
            ("green.example", TLP.green, None),
            ("amber-to-b.example", TLP.amber, Audience(orgs=(peer_b,))),
            ("amber-other.example", TLP.amber, Audience(orgs=(p.orgs["kreis_a"].id,))),
            ("strict-to-b.example", TLP.amber_strict, Audience(orgs_without_subtree=(peer_b,))),
            ("red.example", TLP.red, Audience(users=(b_on_a.user.id,))),
        ):
            _publish(db, p, a.settings, "land_cert_analyst", value, tlp, audience)
        state["a_uuids"] = {v: str(u) for v, u in db.execute(select(Indicator.value, Indicator.uuid))}
        state["a_peer_org"] = peer_b
        state["a_gemeinde_token"] = p.token("gemeinde_a1_member")
        db.commit()
    with b.session() as db:
        p = build_personas(db)
        c_on_b = service.add_peer(db, key="instanz-c", name="Instanz C", max_tlp=TLP.amber)
        state["b_peer_c_org"] = c_on_b.org.id
        _publish(db, p, b.settings, "land_cert_analyst", "b-amber-to-c.example", TLP.amber,
                 Audience(orgs=(c_on_b.org.id,)))
        a_on_b = service.add_peer(db, key="instanz-a", name="Instanz A", max_tlp=TLP.green)
        state["b_sub"] = service.connect(db, peer=a_on_b.peer, actor=p.actor("land_cert_analyst"), url=a.collection,
                                         secret=b_on_a.token, settings=b.settings)
        db.commit()
    with c.session() as db:
        p = build_personas(db)
        b_on_c = service.add_peer(db, key="instanz-b", name="Instanz B", max_tlp=TLP.green)
        state["c_sub"] = service.connect(db, peer=b_on_c.peer, actor=p.actor("land_cert_analyst"), url=b.collection,
                                         secret=c_on_b.token, settings=c.settings)
        db.commit()
    return state


def _now_stamp() -> str:
    from kommcert.db import utcnow
    from kommcert.federation.sightings import stix_time

    return stix_time(utcnow())


def _pull(instance: Instance, sub_id: int) -> None:
    with instance.session() as db:
        result = subscriptions_service.pull_one(db, sub=db.get(Subscription, sub_id), settings=instance.settings)
        assert result.ok, result.error_en
        db.commit()


def test_b_gets_clear_green_and_the_amber_addressed_to_it(instances, federation) -> None:  # noqa: ANN001
    b = instances["b"]
    _pull(b, federation["b_sub"])
    with b.session() as db:
        assert _values_of_subscription(db, federation["b_sub"]) == {
            "clear.example": TLP.clear, "green.example": TLP.green, "amber-to-b.example": TLP.amber}


def test_sightings_go_back_to_a_as_counts_of_the_peer(instances, federation) -> None:  # noqa: ANN001
    a, b = instances["a"], instances["b"]
    _pull(b, federation["b_sub"])
    with b.session() as db:
        p = Personas(db)
        from kommcert.accounts.models import User

        p.users = {u.email.split("@")[0]: u for u in db.scalars(select(User))}
        green = db.scalar(select(Indicator.id).where(Indicator.value == "green.example"))
        for who, count in (("gemeinde_a1_member", 3), ("gemeinde_b1_member", 2)):
            done = sightings.record_sightings(db, actor=p.actor(who), items=[
                sightings.SightingIn(key=f"{who}-1", indicator_id=green, count=count, system="fw-rathaus-01")])
            assert done.created == 1
        peer = db.scalar(select(Peer).where(Peer.subscription_id == federation["b_sub"]))
        first = push.push(db, peer=peer, settings=b.settings)
        assert first.ok and first.sent == 1 and first.failed == 0, first.error
        assert push.push(db, peer=peer, settings=b.settings).sent == 0  # nothing new: nothing sent
        sightings.record_sightings(db, actor=p.actor("gemeinde_a1_member"), items=[
            sightings.SightingIn(key="gemeinde_a1_member-2", indicator_id=green, count=1)])
        again = push.push(db, peer=peer, settings=b.settings)
        assert again.ok and again.sent == 1
        db.commit()
    with a.session() as db:
        green = db.scalar(select(Indicator.id).where(Indicator.value == "green.example"))
        rows = db.scalars(select(Sighting).where(Sighting.indicator_id == green)).all()
        assert [(s.owner_org_id, s.count, s.system) for s in rows] == [(federation["a_peer_org"], 6, None)]
        assert rows[0].log_source == "Partnerinstanz (kommcert)"
        from tests.personas import Personas as _P

        cert = _P(db)
        from kommcert.accounts.models import User

        cert.users = {u.email.split("@")[0]: u for u in db.scalars(select(User))}
        summary = sightings.summary(db, actor=cert.actor("land_cert_analyst"), indicator_id=green)
        assert summary.organisations == 1
        peer = db.scalar(select(Peer).where(Peer.org_id == federation["a_peer_org"]))
        assert peer.sightings_received == 2 and peer.last_received_at is not None


def test_a_names_unknown_invisible_and_foreign_sightings_in_the_status(instances, federation) -> None:  # noqa: ANN001
    a = instances["a"]
    with instances["b"].session() as db:
        token = db.get(Subscription, federation["b_sub"]).auth_secret
    stamp = _now_stamp()

    def sighting(of: str) -> dict:
        return {"type": "sighting", "spec_version": "2.1", "id": f"sighting--{uuid.uuid4()}", "created": stamp,
                "modified": stamp, "sighting_of_ref": f"indicator--{of}", "count": 1}

    hidden = federation["a_uuids"]["amber-other.example"]
    body = json.dumps({"objects": [sighting(hidden), sighting(str(uuid.uuid4())),
                                   {"type": "sighting", "id": "sighting--kaputt"}]})
    url = f"{a.server.url}/taxii2/root/collections/{OWN}/objects/"
    answer = httpx.post(url, content=body, headers={"Authorization": f"Bearer {token}", "Content-Type": TAXII,
                                                     "Accept": TAXII}, timeout=10)
    assert answer.status_code == 202, answer.text
    status = answer.json()
    assert status["success_count"] == 0 and status["failure_count"] == 3
    messages = [f["message"] for f in status["failures"]]
    assert messages[0] == messages[1] and "unknown indicator" in messages[0]  # hidden reads as unknown
    # A member of A (not a peer) cannot send sightings this way either.
    visible = federation["a_uuids"]["green.example"]
    other = httpx.post(url, content=json.dumps({"objects": [sighting(visible)]}), timeout=10,
                       headers={"Authorization": f"Bearer {federation['a_gemeinde_token']}", "Content-Type": TAXII,
                                "Accept": TAXII})
    assert other.status_code in (202, 403)
    if other.status_code == 202:
        assert other.json()["success_count"] == 0
    with a.session() as db:
        assert db.scalar(select(Sighting.id).where(Sighting.idempotency_key == "sighting--kaputt")) is None


def test_c_gets_what_b_received_only_at_clear_and_green(instances, federation) -> None:  # noqa: ANN001
    b, c = instances["b"], instances["c"]
    _pull(b, federation["b_sub"])
    with b.session() as db:
        # Even addressed to C, what B received from A at AMBER stays here.
        relayed = db.scalar(select(Report).where(Report.tlp == TLP.amber.value, Report.received_from_peer.is_(True)))
        set_audience(db, relayed, Audience(orgs=(federation["b_peer_c_org"],)))
        db.commit()
    _pull(c, federation["c_sub"])
    with c.session() as db:
        got = _values_of_subscription(db, federation["c_sub"])
    # B's own AMBER addressed to C travels (C may receive AMBER); what B got from A only at CLEAR/GREEN.
    assert got == {"clear.example": TLP.clear, "green.example": TLP.green, "b-amber-to-c.example": TLP.amber}


def test_the_peer_token_writes_only_over_taxii(instances, federation) -> None:  # noqa: ANN001
    a = instances["a"]
    with instances["b"].session() as db:
        token = db.get(Subscription, federation["b_sub"]).auth_secret
    made = httpx.post(f"{a.server.url}/api/v1/reports", json={"title": "x", "tlp": "amber"}, timeout=10,
                      headers={"Authorization": f"Bearer {token}"})
    assert made.status_code == 403
    read = httpx.get(f"{a.server.url}/api/v1/reports", timeout=10, headers={"Authorization": f"Bearer {token}"})
    assert read.status_code == 200
    titles = json.dumps(read.json())
    assert "amber-other" not in titles


def test_what_a_peer_posts_is_marked_as_received(instances, federation) -> None:  # noqa: ANN001
    from kommcert.indicators.formats.stix import TLP_IDS

    a = instances["a"]
    with instances["b"].session() as db:
        token = db.get(Subscription, federation["b_sub"]).auth_secret
    stamp = _now_stamp()
    obj = {"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}", "created": stamp,
           "modified": stamp, "pattern": "[domain-name:value = 'posted-by-b.example']", "pattern_type": "stix",
           "valid_from": stamp, "object_marking_refs": [TLP_IDS[TLP.amber]]}
    answer = httpx.post(f"{a.server.url}/taxii2/root/collections/{OWN}/objects/", timeout=10,
                        content=json.dumps({"objects": [obj]}),
                        headers={"Authorization": f"Bearer {token}", "Content-Type": TAXII, "Accept": TAXII})
    assert answer.status_code == 202 and answer.json()["success_count"] == 1, answer.text
    with a.session() as db:
        report = db.scalar(select(Report).join(Provenance, Provenance.report_id == Report.id)
                           .join(Indicator, Indicator.id == Provenance.indicator_id)
                           .where(Indicator.value == "posted-by-b.example"))
        assert report.received_from_peer and report.owner_org_id == federation["a_peer_org"]
