"""Members propose changes to their organisation's emergency contacts; administrators decide.

A member of an organisation (or anyone else who may see its contacts) writes a proposal: a new
contact, a change to one, or its removal. The administrators of the organisation and of the
organisations above it (and the CERT admins) accept it, which makes the change, or reject it.
Both steps are audited; the proposal keeps its values after the decision.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.accounts.models import Role, User
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.mail import service as mail_service
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import ContactProposal, OrgAncestry, OrgContact, ProposalAction, ProposalState
from kommcert.orgs.schemas import ContactIn
from kommcert.sharing.actor import Actor

_FIELDS = ("role", "name", "email", "phone", "phone_out_of_band", "notes")


def can_propose(db: Session, actor: Actor, org_id: int) -> bool:
    """People (not tokens) who may change something and see the contacts, but may not edit them."""
    org = orgs_service.get(db, org_id)
    return (actor.user_id is not None and actor.can_write and orgs_service.can_see_contacts(db, actor, org)
            and not orgs_service.can_manage(db, actor, org))


def propose(db: Session, *, actor: Actor, org_id: int, action: ProposalAction, contact_in: ContactIn | None = None,
            contact_id: int | None = None, comment: str | None = None, base_url: str = "") -> ContactProposal:
    org = orgs_service._contacts_org(db, actor, org_id)  # noqa: SLF001 - the same 404 as the contacts
    if actor.user_id is None or not actor.can_write:
        raise PermissionDenied("Vorschläge machen nur Personen mit Schreibrecht.",
                               "Only people with write access make proposals.")
    proposal = ContactProposal(org_id=org.id, action=ProposalAction(action), state=ProposalState.open,
                               proposed_by_id=actor.user_id, comment=(comment or "").strip()[:2000] or None)
    if action == ProposalAction.create:
        contact = None
    else:
        contact = db.get(OrgContact, contact_id) if contact_id is not None else None
        if contact is None or contact.org_id != org.id:
            raise NotFound("Kontakt nicht gefunden.", "Contact not found.")
        proposal.contact_id = contact.id
    source = contact_in if contact_in is not None else contact
    if source is None or (action == ProposalAction.update and contact_in is None):
        raise InvalidInput("Bitte die vorgeschlagenen Angaben eintragen.", "Please enter the proposed details.")
    if action == ProposalAction.delete:
        source = contact  # a removal shows what is removed
    for field in _FIELDS:
        setattr(proposal, field, getattr(source, field))
    db.add(proposal)
    db.flush()
    audit_service.record(db, AuditEvent(
        events.ORG_UPDATED, actor_user_id=actor.user_id, org_id=org.id, object_type="contact_proposal",
        object_id=proposal.id, detail={"proposal": "opened", "action": str(action), "contact_id": proposal.contact_id}))
    _tell_deciders(db, proposal=proposal, base_url=base_url)
    return proposal


def _tell_deciders(db: Session, *, proposal: ContactProposal, base_url: str) -> None:
    """The nearest administrators: the organisation's own, else those of the nearest level above."""
    rows = db.execute(select(User.email, OrgAncestry.depth).join(OrgAncestry, OrgAncestry.ancestor_id == User.org_id)
                      .where(OrgAncestry.org_id == proposal.org_id, User.role == Role.admin,
                             User.is_active.is_(True))).all()
    if not rows:
        return
    nearest = min(depth for _, depth in rows)
    to = [email for email, depth in rows if depth == nearest]
    link = f"{base_url.rstrip('/')}/orgs/{proposal.org_id}#vorschlaege"
    mail_service.queue_mail(db, to=to, subject=f"Vorschlag zu den Notfallkontakten: {proposal.org.name}", text=(
        f"Für die Notfallkontakte von {proposal.org.name} liegt ein Vorschlag vor "
        f"({proposal.action_label}: {proposal.name}). Bitte annehmen oder ablehnen:\n\n{link}\n\n--\n\n"
        f"A change to the emergency contacts of {proposal.org.name} was proposed. Please accept or reject it "
        "with the link above."))


def list_proposals(db: Session, *, actor: Actor, org_id: int, state: ProposalState | None = ProposalState.open
                   ) -> Sequence[ContactProposal]:
    """The proposals of an organisation, for whoever may see its contacts (404 for anyone else)."""
    org = orgs_service._contacts_org(db, actor, org_id)  # noqa: SLF001
    stmt = select(ContactProposal).where(ContactProposal.org_id == org.id)
    if state is not None:
        stmt = stmt.where(ContactProposal.state == state)
    return db.scalars(stmt.order_by(ContactProposal.created_at.desc(), ContactProposal.id.desc())).all()


def decide(db: Session, *, actor: Actor, org_id: int, proposal_id: int, accept: bool) -> ContactProposal:
    """Accepting makes the proposed change to the contacts; both outcomes are audited."""
    org = orgs_service._contacts_org(db, actor, org_id)  # noqa: SLF001
    proposal = db.get(ContactProposal, proposal_id)
    if proposal is None or proposal.org_id != org.id:
        raise NotFound("Vorschlag nicht gefunden.", "Proposal not found.")
    if not orgs_service.can_manage(db, actor, org):
        raise PermissionDenied("Über Vorschläge entscheiden die Administratoren der Organisation und der "
                               "übergeordneten Verwaltungen.", "The administrators of the organisation and of "
                               "those above it decide on proposals.")
    if proposal.state != ProposalState.open:
        raise InvalidInput("Über diesen Vorschlag ist schon entschieden.", "This proposal has been decided already.")
    if accept:
        _apply(db, actor=actor, proposal=proposal)
    proposal.state = ProposalState.accepted if accept else ProposalState.rejected
    proposal.decided_by_id, proposal.decided_at = actor.user_id, utcnow()
    db.flush()
    audit_service.record(db, AuditEvent(
        events.ORG_UPDATED, actor_user_id=actor.user_id, org_id=org.id, object_type="contact_proposal",
        object_id=proposal.id, detail={"proposal": str(proposal.state), "action": str(proposal.action),
                                       "contact_id": proposal.contact_id}))
    return proposal


def _apply(db: Session, *, actor: Actor, proposal: ContactProposal) -> None:
    action = ProposalAction(proposal.action)
    if action != ProposalAction.create and proposal.contact_id is None:
        raise InvalidInput("Der Kontakt wurde inzwischen entfernt.", "The contact has been removed meanwhile.")
    if action == ProposalAction.delete:
        orgs_service.delete_contact(db, actor=actor, org_id=proposal.org_id, contact_id=proposal.contact_id)
        return
    clash = db.scalar(select(OrgContact.id).where(OrgContact.org_id == proposal.org_id,
                                                  OrgContact.role == proposal.role, OrgContact.name == proposal.name))
    if clash is not None and clash != proposal.contact_id:
        raise InvalidInput("Diesen Kontakt gibt es in dieser Rolle schon.", "This contact exists in this role already.")
    contact_in = ContactIn(**{field: getattr(proposal, field) for field in _FIELDS})
    contact = orgs_service.upsert_contact(db, actor=actor, org_id=proposal.org_id, contact_in=contact_in,
                                          contact_id=proposal.contact_id)
    proposal.contact_id = contact.id
