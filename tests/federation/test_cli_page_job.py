"""``kommcert peers``, the /peers page, the periodic push job, and the tree import refusing peers."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from kommcert.errors import InvalidInput
from kommcert.federation import service
from kommcert.federation.models import Peer
from kommcert.jobs import handlers
from kommcert.jobs.schedule import registered
from kommcert.orgs import importing
from kommcert.orgs.models import OrgKind
from kommcert.orgs.records import OrgRecord
from kommcert.sharing.tlp import TLP


def test_the_cli_adds_lists_changes_connects_and_pushes(cli_db, monkeypatch) -> None:  # noqa: ANN001
    from kommcert.cli.main import app
    from kommcert.config import get_settings
    from kommcert.db import make_engine, make_sessionmaker, session_scope
    from tests.personas import build_personas

    monkeypatch.setenv("KOMMCERT_OUTBOUND_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    engine = make_engine(get_settings().database_url)
    with session_scope(make_sessionmaker(engine)) as db:
        build_personas(db)
    runner = CliRunner()
    added = runner.invoke(app, ["peers", "add", "land-nord", "Landes-CERT Nord", "--max-tlp", "green"])
    assert added.exit_code == 0, added.output
    token = added.output.strip().splitlines()[-1]
    assert token.startswith("kc_") or len(token) > 20
    assert runner.invoke(app, ["peers", "add", "land-nord", "nochmal"]).exit_code == 2
    assert runner.invoke(app, ["peers", "add", "zu-rot", "Rot", "--max-tlp", "red"]).exit_code == 2
    listed = runner.invoke(app, ["peers", "list"])
    assert "land-nord" in listed.output and "GREEN" in listed.output and token not in listed.output
    assert runner.invoke(app, ["peers", "max-tlp", "land-nord", "amber"]).exit_code == 0
    monkeypatch.setenv("PEER_TOKEN", "token-der-anderen-instanz")
    url = "http://127.0.0.1:9/taxii2/root/collections/x/"
    connected = runner.invoke(app, ["peers", "connect", "land-nord", url, "--as", "land_cert_analyst@example.test",
                                    "--secret-env", "PEER_TOKEN"])
    assert connected.exit_code == 0, connected.output
    assert runner.invoke(app, ["peers", "connect", "land-nord", url, "--as", "land_cert_analyst@example.test",
                               "--secret-env", "PEER_TOKEN"]).exit_code == 2  # once per peer
    pushed = runner.invoke(app, ["peers", "push"])
    assert pushed.exit_code == 0 and "0 Sichtungen gesendet" in pushed.output, pushed.output
    with session_scope(make_sessionmaker(engine)) as db:
        peer = service.get_peer(db, "land-nord")
        assert peer.max_tlp == TLP.amber and peer.subscription_id is not None
        assert service.is_peer_subscription(db, peer.subscription_id)
        views = service.list_peers(db)
        assert [(v.key, v.subscription_id) for v in views] == [("land-nord", peer.subscription_id)]
    engine.dispose()


def test_the_page_is_for_cert_admins_only(client, login, personas, db) -> None:  # noqa: ANN001
    service.add_peer(db, key="land-sued", name="Landes-CERT Süd", max_tlp=TLP.amber)
    db.commit()
    assert client.get("/peers", follow_redirects=False).status_code in (303, 401)
    login("land_cert_admin")
    page = client.get("/peers")
    assert page.status_code == 200 and "Landes-CERT Süd" in page.text and "TLP:AMBER" in page.text
    assert "Peer instances" in client.get("/peers?lang=en").text
    assert 'href="/peers"' in page.text  # the menu leads there


@pytest.mark.parametrize("who", ["land_cert_analyst", "kreis_a_admin", "gemeinde_b1_member"])
def test_the_page_is_not_found_for_everyone_else(client, login, personas, db, who: str) -> None:  # noqa: ANN001
    service.add_peer(db, key="land-sued", name="Landes-CERT Süd", max_tlp=TLP.amber)
    db.commit()
    login(who)
    page = client.get("/peers")
    assert page.status_code == 404 and "Landes-CERT Süd" not in page.text
    assert 'href="/peers"' not in client.get("/").text


def test_the_periodic_push_is_registered_and_runs_without_peers(db, settings) -> None:  # noqa: ANN001
    assert registered()["federation-push"].kind == "federation.push"
    assert handlers.get("federation.push")(db, {}, settings) == {"pushed": {}}


def test_a_tree_import_neither_makes_nor_changes_a_peer(db, personas) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput) as made:
        importing.apply_records(db, [OrgRecord(key="peer-x", kind=OrgKind.peer, name="X", parent_key=None, line=2)],
                                source="orgs.csv")
    assert "peers add" in made.value.de
    added = service.add_peer(db, key="land-west", name="West", max_tlp=TLP.green)
    with pytest.raises(InvalidInput):
        importing.apply_records(db, [OrgRecord(key=added.org.key, kind=OrgKind.kreis, name="W", parent_key="land",
                                               line=2)], source="orgs.csv")
    assert db.scalar(select(Peer.id).where(Peer.org_id == added.org.id)) is not None


def test_a_peer_beside_the_tree_leaves_the_land_the_one_root(db, personas) -> None:  # noqa: ANN001
    from kommcert.indicators import picture

    service.add_peer(db, key="land-ost", name="Ost", max_tlp=TLP.green)
    assert picture.root_area(db) == personas.orgs["land"].id
