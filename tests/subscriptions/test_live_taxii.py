"""Subscriptions against a real kommcert: instance A (uvicorn on loopback, its own database) serves its
``/taxii2/`` collections; the test's database is instance B, whose organisations subscribe to them with
tokens issued by A. Everything goes through the real outbound path (``GuardedSession`` and
``taxii2-client``): a full pull in pages, an incremental pull that brings only what A added since, and
TLP held across the two (a Seedorf-like token never receives Kreis A's AMBER)."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import TokenScope, User
from kommcert.config import load_settings
from kommcert.db import scratch_postgres_database
from kommcert.indicators import importing
from kommcert.indicators import service as indicators_service
from kommcert.indicators.models import Indicator, Provenance
from kommcert.indicators.service import visible_reports
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from kommcert.subscriptions import http, pull, service
from kommcert.subscriptions.schemas import SubscriptionIn
from kommcert.taxii.collections import COLLECTIONS
from tests.browser.conftest import LiveServer, _free_port, serving
from tests.conftest import SECRET
from tests.indicators.conftest import stix_bundle
from tests.personas import build_personas

IDS = {c.key: c.id for c in COLLECTIONS}
AMBER_A = "beispielkreis-amber.example"  # Kreis A's AMBER report, addressed to Kreis A only


@dataclass
class InstanceA:
    server: LiveServer
    emails: dict[str, str]
    kreis_a: int
    tokens: dict[str, str]

    def collection(self, key: str) -> str:
        return f"{self.server.url}/taxii2/root/collections/{IDS[key]}/"

    def publish(self, who: str, values: list[str], tlp: TLP, audience: Audience | None = None) -> None:
        """One STIX import on A (one report) by ``who``, committed so A's server serves it."""
        with self.server.session() as db:
            user = db.scalars(select(User).where(User.email == self.emails[who])).one()
            indicators_service.import_file(
                db, actor=accounts_service.actor_for(db, user), settings=self.server.settings, fmt="stix",
                stream=io.BytesIO(stix_bundle([f"[domain-name:value = '{v}']" for v in values], tlp=tlp)),
                name="bundle.json", options=importing.ImportOptions(audience=audience or Audience()))
            db.commit()


@pytest.fixture
def settings(settings, tmp_path):  # noqa: ANN001, ANN201
    """The subscriptions' settings with room for a real server on a busy machine (the loopback
    sources answer at once; instance A runs migrations' worth of queries per page)."""
    return settings.model_copy(update={"outbound_timeout": 20.0})


