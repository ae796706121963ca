"""A MISP instance pulls kommcert's MISP feed over HTTP; PyMISP reads what it serves."""

from __future__ import annotations

import hashlib

from pymisp import MISPEvent

from kommcert.accounts.models import TokenScope
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP


def test_it_serves_a_misp_feed_that_pymisp_loads(client, personas, import_stix) -> None:  # noqa: ANN001
    import_stix("land_cert_analyst", ["[ipv4-addr:value = '203.0.113.9']", "[domain-name:value = 'evil.example']"],
                tlp=TLP.green)
    token = personas.token("gemeinde_a1_member", TokenScope.read)
    manifest = client.get(f"/feeds/misp/manifest.json?token={token}").json()
    assert len(manifest) == 1
    event_uuid, meta = next(iter(manifest.items()))
    assert [t["name"] for t in meta["Tag"]] == ["tlp:green"]
    body = client.get(f"/feeds/misp/{event_uuid}.json?token={token}").text
    event = MISPEvent()
    event.load(body)
    assert {(a.type, a.value) for a in event.attributes} == {("ip-dst", "203.0.113.9"), ("domain", "evil.example")}
    hashes = client.get(f"/feeds/misp/hashes.csv?token={token}").text.splitlines()
    assert f"{hashlib.md5(b'evil.example', usedforsecurity=False).hexdigest()},{event_uuid}" in hashes


def test_it_keeps_another_kreises_events_out_of_the_feed(client, personas, import_stix) -> None:  # noqa: ANN001
    import_stix("kreis_a_admin", ["[ipv4-addr:value = '198.51.100.7']"],
                audience=Audience(orgs=(personas.orgs["kreis_a"].id,)))
    token_a = personas.token("gemeinde_a1_member", TokenScope.read)
    token_b = personas.token("gemeinde_b1_member", TokenScope.read)
    event_uuid = next(iter(client.get(f"/feeds/misp/manifest.json?token={token_a}").json()))
    assert client.get(f"/feeds/misp/manifest.json?token={token_b}").json() == {}
    assert client.get(f"/feeds/misp/{event_uuid}.json?token={token_b}").status_code == 404
    assert client.get(f"/feeds/misp/{event_uuid}.json").status_code == 404
