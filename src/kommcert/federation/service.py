"""Use cases of federation: peers added and listed, their maximum TLP, what they sent and got.

A peer is another kommcert instance. *Inbound* it is an organisation here (kind ``peer``) with a
maximum TLP and one user whose API token the other instance uses over TAXII: reading what the sharing
policy's peer rule lets it see, and POSTing the sightings its organisations made back
(:mod:`kommcert.federation.sightings`). *Outbound* it is a TAXII subscription of this instance to the
peer's collection, linked to the same row (:func:`connect`); what that subscription brings is marked
``received_from_peer`` and the sightings go back through it (:mod:`kommcert.federation.push`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kommcert.accounts import service as accounts_service
from kommcert.accounts.models import ApiToken, Role, TokenScope, User
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.config import Settings
from kommcert.errors import InvalidInput, NotFound
from kommcert.federation.models import Peer
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import Organization, OrgKind
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor
from kommcert.sharing.tlp import TLP

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,54}$")
# The peer's account: no password (nobody logs in as it), one token; ``.invalid`` never delivers mail.
ACCOUNT_DOMAIN = "peers.kommcert.invalid"


def parse_max_tlp(text: str) -> TLP:
    """CLEAR, GREEN or AMBER: AMBER+STRICT and RED never leave the instance where they were made."""
    try:
        tlp = TLP.parse(text)
    except ValueError:
        tlp = None
    if tlp not in policy.PEER_TLPS:
        raise InvalidInput("Eine Partnerinstanz erhält höchstens TLP:CLEAR, TLP:GREEN oder TLP:AMBER.",
                           "A peer instance receives at most TLP:CLEAR, TLP:GREEN or TLP:AMBER.")
    return tlp  # type: ignore[return-value]


def account_email(key: str) -> str:
    return f"{key}@{ACCOUNT_DOMAIN}"


@dataclass(frozen=True)
class AddedPeer:
    peer: Peer
    org: Organization
    user: User
    token: str  # shown once, never stored


def add_peer(db: Session, *, key: str, name: str, max_tlp: TLP, parent_key: str | None = None,
             actor_user_id: int | None = None) -> AddedPeer:
    """The operator's way (CLI): the peer's organisation, its row, its account and the token the other
    instance will use (read and write: it reads the collections and POSTs sightings back).

    The organisation stands beside the tree unless ``parent_key`` names the Land: an audience "the
    whole Land with its subtree" then reaches it, which is rarely meant."""
    key = key.strip().lower()
    if not KEY_PATTERN.match(key):
        raise InvalidInput("Der Schlüssel besteht aus Kleinbuchstaben, Ziffern und Bindestrichen (höchstens 55).",
                           "The key consists of lower-case letters, digits and hyphens (at most 55).")
    org_key = f"peer-{key}"
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("Der Name fehlt oder ist zu lang.", "The name is missing or too long.")
    if orgs_service.get_by_key(db, org_key) is not None:
        raise InvalidInput(f"Die Partnerinstanz {key} gibt es schon.", f"The peer {key} exists already.")
    parent = None
    if parent_key:
        parent = orgs_service.get_by_key(db, parent_key)
        if parent is None:
            raise NotFound("Übergeordnete Organisation nicht gefunden.", "Parent organisation not found.")
    org = orgs_service.create_org(db, key=org_key, kind=OrgKind.peer, name=name, parent=parent)
    peer = Peer(org_id=org.id, max_tlp=parse_max_tlp(max_tlp))
    db.add(peer)
    # An analyst: TAXII takes POSTs (the sightings) to the own collection from analysts and admins only.
    user = accounts_service.create_user(db, actor=None, org=org, email=account_email(key), name=name,
                                        role=Role.analyst, password=None)
    text, _ = accounts_service.create_token(db, actor=None, user=user, name=f"Partnerinstanz {key}",
                                            scope=TokenScope.read_write, expires_at=None)
    db.flush()
    audit_service.record(db, AuditEvent(events.ORG_UPDATED, actor_user_id=actor_user_id, org_id=org.id,
                                        object_type="organization", object_id=org.id,
                                        detail={"peer": "added", "max_tlp": peer.max_tlp}))
    return AddedPeer(peer=peer, org=org, user=user, token=text)


def get_peer(db: Session, key: str) -> Peer:
    peer = db.scalar(select(Peer).join(Organization, Organization.id == Peer.org_id)
                     .where(Organization.key == f"peer-{key.strip().lower()}"))
    if peer is None:
        raise NotFound("Partnerinstanz nicht gefunden.", "Peer instance not found.")
    return peer


def peer_of_org(db: Session, org_id: int | None) -> Peer | None:
    return db.scalar(select(Peer).where(Peer.org_id == org_id)) if org_id is not None else None


