"""Non-interference: what a reader gets does not depend on reports they may not see.

Generated worlds carry the same few values in several reports of different TLP, audience, owner and
fields. For a reader, world A holds only the reports the reader may see; world B holds the same
reports at the same moments, plus hidden ones (before, between and after them), sightings and
false-positive reports on hidden values. Every export format, every API field, every count and the
answer to an import must be the same in both worlds (ids and random UUIDs aside, which differ by
construction). A field taken from a hidden report, a count that includes hidden data or a first
import time of somebody else's report all make the two worlds differ.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.indicators import importing
from kommcert.indicators import service as indicators_service
from kommcert.indicators import sightings as sightings_service
from kommcert.indicators.feeds import FEEDS, FeedContext, FeedFormat
from kommcert.indicators.formats import misp_feed
from kommcert.indicators.models import Indicator
from kommcert.indicators.sightings import SightingIn
from kommcert.orgs.models import OrgAncestry
from kommcert.reports.models import Report
from kommcert.sharing import policy
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP
from tests.indicators.conftest import stix_report_bundle

VALUES = ["alpha.example", "beta.example", "gamma.example"]
WRITERS = ["land_cert_analyst", "kreis_a_admin", "gemeinde_a1_member", "kreis_b_admin", "gemeinde_b1_member"]
READERS = ["gemeinde_a1_member", "kreis_a_admin", "gemeinde_b1_member", "kreis_b_admin", "provider_x",
           "land_cert_analyst"]
ORGS = ["kreis_a", "kreis_b", "vg_a", "gemeinde_b1"]
# Formats that carry the fields an export may merge (title, description, tags, validity, times).
FORMATS = [FeedFormat.csv, FeedFormat.stix, FeedFormat.zeek, FeedFormat.txt, FeedFormat.suricata, FeedFormat.rpz]


@dataclass(frozen=True)
class Spec:
    writer: str
    value: str
    tlp: TLP
    orgs: tuple[str, ...]
    users: tuple[str, ...]
    label: str


specs = st.builds(Spec, writer=st.sampled_from(WRITERS), value=st.sampled_from(VALUES),
                  tlp=st.sampled_from([TLP.clear, TLP.green, TLP.amber, TLP.amber_strict, TLP.red]),
                  orgs=st.lists(st.sampled_from(ORGS), max_size=2, unique=True).map(tuple),
                  users=st.lists(st.sampled_from(READERS), max_size=1).map(tuple),
                  label=st.sampled_from(["phishing", "c2", "emotet"]))

BASE = datetime(2031, 3, 1, 8, 0, tzinfo=UTC)  # any fixed moment: the test travels there itself


@contextmanager
def world(db: Session) -> Iterator[None]:
    savepoint = db.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()
        db.expire_all()


def _import(db: Session, personas, settings_, n: int, spec: Spec) -> None:  # noqa: ANN001
    audience = Audience(orgs=tuple(personas.orgs[o].id for o in spec.orgs),
                        users=tuple(personas.users[u].id for u in spec.users))
    with time_machine.travel(BASE + timedelta(minutes=n), tick=False):
        body = stix_report_bundle(spec.value, spec.tlp, title=f"T{n} {spec.writer}", description=f"D{n}",
                                  label=f"{spec.label}-{n}")
        indicators_service.import_file(
            db, actor=personas.actor(spec.writer), settings=settings_, fmt="stix", stream=io.BytesIO(body),
            name="bundle.json", options=importing.ImportOptions(audience=audience))


def _hidden_noise(db: Session, personas, reader: str, n: int, values: list[str]) -> None:  # noqa: ANN001
    """Sightings and false-positive reports, by organisations whose sightings the reader may not see,
    on values the reader cannot see yet (whatever is seen after the reader could see a value is
    counted for them by design: counts travel sideways)."""
    actor = personas.actor(reader)
    if actor.is_cert or not values:
        return
    with time_machine.travel(BASE + timedelta(minutes=n, seconds=30), tick=False):
        for who in ("gemeinde_a1_member", "gemeinde_b1_member", "kreis_a_admin", "kreis_b_admin"):
            org = personas.users[who].org_id
            if db.scalar(select(OrgAncestry.ancestor_id).where(OrgAncestry.org_id == org,
                                                               OrgAncestry.ancestor_id == actor.org_id)):
                continue  # the reader's own subtree: its sightings travel up to the reader
            items = [SightingIn(key=f"{who}-{n}-{v}-{kind}", type="domain", value=v, kind=kind, log_source="geheim")
                     for v in values for kind in ("seen", "false_positive")]
            sightings_service.record_sightings(db, actor=personas.actor(who), items=items)


_VOLATILE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|sid:\d+|\"id\": \d+")


def _observe(db: Session, personas, reader: str, settings_) -> dict:  # noqa: ANN001
    """Everything the reader gets: feeds, search, details with counts, and an import's answer."""
    actor = personas.actor(reader)
    seen: dict = {}
    with time_machine.travel(BASE + timedelta(hours=5), tick=False):
        for fmt in FORMATS:
            spec = FEEDS[fmt]
            context = FeedContext(generated=BASE, producer="test", zone="rpz.test", types=None, org_id=actor.org_id)
            text = "".join(spec.write(indicators_service.export_rows(db, actor=actor, blocking=spec.blocking,
                                                                       lean=spec.lean), context))
            # Exports stream in internal id order (which value reached the platform first); the
            # order carries no content, so the lines (STIX: the objects) are compared as a set.
            if fmt == FeedFormat.stix:
                seen[fmt.value] = sorted(_VOLATILE.sub("#", json.dumps(o, sort_keys=True))
                                         for o in json.loads(text)["objects"])
            else:
                seen[fmt.value] = sorted(_VOLATILE.sub("#", text).splitlines())
        seen["misp"] = sorted(_VOLATILE.sub("#", "".join(misp_feed.event_chunks(event)))
                              for event in indicators_service.misp_events(db, actor=actor))
        seen["all"] = sorted((r.value, r.tlp, r.created, r.modified, r.valid_from, r.valid_until, r.tags,
                              r.report_title, r.comment)
                             for r in indicators_service.export_rows(db, actor=actor, blocking=False))
        items = indicators_service.search(db, actor=actor)
        seen["search"] = sorted((i.value, i.tlp, i.valid_until, i.warninglist, i.review_state, i.reports)
                                for i in items)
        details = {}
        for item in items:
            d = indicators_service.get_indicator(db, actor=actor, indicator_id=item.id)
            counts = sightings_service.summary(db, actor=actor, indicator_id=item.id)
            visible = sightings_service.visible_sightings(db, actor=actor, indicator_id=item.id)
            details[item.value] = (
                d.review_state, d.indicator.warninglist,
                sorted((r.title, r.tlp, p.valid_from, p.valid_until, p.tags, p.comment, p.created_at)
                       for p, r in d.provenances),
                vars(counts), sorted((o.name, s.log_source, s.count) for s, o in visible))
        seen["details"] = details
        if actor.can_write:
            body = json.dumps({"type": "bundle", "id": "bundle--6a1f0d3e-7b8c-4d2e-9f10-111213141516",
                               "objects": [{"type": "indicator", "spec_version": "2.1",
                                            "id": f"indicator--0000000{n}-7b8c-4d2e-9f10-111213141516",
                                            "created": "2031-03-01T09:00:00.000Z",
                                            "modified": "2031-03-01T09:00:00.000Z",
                                            "pattern": f"[domain-name:value = '{v}']", "pattern_type": "stix",
                                            "valid_from": "2031-03-01T09:00:00Z"}
                                           for n, v in enumerate(VALUES)]}).encode()
            result = indicators_service.import_file(
                db, actor=actor, settings=settings_, fmt="stix", stream=io.BytesIO(body), name="probe.json",
                options=importing.ImportOptions(title="Probe"))
            seen["import"] = (result.imported, result.new_indicators, result.duplicates, result.warninglisted,
                              len(result.reports))
    return seen


