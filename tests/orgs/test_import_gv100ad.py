from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from kommcert.errors import InvalidInput, PermissionDenied
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import Organization, OrgKind
from tests.orgs.gv100ad_builder import gemeinde, musterland, neighbour, record, text


def _import(db, lines: list[str], land: str = "99"):  # noqa: ANN001, ANN202
    return orgs_service.import_gv100ad(db, actor=None, stream=io.StringIO(text(lines)), name="gv.txt",
                                       land_key=land)


def _with(line: str, at: int, text_: str) -> str:
    return line[:at] + text_ + line[at + len(text_):]


def _orgs(db) -> dict[str, Organization]:  # noqa: ANN001
    return {o.key: o for o in db.scalars(select(Organization))}


def test_it_builds_the_tree_of_one_land(db) -> None:  # noqa: ANN001
    result = _import(db, neighbour() + musterland())
    orgs = _orgs(db)
    assert result.created == len(orgs) == 27
    assert orgs["99"].kind == OrgKind.land
    assert orgs["99101"].kind == OrgKind.kreis and orgs["99101"].parent_id == orgs["99"].id
    assert orgs["991015001"].kind == OrgKind.verbandsgemeinde
    gemeinde_ = orgs["991015001001"]
    assert (gemeinde_.kind, gemeinde_.name, gemeinde_.ags, gemeinde_.population) == (
        OrgKind.ortsgemeinde, "Kleinmusterdorf", "99101001", 412)
    assert gemeinde_.parent_id == orgs["991015001"].id


def test_it_skips_other_laender(db) -> None:  # noqa: ANN001
    _import(db, neighbour() + musterland())
    assert not [k for k in _orgs(db) if k.startswith("98")]


def test_it_hangs_verbandsfreie_gemeinden_under_the_kreis(db) -> None:  # noqa: ANN001
    _import(db, musterland())
    orgs = _orgs(db)
    stadt = orgs["991010001008"]
    assert stadt.kind == OrgKind.verbandsfreie_gemeinde
    assert stadt.parent_id == orgs["99101"].id
    assert "991010001" not in orgs  # the "verbandsfrei" Gemeindeverband is no organisation


def test_it_merges_the_gemeinde_of_a_kreisfreie_stadt_into_the_city(db) -> None:  # noqa: ANN001
    _import(db, musterland())
    orgs = _orgs(db)
    city = orgs["99311"]
    assert city.kind == OrgKind.kreisfreie_stadt
    assert (city.ags, city.population) == ("99311000", 98500)
    assert not [k for k in orgs if k.startswith("99311") and k != "99311"]


def test_it_keeps_the_ancestry_for_the_sharing_policy(db) -> None:  # noqa: ANN001
    _import(db, musterland())
    orgs = _orgs(db)
    path = orgs_service.ancestor_ids(db, orgs["991015001001"].id)
    assert path == (orgs["991015001001"].id, orgs["991015001"].id, orgs["99101"].id, orgs["99"].id)


def test_it_updates_on_reimport_without_duplicates(db) -> None:  # noqa: ANN001
    _import(db, musterland())
    changed = [line if "Kleinmusterdorf" not in line else gemeinde("99101001", "5001", "Kleinmusterdorf", 500)
               for line in musterland()]
    result = _import(db, changed)
    assert (result.created, result.updated) == (0, 1)
    assert db.scalar(select(func.count()).select_from(Organization)) == 27
    assert _orgs(db)["991015001001"].population == 500


def test_it_moves_a_gemeinde_that_changed_its_verbandsgemeinde(db) -> None:  # noqa: ANN001
    _import(db, musterland())
    moved = musterland() + [gemeinde("99101009", "5002", "Neudorf", 100)]
    _import(db, moved)
    orgs = _orgs(db)
    assert orgs["991015002009"].parent_id == orgs["991015002"].id


@pytest.mark.parametrize(
    ("bad_line", "reason"),
    [
        (record("60", "9910100X", "Kaputt", verband="5001"), "nicht numerisch"),
        (record("70", "99101", "Unbekannt"), "unbekannte Satzart"),
        (record("40", "99104", "Kurz")[:100], "zu kurz"),
        (record("40", "99104", "Datum", kennz="44", date="2025133X"), "ungültiger Satz"),
        (_with(gemeinde("99101009", "5001", "Zahl", 10), 139, "      12x4"), "ungültiger Satz"),
    ],
)
def test_it_imports_nothing_from_a_file_with_a_bad_line(db, bad_line: str, reason: str) -> None:  # noqa: ANN001
    lines = musterland()
    lines.insert(5, bad_line)
    with pytest.raises(InvalidInput) as exc:
        _import(db, lines)
    assert "gv.txt, Zeile 6" in exc.value.de
    assert reason in exc.value.de
    assert "line 6" in exc.value.en
    assert db.scalar(select(func.count()).select_from(Organization)) == 0


def test_it_refuses_a_duplicate_key(db) -> None:  # noqa: ANN001
    lines = musterland() + [gemeinde("99101001", "5001", "Kleinmusterdorf", 412)]
    with pytest.raises(InvalidInput, match="occurs twice"):
        _import(db, lines)
    assert db.scalar(select(func.count()).select_from(Organization)) == 0


def test_it_refuses_an_unknown_land_key(db) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput) as exc:
        _import(db, musterland(), land="07")
    assert "Satzart 10" in exc.value.de and "07" in exc.value.de


def test_it_refuses_a_malformed_land_key(db) -> None:  # noqa: ANN001
    with pytest.raises(InvalidInput, match="Land key"):
        _import(db, musterland(), land="7")


def test_it_lets_only_cert_admins_import(db, personas) -> None:  # noqa: ANN001
    with pytest.raises(PermissionDenied):
        orgs_service.import_gv100ad(db, actor=personas.actor("kreis_a_admin"), stream=io.StringIO(text(musterland())),
                                    name="gv.txt", land_key="99")
    result = orgs_service.import_gv100ad(db, actor=personas.actor("land_cert_admin"),
                                         stream=io.StringIO(text(musterland())), name="gv.txt", land_key="99")
    assert result.created > 0


def test_it_ships_a_demo_file_made_by_the_builder() -> None:
    from importlib import resources

    shipped = (resources.files("kommcert.orgs") / "data" / "musterland_gv100ad.txt").read_text(encoding="utf-8")
    assert shipped == text(neighbour()[:1] + musterland() + neighbour()[1:])