def set_max_tlp(db: Session, *, peer: Peer, max_tlp: TLP, actor_user_id: int | None = None) -> None:
    before = peer.max_tlp
    peer.max_tlp = parse_max_tlp(max_tlp)
    audit_service.record(db, AuditEvent(events.ORG_UPDATED, actor_user_id=actor_user_id, org_id=peer.org_id,
                                        object_type="organization", object_id=peer.org_id,
                                        detail={"peer": "max_tlp", "from": before, "to": peer.max_tlp}))


def connect(db: Session, *, peer: Peer, actor: Actor, url: str, secret: str, settings: Settings,
            username: str = "", collection: str = "", tlp: TLP = TLP.amber, interval_minutes: int = 60) -> int:
    """The outbound side: a TAXII subscription of ``actor``'s organisation (an analyst or admin, as for
    every subscription) to the peer's collection, linked to the peer. What it brings is marked
    ``received_from_peer``; the sightings go back to the same API root's ``own`` collection."""
    from kommcert.subscriptions import service as subscriptions_service
    from kommcert.subscriptions.models import SubscriptionKind
    from kommcert.subscriptions.schemas import SubscriptionIn

    if peer.subscription_id is not None:
        raise InvalidInput("Diese Partnerinstanz wird schon abonniert.", "This peer is subscribed already.")
    org = db.get(Organization, peer.org_id)
    data = SubscriptionIn(name=f"Partnerinstanz {org.name}"[:200], kind=SubscriptionKind.taxii,  # type: ignore[union-attr]
                          url=url, collection=collection, username=username, secret=secret, tlp=tlp,
                          interval_minutes=interval_minutes)
    sub = subscriptions_service.add_subscription(db, actor=actor, data=data, settings=settings)
    peer.subscription_id = sub.id
    mark_received(db, [sub.report_id] if sub.report_id is not None else [])
    db.flush()
    audit_service.record(db, AuditEvent(events.ORG_UPDATED, actor_user_id=actor.user_id, org_id=peer.org_id,
                                        object_type="organization", object_id=peer.org_id,
                                        detail={"peer": "connected", "subscription": sub.id}))
    return sub.id


@dataclass(frozen=True)
class PeerView:
    """One line of ``kommcert peers list`` and the ``/peers`` page."""

    key: str
    name: str
    org_id: int
    max_tlp: TLP
    last_read_by_peer: datetime | None  # inbound: the peer's token last used here
    last_received_at: datetime | None  # inbound: sightings the peer sent
    sightings_received: int
    subscription_id: int | None
    subscription_name: str | None
    last_pulled_at: datetime | None  # outbound: our last successful pull of the peer's collection
    last_error: str  # outbound: the pull's or the push's last error
    last_push_at: datetime | None
    sightings_sent: int


def list_peers(db: Session) -> list[PeerView]:
    from kommcert.subscriptions.models import Subscription

    rows = db.execute(select(Peer, Organization).join(Organization, Organization.id == Peer.org_id)
                      .order_by(Organization.name)).all()
    last_read = dict(db.execute(
        select(User.org_id, func.max(ApiToken.last_used_at)).join(ApiToken, ApiToken.user_id == User.id)
        .where(User.org_id.in_([org.id for _, org in rows])).group_by(User.org_id)).all()) if rows else {}
    subs = {s.id: s for s in db.scalars(select(Subscription).where(
        Subscription.id.in_([p.subscription_id for p, _ in rows if p.subscription_id is not None])))}
    views = []
    for peer, org in rows:
        sub = subs.get(peer.subscription_id) if peer.subscription_id is not None else None
        views.append(PeerView(
            key=org.key.removeprefix("peer-"), name=org.name, org_id=org.id, max_tlp=TLP(peer.max_tlp),
            last_read_by_peer=last_read.get(org.id), last_received_at=peer.last_received_at,
            sightings_received=peer.sightings_received, subscription_id=peer.subscription_id,
            subscription_name=sub.name if sub is not None else None,
            last_pulled_at=sub.last_success_at if sub is not None else None,
            last_error=(sub.last_error if sub is not None and sub.last_error else "") or peer.last_push_error,
            last_push_at=peer.last_push_at, sightings_sent=peer.sightings_sent))
    return views


def may_manage(actor: Actor) -> bool:
    """Peers are the CERT's business: its administrators see the page (the CLI is the operator's)."""
    return actor.is_cert_admin


def peers_for(db: Session, *, actor: Actor) -> Sequence[PeerView]:
    if not may_manage(actor):
        raise NotFound()
    return list_peers(db)


def is_peer_subscription(db: Session, subscription_id: int | None) -> bool:
    return subscription_id is not None and db.scalar(
        select(Peer.id).where(Peer.subscription_id == subscription_id)) is not None


def mark_received(db: Session, report_ids: Sequence[int]) -> None:
    """These reports arrived from a peer: at AMBER the policy keeps them from every peer."""
    from sqlalchemy import update

    from kommcert.reports.models import Report

    if report_ids:
        db.execute(update(Report).where(Report.id.in_(list(report_ids))).values(received_from_peer=True))