def _visible_titles(db: Session, personas, reader: str) -> set[str]:  # noqa: ANN001
    return set(db.scalars(policy.visible(select(Report.title), Report, personas.actor(reader))))


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(reports=st.lists(specs, min_size=1, max_size=6), reader=st.sampled_from(READERS))
def test_a_reader_learns_nothing_from_reports_they_may_not_see(db, personas, settings, reports, reader) -> None:  # noqa: ANN001
    # Which reports the reader may see, decided by the policy in the full world.
    with world(db):
        for n, spec in enumerate(reports):
            _import(db, personas, settings, n, spec)
        titles = _visible_titles(db, personas, reader)
    visible = [n for n, spec in enumerate(reports) if f"T{n} {spec.writer}" in titles]
    hidden = [n for n in range(len(reports)) if n not in visible]

    with world(db):  # A: only what the reader may see
        for n in visible:
            _import(db, personas, settings, n, reports[n])
        only_visible = _observe(db, personas, reader, settings)

    with world(db):  # B: the same, with everything hidden before, between and after
        for n in range(len(reports)):
            _import(db, personas, settings, n, reports[n])
            if n in hidden:
                later = [v for v in VALUES if all(reports[m].value != v for m in visible if m <= n)]
                _hidden_noise(db, personas, reader, n, later)
        everything = _observe(db, personas, reader, settings)

    for key in only_visible:
        assert everything[key] == only_visible[key], (key, reader, reports)


def test_the_worlds_really_differ_for_someone_who_may_see_more(db, personas, settings) -> None:  # noqa: ANN001
    """The observation is sharp: a report the reader may see changes what they get."""
    spec = Spec("land_cert_analyst", "alpha.example", TLP.green, (), (), "c2")
    with world(db):
        empty = _observe(db, personas, "gemeinde_b1_member", settings)
    with world(db):
        _import(db, personas, settings, 0, spec)
        one = _observe(db, personas, "gemeinde_b1_member", settings)
    assert {k for k in one if one[k] != empty[k]} >= {"csv", "stix", "txt", "rpz", "misp", "all", "search", "details",
                                                      "import"}
    assert db.scalar(select(Indicator).where(Indicator.value == "alpha.example")) is None  # rolled back
