"""The organisation tree: Land ▸ Kreis ▸ Verbandsgemeinde ▸ Gemeinde, plus functional orgs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kommcert.db import Base, utcnow


class OrgKind(StrEnum):
    land = "land"
    regierungsbezirk = "regierungsbezirk"
    kreis = "kreis"
    kreisfreie_stadt = "kreisfreie_stadt"
    verbandsgemeinde = "verbandsgemeinde"
    verbandsfreie_gemeinde = "verbandsfreie_gemeinde"
    ortsgemeinde = "ortsgemeinde"
    land_cert = "land_cert"
    kommunal_cert = "kommunal_cert"
    dienstleister = "dienstleister"
    mirt = "mirt"
    it_dienstleister = "it_dienstleister"
    # Another kommcert instance (federation): reads over TAXII up to its maximum TLP, sends sightings
    # back. Neither a CERT (it never sees all AMBER) nor municipal (kommcert.federation).
    peer = "peer"

    @property
    def is_cert(self) -> bool:
        return self in CERT_KINDS

    @property
    def is_municipal(self) -> bool:
        return self in MUNICIPAL_KINDS

    @property
    def is_peer(self) -> bool:
        return self == OrgKind.peer


CERT_KINDS = frozenset({OrgKind.land_cert, OrgKind.kommunal_cert})
MUNICIPAL_KINDS = frozenset(
    {
        OrgKind.kreis,
        OrgKind.kreisfreie_stadt,
        OrgKind.verbandsgemeinde,
        OrgKind.verbandsfreie_gemeinde,
        OrgKind.ortsgemeinde,
        OrgKind.it_dienstleister,
    }
)

KIND_LABELS_DE = {
    OrgKind.land: "Land",
    OrgKind.regierungsbezirk: "Regierungsbezirk",
    OrgKind.kreis: "Landkreis",
    OrgKind.kreisfreie_stadt: "Kreisfreie Stadt",
    OrgKind.verbandsgemeinde: "Verbandsgemeinde",
    OrgKind.verbandsfreie_gemeinde: "Verbandsfreie Gemeinde",
    OrgKind.ortsgemeinde: "Ortsgemeinde",
    OrgKind.land_cert: "Landes-CERT",
    OrgKind.kommunal_cert: "Kommunal-CERT",
    OrgKind.dienstleister: "Zertifizierter Dienstleister",
    OrgKind.mirt: "Mobile Incident Response Team",
    OrgKind.it_dienstleister: "Kommunaler IT-Dienstleister",
    OrgKind.peer: "Partnerinstanz (kommcert)",
}


class ContactRole(StrEnum):
    isb = "isb"
    it_leitung = "it_leitung"
    verwaltungsspitze = "verwaltungsspitze"
    datenschutz = "datenschutz"


CONTACT_ROLE_LABELS_DE = {
    ContactRole.isb: "Informationssicherheitsbeauftragte/r",
    ContactRole.it_leitung: "IT-Leitung",
    ContactRole.verwaltungsspitze: "Verwaltungsspitze",
    ContactRole.datenschutz: "Datenschutzbeauftragte/r",
}


org_serves = Table(
    "org_serves",
    Base.metadata,
    Column("provider_id", ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    Column("client_id", ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
)


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable key for re-imports: the ARS for municipal orgs, a slug for functional ones.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[OrgKind] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    ags: Mapped[str | None] = mapped_column(String(8), index=True)
    ars: Mapped[str | None] = mapped_column(String(12), unique=True)
    population: Mapped[int | None] = mapped_column(Integer)
    area_ha: Mapped[int | None] = mapped_column(Integer)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(64))
    require_totp: Mapped[bool] = mapped_column(Boolean, default=False)
    # In scope of § 32 BSIG (legal reporting deadlines for incidents); set by the CERT or the Land.
    bsig_in_scope: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    parent: Mapped[Organization | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organization]] = relationship(back_populates="parent")
    contacts: Mapped[list[OrgContact]] = relationship(
        back_populates="org", cascade="all, delete-orphan", order_by="OrgContact.role"
    )
    clients: Mapped[list[Organization]] = relationship(
        secondary=org_serves,
        primaryjoin=lambda: Organization.id == org_serves.c.provider_id,
        secondaryjoin=lambda: Organization.id == org_serves.c.client_id,
        backref="served_by",
    )

    @property
    def kind_label(self) -> str:
        return KIND_LABELS_DE[OrgKind(self.kind)]

    @property
    def is_cert(self) -> bool:
        return OrgKind(self.kind).is_cert

    def __repr__(self) -> str:
        return f"<Organization {self.key} {self.kind} {self.name!r}>"


class OrgAncestry(Base):
    """Closure of the tree (self at depth 0), kept by ``orgs.service``; the policy joins it."""

    __tablename__ = "org_ancestry"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    ancestor_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    depth: Mapped[int] = mapped_column(Integer)


class OrgContact(Base):
    """A person to call in an emergency, with an out-of-band number that works without the town hall."""

    __tablename__ = "org_contacts"
    __table_args__ = (UniqueConstraint("org_id", "role", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    role: Mapped[ContactRole] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(64))
    phone_out_of_band: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    org: Mapped[Organization] = relationship(back_populates="contacts")

    @property
    def role_label(self) -> str:
        return CONTACT_ROLE_LABELS_DE[ContactRole(self.role)]


class ProposalAction(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"


class ProposalState(StrEnum):
    open = "open"
    accepted = "accepted"
    rejected = "rejected"


PROPOSAL_ACTION_LABELS_DE = {
    ProposalAction.create: "neuer Kontakt",
    ProposalAction.update: "Kontakt ändern",
    ProposalAction.delete: "Kontakt entfernen",
}


class ContactProposal(Base):
    """A member's proposed change to an organisation's emergency contacts; the administrators of the
    organisation (or of an organisation above it) accept or reject it. The proposed values are kept
    as they were proposed, also after the decision, so the audit trail can say what was accepted."""

    __tablename__ = "contact_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("org_contacts.id", ondelete="SET NULL"))
    action: Mapped[ProposalAction] = mapped_column(String(16))
    state: Mapped[ProposalState] = mapped_column(String(16), default=ProposalState.open, index=True)
    role: Mapped[ContactRole] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(64))
    phone_out_of_band: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column()

    org: Mapped[Organization] = relationship()
    contact: Mapped[OrgContact | None] = relationship()

    @property
    def role_label(self) -> str:
        return CONTACT_ROLE_LABELS_DE[ContactRole(self.role)]

    @property
    def action_label(self) -> str:
        return PROPOSAL_ACTION_LABELS_DE[ProposalAction(self.action)]
