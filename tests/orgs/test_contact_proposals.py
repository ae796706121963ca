"""Members propose changes to the emergency contacts; the admins of the org or above it decide."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kommcert.accounts.models import TokenScope
from kommcert.audit.models import AuditEntry
from kommcert.jobs.models import Job
from kommcert.orgs import proposals
from kommcert.orgs.models import ContactProposal, ContactRole, OrgContact, ProposalAction, ProposalState
from tests.personas import csrf_from

NEW = {"role": "it_leitung", "name": "Ida Technik", "phone": "0651 2", "phone_out_of_band": "0171 222"}


@pytest.fixture
def a1_contact(db, personas) -> OrgContact:  # noqa: ANN001
    contact = OrgContact(org_id=personas.orgs["gemeinde_a1"].id, role=ContactRole.isb, name="Iris Sicher",
                         phone_out_of_band="0170 123456")
    db.add(contact)
    db.flush()
    return contact


def _propose(client, personas, persona: str = "gemeinde_a1_member", **body: object):  # noqa: ANN001, ANN202
    org_id = personas.orgs["gemeinde_a1"].id
    return client.post(f"/api/v1/orgs/{org_id}/contact-proposals", json={"contact": NEW, **body},
                       headers=personas.auth(persona))


def _decide(client, personas, proposal_id: int, persona: str, accept: bool = True):  # noqa: ANN001, ANN202
    org_id = personas.orgs["gemeinde_a1"].id
    return client.post(f"/api/v1/orgs/{org_id}/contact-proposals/{proposal_id}/decision", json={"accept": accept},
                       headers=personas.auth(persona))


def test_it_lets_a_member_propose_and_the_kreis_admin_accept(client, db, personas) -> None:  # noqa: ANN001
    proposed = _propose(client, personas, comment="neue IT-Leitung seit Mai")
    assert proposed.status_code == 201 and proposed.json()["state"] == "open"
    org_id = personas.orgs["gemeinde_a1"].id
    assert client.get(f"/api/v1/orgs/{org_id}/contacts", headers=personas.auth("kreis_a_admin")).json() == []
    decided = _decide(client, personas, proposed.json()["id"], "kreis_a_admin")
    assert decided.status_code == 200 and decided.json()["state"] == "accepted"
    contacts = client.get(f"/api/v1/orgs/{org_id}/contacts", headers=personas.auth("gemeinde_a1_member")).json()
    assert [(c["name"], c["phone_out_of_band"]) for c in contacts] == [("Ida Technik", "0171 222")]
    details = [e.detail for e in db.scalars(select(AuditEntry).where(AuditEntry.object_type == "contact_proposal"))]
    assert [d["proposal"] for d in details] == ["opened", "accepted"]


def test_it_tells_the_gemeinde_admins_by_mail(client, db, personas) -> None:  # noqa: ANN001
    _propose(client, personas)
    mails = db.scalars(select(Job).where(Job.kind == "mail.send")).all()
    assert any("gemeinde_a1_admin@example.test" in str(m.payload) for m in mails)


def test_it_changes_and_removes_a_contact_on_acceptance(client, db, personas, a1_contact) -> None:  # noqa: ANN001
    change = _propose(client, personas, action="update", contact_id=a1_contact.id,
                      contact={"role": "isb", "name": "Iris Sicher", "phone_out_of_band": "0170 999"}).json()
    _decide(client, personas, change["id"], "gemeinde_a1_admin")
    db.refresh(a1_contact)
    assert a1_contact.phone_out_of_band == "0170 999"
    removal = _propose(client, personas, action="delete", contact_id=a1_contact.id, contact=None).json()
    assert removal["name"] == "Iris Sicher"  # a removal names what it removes
    _decide(client, personas, removal["id"], "land_cert_admin")
    assert db.scalar(select(OrgContact).where(OrgContact.org_id == personas.orgs["gemeinde_a1"].id)) is None


def test_it_leaves_the_contacts_alone_when_rejected(client, db, personas) -> None:  # noqa: ANN001
    proposal = _propose(client, personas).json()
    assert _decide(client, personas, proposal["id"], "gemeinde_a1_admin", accept=False).json()["state"] == "rejected"
    assert db.scalar(select(OrgContact)) is None
    again = _decide(client, personas, proposal["id"], "gemeinde_a1_admin")
    assert again.status_code == 422  # decided once


def test_it_refuses_the_decision_to_members_and_strangers(client, personas) -> None:  # noqa: ANN001
    proposal = _propose(client, personas).json()
    assert _decide(client, personas, proposal["id"], "gemeinde_a1_member").status_code == 403
    for stranger in ("kreis_b_admin", "gemeinde_b1_member", "provider_x"):
        assert _decide(client, personas, proposal["id"], stranger).status_code == 404
    assert _decide(client, personas, proposal["id"], "kreis_a_admin", ).status_code == 200


def test_it_hides_proposals_from_another_kreis(client, personas) -> None:  # noqa: ANN001
    _propose(client, personas)
    org_id = personas.orgs["gemeinde_a1"].id
    url = f"/api/v1/orgs/{org_id}/contact-proposals"
    assert len(client.get(url, headers=personas.auth("kreis_a_admin")).json()) == 1
    assert client.get(url, headers=personas.auth("kreis_b_admin")).status_code == 404
    assert _propose(client, personas, "gemeinde_b1_member").status_code == 404


def test_it_refuses_proposals_with_a_read_only_token(client, personas) -> None:  # noqa: ANN001
    org_id = personas.orgs["gemeinde_a1"].id
    response = client.post(f"/api/v1/orgs/{org_id}/contact-proposals", json={"contact": NEW},
                           headers=personas.auth("gemeinde_a1_member", TokenScope.read))
    assert response.status_code == 403


def test_it_refuses_an_accepted_duplicate(db, personas, a1_contact) -> None:  # noqa: ANN001
    from kommcert.errors import InvalidInput
    from kommcert.orgs.schemas import ContactIn

    proposal = proposals.propose(db, actor=personas.actor("gemeinde_a1_member"), org_id=a1_contact.org_id,
                                 action=ProposalAction.create, contact_in=ContactIn(role="isb", name="Iris Sicher"))
    with pytest.raises(InvalidInput):
        proposals.decide(db, actor=personas.actor("gemeinde_a1_admin"), org_id=a1_contact.org_id,
                         proposal_id=proposal.id, accept=True)
    assert db.get(ContactProposal, proposal.id).state == ProposalState.open


def test_it_lets_a_member_propose_on_the_page_and_the_admin_accept(client, db, personas, login,  # noqa: ANN001
                                                                   a1_contact) -> None:
    org_id = personas.orgs["gemeinde_a1"].id
    login("gemeinde_a1_member")
    detail = client.get(f"/orgs/{org_id}")
    assert "Änderung vorschlagen" in detail.text and "Kontakt hinzufügen" not in detail.text
    form = client.get(f"/orgs/{org_id}/contacts/{a1_contact.id}")
    assert form.status_code == 200 and 'value="update"' in form.text
    sent = client.post(f"/orgs/{org_id}/proposals", follow_redirects=False, data={
        "csrf_token": csrf_from(form.text), "action": "update", "contact_id": a1_contact.id, "role": "isb",
        "name": "Iris Sicher", "phone_out_of_band": "0170 555", "comment": "neue Nummer"})
    assert sent.status_code == 303
    assert "neue Nummer" in client.get(f"/orgs/{org_id}").text
    client.post("/logout", data={"csrf_token": csrf_from(form.text)})
    login("kreis_a_admin")
    page = client.get(f"/orgs/{org_id}")
    proposal = db.scalar(select(ContactProposal))
    accepted = client.post(f"/orgs/{org_id}/proposals/{proposal.id}/accept", data={"csrf_token": csrf_from(page.text)},
                           follow_redirects=False)
    assert accepted.status_code == 303
    db.refresh(a1_contact)
    assert a1_contact.phone_out_of_band == "0170 555"


def test_it_keeps_another_kreis_off_the_pages(client, personas, login, a1_contact) -> None:  # noqa: ANN001
    org_id = personas.orgs["gemeinde_a1"].id
    login("kreis_b_admin")
    assert client.get(f"/orgs/{org_id}/contacts/{a1_contact.id}").status_code == 404
    csrf = csrf_from(client.get("/").text)
    assert client.post(f"/orgs/{org_id}/proposals", data={"csrf_token": csrf, "role": "isb", "name": "X"}
                       ).status_code == 404


def test_it_lets_a_kreis_admin_edit_a_gemeinde_contact_on_the_page(client, db, personas, login,  # noqa: ANN001
                                                                   a1_contact) -> None:
    org_id = personas.orgs["gemeinde_a1"].id
    login("kreis_a_admin")
    form = client.get(f"/orgs/{org_id}/contacts/{a1_contact.id}")
    assert "Kontakt bearbeiten" in form.text
    saved = client.post(f"/orgs/{org_id}/contacts", follow_redirects=False, data={
        "csrf_token": csrf_from(form.text), "contact_id": a1_contact.id, "role": "isb", "name": "Iris Sicher",
        "phone_out_of_band": "0170 777"})
    assert saved.status_code == 303
    db.refresh(a1_contact)
    assert a1_contact.phone_out_of_band == "0170 777"
