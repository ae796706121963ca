"""The Notfallkarte of a Gemeinde inherits the contacts of its VG, Kreis, IT service provider and
the Kommunal-CERT, each labelled with its organisation, plus the Landes-CERT hotline."""

from __future__ import annotations

import pytest

from kommcert.orgs import emergency
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import ContactRole, OrgContact, OrgKind


@pytest.fixture
def tree(db, personas):  # noqa: ANN001, ANN201
    provider = orgs_service.create_org(db, key="kitm", kind=OrgKind.it_dienstleister, name="KITM Kommunal-IT",
                                       parent=personas.orgs["land"], phone="0651 900")
    provider.clients.append(personas.orgs["vg_a"])  # serves the VG, so its Gemeinden too
    other = orgs_service.create_org(db, key="bits", kind=OrgKind.it_dienstleister, name="B-IT",
                                    parent=personas.orgs["land"])
    other.clients.append(personas.orgs["vg_b"])
    people = {
        "gemeinde_a1": ("Otto Bürgermeister", "0170 1"),
        "vg_a": ("Vera Verband", "0170 2"),
        "kreis_a": ("Karl Kreis", "0170 3"),
        "kommunal_cert": ("Kira CERT", "0170 4"),
        "kreis_b": ("Bernd Anderskreis", "0170 9"),
    }
    for key, (name, phone) in people.items():
        db.add(OrgContact(org_id=personas.orgs[key].id, role=ContactRole.isb, name=name, phone_out_of_band=phone))
    db.add(OrgContact(org_id=provider.id, role=ContactRole.it_leitung, name="Paul Provider",
                      phone_out_of_band="0170 5"))
    db.add(OrgContact(org_id=other.id, role=ContactRole.it_leitung, name="Fremder Dienstleister"))
    db.flush()
    return provider


def test_it_inherits_the_contacts_down_the_tree(db, personas, tree) -> None:  # noqa: ANN001
    org, sections = emergency.emergency_card(db, actor=personas.actor("gemeinde_a1_member"),
                                             org_id=personas.orgs["gemeinde_a1"].id)
    assert org.name == "Gemeinde A1"
    got = [(s.org.name, s.relation, [c.name for c in s.contacts]) for s in sections]
    assert got == [
        ("Gemeinde A1", "Ihre Organisation", ["Otto Bürgermeister"]),
        ("VG A", "Verbandsgemeinde", ["Vera Verband"]),
        ("Kreis A", "Landkreis", ["Karl Kreis"]),
        ("KITM Kommunal-IT", "IT-Dienstleister", ["Paul Provider"]),
        ("Kommunal-CERT", "Kommunal-CERT", ["Kira CERT"]),
    ]


def test_it_shows_the_card_with_every_level_and_the_hotline(client, personas, login, settings, tree) -> None:  # noqa: ANN001
    login("gemeinde_a1_member")
    card = client.get(f"/orgs/{personas.orgs['gemeinde_a1'].id}/notfallkarte")
    assert card.status_code == 200
    for text in ("Otto Bürgermeister", "Vera Verband", "Karl Kreis", "Paul Provider", "0651 900", "Kira CERT",
                 "0170 4", settings.cert_hotline, "KITM Kommunal-IT"):
        assert text in card.text, text
    assert "Bernd Anderskreis" not in card.text and "Fremder Dienstleister" not in card.text


def test_it_hides_the_card_from_another_kreis(client, personas, login, tree) -> None:  # noqa: ANN001
    login("kreis_b_admin")
    card = client.get(f"/orgs/{personas.orgs['gemeinde_a1'].id}/notfallkarte")
    assert card.status_code == 404 and "Vera Verband" not in card.text


def test_it_gives_a_kreis_its_own_card_without_the_levels_below(db, personas, tree) -> None:  # noqa: ANN001
    _, sections = emergency.emergency_card(db, actor=personas.actor("kreis_a_admin"),
                                           org_id=personas.orgs["kreis_a"].id)
    assert [s.org.name for s in sections] == ["Kreis A", "Kommunal-CERT"]