@pytest.fixture(scope="module")
def instance_a(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InstanceA]:
    base = os.environ.get("KOMMCERT_TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        context = scratch_postgres_database(base, f"kc_live_{uuid.uuid4().hex[:10]}")
    else:
        context = nullcontext(f"sqlite:///{tmp_path_factory.mktemp('instance_a') / 'a.sqlite3'}")
    with context as url:
        port = _free_port()
        settings = load_settings(env="test", secret_key=SECRET, database_url=url, secure_cookies=False,
                                 base_url=f"http://127.0.0.1:{port}", token_use_seconds=0)
        with serving(settings, port) as server:
            with server.session() as db:
                p = build_personas(db)
                tokens = {who: p.token(who, TokenScope.read) for who in ("gemeinde_a1_member", "gemeinde_b1_member")}
                emails = {name: u.email for name, u in p.users.items()}
                kreis_a = p.orgs["kreis_a"].id
                db.commit()
            yield InstanceA(server, emails, kreis_a, tokens)


class Wire:
    """What B's outbound path sent to A and got back: each TAXII request's query, and each page's
    objects (recorded at the envelope check every page passes)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.pages: list[list[dict[str, Any]]] = []
        real_request, real_envelope = http.GuardedSession.request, pull._envelope

        def request(session: http.GuardedSession, method: str, url: str, *args: Any, **kw: Any) -> Any:
            if "/objects/" in str(url):
                query = parse_qs(urlsplit(str(url)).query)
                query.update({k: [str(v)] for k, v in (kw.get("params") or {}).items()})
                self.requests.append(query)
            return real_request(session, method, url, *args, **kw)

        def envelope(page: Any, url: str) -> list[Any]:
            objects = real_envelope(page, url)
            self.pages.append(list(objects))
            return objects

        monkeypatch.setattr(http.GuardedSession, "request", request)
        monkeypatch.setattr(pull, "_envelope", envelope)

    def values(self) -> set[str]:
        return {o["pattern"].split("'")[1] for page in self.pages for o in page if o.get("type") == "indicator"}

    def reset(self) -> None:
        self.requests.clear()
        self.pages.clear()


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    monkeypatch.setattr(pull, "PAGE_SIZE", 3)  # a handful of objects still takes several pages
    return Wire(monkeypatch)


def _stored(db, sub) -> set[str]:  # noqa: ANN001
    report_ids = [int(r) for r in (sub.cursor or {}).get("reports", {}).values()]
    return set(db.scalars(select(Indicator.value).join(Provenance, Provenance.indicator_id == Indicator.id)
                          .where(Provenance.report_id.in_(report_ids))))


def _subscribe(db, personas, settings, *, who: str, name: str, url: str, **auth: str):  # noqa: ANN001, ANN003, ANN202
    return service.add_subscription(db, actor=personas.actor(who), settings=settings, data=SubscriptionIn(
        name=name, kind="taxii", url=url, tlp="amber", **auth))


def test_a_subscription_pulls_a_live_kommcert_collection_in_pages_then_only_what_was_added(  # noqa: ANN201
        db, personas, settings, instance_a, wire):  # noqa: ANN001
    run = uuid.uuid4().hex[:8]
    first = [f"g{n}-{run}.example" for n in range(7)]
    instance_a.publish("land_cert_analyst", first, TLP.green)
    instance_a.publish("kreis_a_admin", [f"{run}-{AMBER_A}"], TLP.amber, Audience(orgs=(instance_a.kreis_a,)))

    # Kreis B's admin on B subscribes with the token of A's Gemeinde B1 member (Basic: e-mail and token).
    sub = _subscribe(db, personas, settings, who="kreis_b_admin", name="Land A", url=instance_a.collection("community"),
                     username=instance_a.emails["gemeinde_b1_member"], secret=instance_a.tokens["gemeinde_b1_member"])
    result = service.pull_one(db, sub=sub, settings=settings)
    assert result.ok, result.error()
    mine = {v for v in wire.values() if run in v}
    assert mine == set(first)  # every GREEN object, and not Kreis A's AMBER
    assert len(wire.requests) >= 3 and "next" not in wire.requests[0] and "next" in wire.requests[-1]
    assert all(r.get("limit") == ["3"] for r in wire.requests)
    assert all(len(page) <= 3 for page in wire.pages)
    assert set(first) <= _stored(db, sub) and not any(AMBER_A in v for v in _stored(db, sub))
    assert result.imported == len(wire.values()) and sub.failures == 0 and sub.cursor.get("added_after")

    # A adds two values; the next pull asks only for what was added after the last one it saw.
    wire.reset()
    seen_up_to = sub.cursor["added_after"]
    later = [f"later{n}-{run}.example" for n in range(2)]
    instance_a.publish("land_cert_analyst", later, TLP.green)
    again = service.pull_one(db, sub=sub, settings=settings)
    assert again.ok and again.imported == 2
    assert wire.values() == set(later)  # only the new objects crossed the wire
    assert wire.requests[0].get("added_after") == [seen_up_to] and sub.cursor["added_after"] > seen_up_to
    assert set(first) | set(later) <= _stored(db, sub)

    # Nothing new: an empty page, nothing imported, the health stays ok.
    wire.reset()
    quiet = service.pull_one(db, sub=sub, settings=settings)
    assert quiet.ok and quiet.imported == 0 and wire.values() == set()
    assert service.health(sub) == "ok"


def test_tlp_holds_across_instances_a_seedorf_token_never_receives_beispielkreis_amber(  # noqa: ANN201
        db, personas, settings, instance_a, wire):  # noqa: ANN001
    run = uuid.uuid4().hex[:8]
    amber = f"{run}-{AMBER_A}"
    instance_a.publish("kreis_a_admin", [amber], TLP.amber, Audience(orgs=(instance_a.kreis_a,)))
    instance_a.publish("land_cert_analyst", [f"clear-{run}.example"], TLP.clear)

    # Seedorf's token (Gemeinde B1 on A), by Bearer, on every collection it may read: never the AMBER object.
    for key in ("community", "own", "clear"):
        sub = _subscribe(db, personas, settings, who="kreis_b_admin", name=f"Seedorf {key}",
                         url=instance_a.collection(key), secret=instance_a.tokens["gemeinde_b1_member"])
        assert service.pull_one(db, sub=sub, settings=settings).ok
        assert amber not in _stored(db, sub)
    assert amber not in wire.values() and f"clear-{run}.example" in wire.values()
    assert not any(amber in str(o) for page in wire.pages for o in page)

    # The same collection with a token of A's Gemeinde A1 (in Kreis A): the object exists and comes along,
    # and on B it stays AMBER.
    wire.reset()
    insider = _subscribe(db, personas, settings, who="kreis_a_admin", name="Kreis A",
                         url=instance_a.collection("community"), secret=instance_a.tokens["gemeinde_a1_member"])
    assert service.pull_one(db, sub=insider, settings=settings).ok
    assert amber in wire.values() and amber in _stored(db, insider)
    amber_report = int(insider.cursor["reports"][TLP.amber.value])
    stored_amber = db.scalars(select(Indicator.value).join(Provenance, Provenance.indicator_id == Indicator.id)
                              .where(Provenance.report_id == amber_report))
    assert amber in set(stored_amber)
    # B's policy holds from here on: the subscribing Kreis A sees its AMBER report, Kreis B does not.
    seen_by = {who: set(db.scalars(visible_reports(personas.actor(who))))
               for who in ("kreis_a_admin", "kreis_b_admin", "gemeinde_b1_member")}
    assert amber_report in seen_by["kreis_a_admin"]
    assert amber_report not in seen_by["kreis_b_admin"] | seen_by["gemeinde_b1_member"]
