"""``kommcert advisories import`` and ``pull``, and the periodic job ``csaf-pull``."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from kommcert.advisories.models import Advisory
from kommcert.cli.main import app as cli_app
from kommcert.config import Settings
from kommcert.jobs import handlers, schedule
from tests.advisories.ingest.docs import DATA, advisory, raw
from tests.advisories.ingest.provider import serve
from tests.personas import Personas


def _analyst(cli_db: Path) -> str:
    from kommcert.accounts.models import Role, User
    from kommcert.config import get_settings
    from kommcert.db import make_engine, make_sessionmaker
    from kommcert.orgs import service as orgs_service
    from kommcert.orgs.models import OrgKind
    from tests.personas import password_hash

    engine = make_engine(get_settings().database_url)
    with make_sessionmaker(engine)() as db:
        land = orgs_service.create_org(db, key="land", kind=OrgKind.land, name="Testland", ars="99")
        cert = orgs_service.create_org(db, key="land_cert", kind=OrgKind.land_cert, name="Landes-CERT", parent=land)
        db.add(User(org=cert, email="analyst@example.test", name="A", role=Role.analyst, password_hash=password_hash()))
        gemeinde = orgs_service.create_org(db, key="g1", kind=OrgKind.kreis, name="Kreis G1", parent=land)
        db.add(User(org=gemeinde, email="g1@example.test", name="G", role=Role.admin, password_hash=password_hash()))
        db.commit()
    engine.dispose()
    return "analyst@example.test"


def test_import_files_as_an_analyst(cli_db: Path, tmp_path: Path) -> None:
    email = _analyst(cli_db)
    bad = tmp_path / "kaputt.json"
    bad.write_bytes(b"[1]")
    result = CliRunner().invoke(cli_app, ["advisories", "import", str(DATA / "beispiel-de.json"), str(bad),
                                          "--as", email])
    assert result.exit_code == 0, result.output
    assert "beispiel-de.json: neu (BEISPIEL-DE-2026-0007 1)" in result.output
    assert "kaputt.json: Quarantäne" in result.output and "Kein JSON-Objekt" in result.output
    again = CliRunner().invoke(cli_app, ["advisories", "import", str(DATA / "beispiel-de.json"), "--as", email])
    assert "unverändert" in again.output


def test_import_refuses_others_and_missing_files_with_exit_2(cli_db: Path, tmp_path: Path) -> None:
    _analyst(cli_db)
    result = CliRunner().invoke(cli_app, ["advisories", "import", str(DATA / "beispiel-de.json"),
                                          "--as", "g1@example.test"])
    assert result.exit_code == 2 and "CERT" in result.output
    missing = CliRunner().invoke(cli_app, ["advisories", "import", str(tmp_path / "nope.json"),
                                           "--as", "analyst@example.test"])
    assert missing.exit_code == 2 and "nicht gefunden" in missing.output


def test_pull_a_source_by_number(cli_db: Path, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from kommcert.advisories.models import CsafSource
    from kommcert.config import get_settings
    from kommcert.db import make_engine, make_sessionmaker

    _analyst(cli_db)
    monkeypatch.setenv("KOMMCERT_OUTBOUND_HOSTS", "127.0.0.1")
    get_settings.cache_clear()
    with serve(tmp_path / "www") as provider:
        provider.write_metadata()
        provider.publish(advisory("CLI-1"))
        engine = make_engine(get_settings().database_url)
        with make_sessionmaker(engine)() as db:
            db.add(CsafSource(name="Loopback", url=provider.metadata_url, owner_org_id=1))
            db.commit()
        result = CliRunner().invoke(cli_app, ["advisories", "pull", "--source", "1"])
        assert result.exit_code == 0, result.output
        assert "Loopback: neu: 1" in result.output
        with make_sessionmaker(engine)() as db:
            assert db.scalar(select(Advisory.tracking_id)) == "CLI-1"
        engine.dispose()
    unknown = CliRunner().invoke(cli_app, ["advisories", "pull", "--source", "99"])
    assert unknown.exit_code == 2


def test_the_periodic_job_pulls_due_sources(db: Session, personas: Personas, settings: Settings,
                                            tmp_path: Path) -> None:
    from kommcert.advisories.models import CsafSource

    assert schedule.get("csaf-pull").every.total_seconds() == 15 * 60
    loopback = settings.model_copy(update={"outbound_hosts": "127.0.0.1"})
    with serve(tmp_path / "www") as provider:
        provider.write_metadata()
        provider.publish(advisory("JOB-1"))
        db.add(CsafSource(name="L", url=provider.metadata_url, owner_org_id=personas.orgs["land_cert"].id))
        db.flush()
        result = handlers.get(schedule.get("csaf-pull").kind)(db, {}, loopback)
        assert list(result["sources"].values()) == [{"new": 1}]
        assert handlers.get(schedule.get("csaf-pull").kind)(db, {}, loopback) == {"sources": {}}  # not due again
    assert raw(advisory())  # the helper stays importable for the other tests
