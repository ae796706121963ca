"""Done when: a CSAF client walks kommcert's provider endpoints on a live server (uvicorn on loopback)
and downloads, checks and validates a published warning; a TLP:AMBER warning is not found without a
token and listed for its audience only; another kommcert pulls the provider as a CSAF source."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator

import httpx
import pysequoia
import pytest

from kommcert.accounts.models import TokenScope
from kommcert.advisories import authoring, csaf_documents
from kommcert.advisories.authoring import WarningIn
from kommcert.config import load_settings
from kommcert.db import scratch_postgres_database
from tests.advisories.own.conftest import warning_values
from tests.browser.conftest import _free_port, serving
from tests.conftest import SECRET
from tests.personas import build_personas


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    base = os.environ.get("KOMMCERT_TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        context = scratch_postgres_database(base, f"kc_live_{uuid.uuid4().hex[:10]}")
    else:
        from contextlib import nullcontext

        context = nullcontext(f"sqlite:///{tmp_path_factory.mktemp('provider') / 'live.sqlite3'}")
    with context as url:
        port = _free_port()
        settings = load_settings(env="test", secret_key=SECRET, database_url=url, secure_cookies=False,
                                 base_url=f"http://127.0.0.1:{port}")
        with serving(settings, port) as server, server.session() as db:
            p = build_personas(db)
            analyst = p.actor("land_cert_analyst")
            published = {}
            for name, values in (("clear", warning_values(tlp="clear")),
                                 ("amber", warning_values(tlp="amber", title="Nur für Kreis A",
                                                          audience_orgs=[p.orgs["kreis_a"].id]))):
                draft = authoring.create_warning(db, actor=analyst, warning_in=WarningIn(**values), settings=settings)
                published[name] = authoring.publish_warning(db, actor=analyst, advisory_id=draft.id, settings=settings)
            tokens = {who: p.token(who, TokenScope.read) for who in ("gemeinde_a1_member", "gemeinde_b1_member")}
            paths = {k: (a.initial_release_date.year, a.tracking_id) for k, a in published.items()}
            db.commit()
            yield {"url": server.url, "tokens": tokens, "paths": paths}


def _get(url: str, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(url, headers=headers, timeout=10)


def test_a_csaf_client_downloads_checks_and_validates_the_warning(provider) -> None:  # noqa: ANN001
    metadata = _get(provider["url"] + "/.well-known/csaf/provider-metadata.json").json()
    assert metadata["metadata_version"] == "2.0" and metadata["role"] == "csaf_trusted_provider"
    assert metadata["list_on_CSAF_aggregators"] is False
    assert metadata["canonical_url"] == provider["url"] + "/.well-known/csaf/provider-metadata.json"
    key_entry = metadata["public_openpgp_keys"][0]
    cert = pysequoia.Cert.from_bytes(_get(key_entry["url"]).content)
    assert cert.fingerprint.upper() == key_entry["fingerprint"]
    white = next(d["directory_url"] for d in metadata["distributions"]
                 if d.get("directory_url", "").endswith("/white/"))
    listed = _get(white + "index.txt").text.split()
    assert len(listed) == 1  # the AMBER warning is not counted here, nor anywhere public
    assert _get(white + "changes.csv").text.startswith(f'"{listed[0]}",')
    url = white + listed[0]
    raw = _get(url).content
    assert _get(url + ".sha256").text.split()[0] == hashlib.sha256(raw).hexdigest()
    assert _get(url + ".sha512").text.split()[0] == hashlib.sha512(raw).hexdigest()
    signature = pysequoia.Sig.from_bytes(_get(url + ".asc").content)
    pysequoia.verify(bytes=raw, signature=signature, store=lambda ids: [cert])  # raises on a bad signature
    with pytest.raises(RuntimeError):
        pysequoia.verify(bytes=raw + b" ", signature=signature, store=lambda ids: [cert])
    doc = csaf_documents.parse(raw)
    assert csaf_documents.validate(doc) == []
    assert doc["document"]["tracking"]["id"] == provider["paths"]["clear"][1]
    feed = _get(white + "csaf-feed-tlp-white.json").json()["feed"]
    assert [e["content"]["src"] for e in feed["entry"]] == [url]
    assert "CSAF: " + provider["url"] + "/.well-known/csaf/provider-metadata.json" in \
        _get(provider["url"] + "/.well-known/security.txt").text


def test_an_amber_warning_needs_a_token_of_its_audience(provider) -> None:  # noqa: ANN001
    from kommcert.advisories import csaf_builder

    year, tracking = provider["paths"]["amber"]
    amber = provider["url"] + "/.well-known/csaf/amber/"
    url = f"{amber}{year}/{csaf_builder.filename(tracking)}"
    assert _get(url).status_code == 404
    assert _get(url + ".asc").status_code == 404
    assert _get(amber + "index.txt").status_code == 401
    white = provider["url"] + "/.well-known/csaf/white/"
    assert _get(f"{white}{year}/{csaf_builder.filename(tracking)}").status_code == 404
    inside, outside = provider["tokens"]["gemeinde_a1_member"], provider["tokens"]["gemeinde_b1_member"]
    assert _get(amber + "index.txt", inside).text.split() == [f"{year}/{csaf_builder.filename(tracking)}"]
    assert csaf_documents.validate(csaf_documents.parse(_get(url, inside).content)) == []
    assert _get(amber + "index.txt", outside).text == ""
    assert _get(amber + "changes.csv", outside).text == ""
    assert _get(url, outside).status_code == 404
    assert _get(amber + "csaf-feed-tlp-amber.json", outside).json()["feed"]["entry"] == []


def test_another_kommcert_pulls_it_as_a_csaf_source(provider, db, personas, settings) -> None:  # noqa: ANN001
    from kommcert.advisories import pull
    from kommcert.advisories.models import Advisory, CsafSource

    source = CsafSource(name="kommcert", url=provider["url"] + "/.well-known/csaf/provider-metadata.json",
                        kind="provider", owner_org_id=personas.orgs["kommunal_cert"].id)
    db.add(source)
    db.flush()
    pulling = settings.model_copy(update={"outbound_hosts": "127.0.0.1"})
    report = pull.pull_source(db, source, settings=pulling)
    assert report.counts["new"] == 1, (report.counts, report.errors)
    pulled = db.query(Advisory).filter(Advisory.source_id == source.id).one()
    assert pulled.tracking_id == provider["paths"]["clear"][1]
