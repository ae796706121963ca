from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from kommcert.errors import InvalidInput
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import Organization, OrgKind

HEADER = "key;kind;name;parent_key;email;serves\n"


def _import(db, body: str, header: str = HEADER):  # noqa: ANN001, ANN202
    return orgs_service.import_csv(db, actor=None, stream=io.StringIO(header + body), name="orgs.csv")


def _count(db) -> int:  # noqa: ANN001
    return db.scalar(select(func.count()).select_from(Organization)) or 0


def test_it_imports_functional_orgs_under_the_land(db, personas) -> None:  # noqa: ANN001
    result = _import(db, "cert2;kommunal_cert;Zweites CERT;land;c@x.example;\n"
                         "itd;it_dienstleister;IT-Dienst;land;;gemeinde_a1|vg_b\n")
    assert result.created == 2
    itd = orgs_service.get_by_key(db, "itd")
    assert itd.kind == OrgKind.it_dienstleister
    assert sorted(c.key for c in itd.clients) == ["gemeinde_a1", "vg_b"]
    assert [p.key for p in personas.orgs["vg_b"].served_by] == ["itd"]


def test_it_accepts_commas_bom_and_any_order(db, personas) -> None:  # noqa: ANN001
    body = "\ufeffname,key,kind,parent_key\nNeues CERT,cert3,kommunal_cert,land\n"
    result = orgs_service.import_csv(db, actor=None, stream=io.StringIO(body), name="orgs.csv")
    assert result.created == 1


def test_it_orders_children_before_parents_itself(db, personas) -> None:  # noqa: ANN001
    _import(db, "og9;ortsgemeinde;Ortsgemeinde Neu;vg9;;\nvg9;verbandsgemeinde;VG Neu;kreis_a;;\n")
    assert orgs_service.get_by_key(db, "og9").parent.key == "vg9"


def test_it_updates_on_reimport(db, personas) -> None:  # noqa: ANN001
    _import(db, "cert2;kommunal_cert;Zweites CERT;land;;\n")
    result = _import(db, "cert2;kommunal_cert;Zweites CERT (neu);land;;\n")
    assert (result.created, result.updated) == (0, 1)
    assert orgs_service.get_by_key(db, "cert2").name == "Zweites CERT (neu)"


@pytest.mark.parametrize(
    ("body", "where", "reason"),
    [
        ("a;kommunal_cert;A;land;;\nb;kommunal_cert;B;land\n", "Zeile 3", "4 statt 6 Spalten"),
        ("a;nonsense;A;land;;\n", "Zeile 2", "unbekannte Art"),
        ("a;ortsgemeinde;A;kreis_a;;\n", "Zeile 2", "kann nicht unter kreis_a"),
        ("a;kommunal_cert;A;nirgendwo;;\n", "Zeile 2", "nirgendwo ist unbekannt"),
        ("a;kommunal_cert;A;land;;\na;kommunal_cert;A2;land;;\n", "Zeile 3", "doppelt"),
        ("a;it_dienstleister;A;land;;gibtsnicht\n", "Zeile 2", "gibtsnicht ist unbekannt"),
        ("a;kommunal_cert;;land;;\n", "Zeile 2", "Name fehlt"),
    ],
)
def test_it_imports_nothing_from_a_bad_file(db, personas, body: str, where: str, reason: str) -> None:  # noqa: ANN001
    before = _count(db)
    with pytest.raises(InvalidInput) as exc:
        _import(db, body)
    assert f"orgs.csv, {where}:" in exc.value.de
    assert reason in exc.value.de
    assert _count(db) == before


def test_it_names_missing_columns(db) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput, match="missing column"):
        orgs_service.import_csv(db, actor=None, stream=io.StringIO("key;name\nx;y\n"), name="orgs.csv")
