"""The Notfallkarte: whom a Gemeinde calls in an IT emergency, inherited down the tree.

A Gemeinde's card lists its own contacts, then those of its Verbandsgemeinde and Kreis, of the IT
service providers that serve it or a level above it, and of the Kommunal-CERT; the template adds
the Landes-CERT hotline. Whoever may see the organisation's contacts sees the card; the contacts of
the levels above and of the helpers come with it, because that is whom the reader calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import Organization, OrgContact, OrgKind, org_serves
from kommcert.sharing.actor import Actor

# The levels above whose contacts a card inherits (not the Land itself: it is the CERT hotline).
_INHERITED = frozenset({OrgKind.regierungsbezirk, OrgKind.kreis, OrgKind.kreisfreie_stadt, OrgKind.verbandsgemeinde,
                        OrgKind.verbandsfreie_gemeinde})


@dataclass
class CardSection:
    org: Organization
    relation: str  # German, shown as the section's label
    contacts: list[OrgContact] = field(default_factory=list)


def emergency_card(db: Session, *, actor: Actor, org_id: int) -> tuple[Organization, list[CardSection]]:
    org = orgs_service._contacts_org(db, actor, org_id)  # noqa: SLF001 - 404 for whoever may not see its contacts
    path = orgs_service.ancestor_ids(db, org.id)
    by_id = {o.id: o for o in db.scalars(select(Organization).where(Organization.id.in_(path)))}
    sections = [CardSection(org, "Ihre Organisation")]
    sections += [CardSection(by_id[i], by_id[i].kind_label) for i in path[1:]
                 if i in by_id and OrgKind(by_id[i].kind) in _INHERITED]
    seen = {s.org.id for s in sections}
    providers = db.scalars(select(Organization).join(org_serves, org_serves.c.provider_id == Organization.id)
                           .where(org_serves.c.client_id.in_(path)).order_by(Organization.name)).all()
    certs = db.scalars(select(Organization).where(Organization.kind == OrgKind.kommunal_cert)
                       .order_by(Organization.name)).all()
    for helper, relation in [*((p, "IT-Dienstleister") for p in providers), *((c, c.kind_label) for c in certs)]:
        if helper.id not in seen:
            seen.add(helper.id)
            sections.append(CardSection(helper, relation))
    contacts = db.scalars(select(OrgContact).where(OrgContact.org_id.in_(seen))
                          .order_by(OrgContact.role, OrgContact.name)).all()
    for section in sections:
        section.contacts = [c for c in contacts if c.org_id == section.org.id]
    return org, sections
