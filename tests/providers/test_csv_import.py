from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from kommcert.errors import InvalidInput, PermissionDenied
from kommcert.providers import service as providers_service
from kommcert.providers.models import ProviderPerson, ProviderProfile

HEADER = "organisation;person;qualifikationen;fähigkeiten;regionen;rufbereitschaft;e-mail;telefon;benutzer\n"
GOOD = HEADER + (
    "provider_x;;BSI-qualifizierter APT-Response-Dienstleister|Vorfallsbearbeitung;"
    "incident_lead|Host-Forensik;kreis_a|kreis_b;0800 111222;;;\n"
    "provider_x;Frieda Forensik;;host_forensics;;;frieda@x.example;0171 1;provider_x@example.test\n"
    "provider_x;Leo Leitung;;Vorfallsleitung|Krisenkommunikation;;;;0171 2;\n"
    "\n"
    "mirt;;;Wiederherstellung;land;0800 999;;;\n"
)


def _import(db, text: str, actor=None):  # noqa: ANN001, ANN202
    return providers_service.import_csv(db, actor=actor, stream=io.StringIO(text), name="helfer.csv")


def _counts(db) -> tuple[int, int]:  # noqa: ANN001
    return (db.scalar(select(func.count()).select_from(ProviderProfile)),
            db.scalar(select(func.count()).select_from(ProviderPerson)))


def test_it_imports_a_good_file_and_again_without_duplicates(db, registry) -> None:  # noqa: ANN001
    result = _import(db, GOOD)
    assert (result.providers, result.people) == (2, 2)
    x = db.get(ProviderProfile, registry.orgs["provider_x"].id)
    assert x.qualifications == ["BSI-qualifizierter APT-Response-Dienstleister", "Vorfallsbearbeitung"]
    assert x.skills == ["incident_lead", "host_forensics"]
    assert {r.key for r in x.regions} == {"kreis_a", "kreis_b"}
    frieda = next(p for p in x.people if p.name == "Frieda Forensik")
    assert frieda.user_id == registry.users["provider_x"].id
    leo = next(p for p in x.people if p.name == "Leo Leitung")
    assert leo.skills == ["incident_lead", "crisis_communication"]
    ids = sorted(p.id for p in x.people)
    _import(db, GOOD)
    assert _counts(db) == (2, 2) and sorted(p.id for p in x.people) == ids


BAD = [
    ("", "die Datei ist leer"),
    ("organisation;farbe\nprovider_x;rot\n", "Zeile 1: unbekannte Spalte(n): farbe"),
    ("person\nA\n", "Zeile 1: Spalte(n) fehlen: organisation"),
    (HEADER + "provider_x;;;zaubern;;;;;\n", "Zeile 2: unbekannte Fähigkeit „zaubern“"),
    (HEADER + "provider_x;;;;;;;\n", "Zeile 2: 8 statt 9 Spalten"),
    (HEADER + "provider_x;;;;;0800 abc;;;\n", "Zeile 2: Telefonnummer"),
    (HEADER + "kreis_a;;;;;;;;\n", "Zeile 2: kreis_a ist kein Dienstleister und kein MIRT"),
    (HEADER + "provider_x;;;;gemeinde_a1;;;;\n", "Zeile 2: Region gemeinde_a1 ist weder das Land noch ein Kreis"),
    (HEADER + "provider_x;;;;;;;;\nprovider_x;;;;;;;;\n", "Zeile 3: Organisation provider_x kommt doppelt vor"),
    (HEADER + "provider_x;;;;;;;;\nmirt;Anna;;;;;;;\n", "Zeile 3: für mirt fehlt die Zeile des Dienstleisters"),
    (HEADER + "provider_x;;;;;;;;\nprovider_x;Anna;;;;;kein-mail;;\n", "Zeile 3: „kein-mail“ ist keine E-Mail"),
    (HEADER + "provider_x;;;;;;;;\nprovider_x;Anna;;;;;;;gemeinde_a1_member@example.test\n",
     "Zeile 3: Benutzer gemeinde_a1_member@example.test gehört nicht zu Dienstleister X"),
    (HEADER + "provider_x;;;;;;;;\nprovider_x;Anna;;;;;;;\nprovider_x;anna;;;;;;;\n",
     "Zeile 4: Person anna kommt doppelt vor (zuerst Zeile 3)"),
    (HEADER + "provider_x;;;;;;a@b.de;;\n", "Zeile 2: ohne Person ist e-mail nicht erlaubt"),
    (HEADER + "provider_x;Anna;Q;;;;;;\n", "Zeile 2: bei einer Person ist qualifikationen nicht erlaubt"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_each_bad_file_writes_nothing(db, registry, text, message) -> None:  # noqa: ANN001
    before = _counts(db)
    x = db.get(ProviderProfile, registry.orgs["provider_x"].id)
    skills = list(x.skills)
    with pytest.raises(InvalidInput) as caught:
        _import(db, text)
    assert message in caught.value.de and "\n" not in caught.value.de
    assert caught.value.de.startswith("helfer.csv")
    db.expire_all()
    assert _counts(db) == before and db.get(ProviderProfile, registry.orgs["provider_x"].id).skills == skills


def test_a_bad_line_after_good_ones_leaves_everything_as_it_was(db, registry) -> None:  # noqa: ANN001
    before = _counts(db)
    with pytest.raises(InvalidInput, match="line 7"):
        _import(db, GOOD + "provider_y;;;;;;;;\n")
    db.expire_all()
    assert _counts(db) == before
    assert db.get(ProviderProfile, registry.orgs["provider_x"].id).skills == ["incident_lead", "host_forensics"]


def test_only_cert_admins_import(db, registry) -> None:  # noqa: ANN001
    with pytest.raises(PermissionDenied):
        _import(db, GOOD, actor=registry.actor("provider_x_admin"))
    assert _import(db, GOOD, actor=registry.actor("land_cert_admin")).providers == 2
