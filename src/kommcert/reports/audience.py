"""Who can see a report, or a report as the form proposes it: in words and as organisation names.

The answer is the sharing policy's rule (``sharing.policy``) as a set of organisations: for each
TLP the members of which organisations see the object, without naming a person that the asking
organisation did not name itself. ``tests/reports/test_audience.py`` holds it equal to
``policy.can`` for every organisation of the persona tree, every TLP, audience and ``upward``, so
the two cannot drift. Large subtrees are summarised ("Kreis A mit allen 23 untergeordneten Stellen").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.orgs.models import CERT_KINDS, OrgAncestry, Organization, OrgKind
from kommcert.sharing.service import Audience
from kommcert.sharing.tlp import TLP


@dataclass(frozen=True)
class Proposal:
    """A report's sharing as stored, or as a form proposes it."""

    owner_org_id: int
    tlp: TLP
    upward: bool = False
    audience: Audience = field(default_factory=Audience)


@dataclass(frozen=True)
class SeenBy:
    org_id: int
    name: str
    below: int = 0  # with all this many organisations below it


@dataclass(frozen=True)
class Visibility:
    tlp: TLP
    scope: str  # "public" (anyone), "members" (every logged-in member), "orgs", "persons" (TLP:RED)
    orgs: list[SeenBy]
    org_count: int  # organisations whose members see it, subtrees counted
    persons: list[str]  # named people, for the owner organisation only
    person_count: int
    upward_hint: bool = False  # a municipality's report its own parents do not see

    @property
    def org_ids(self) -> set[int]:
        return {o.org_id for o in self.orgs}


def org_ids_that_see(db: Session, proposal: Proposal) -> set[int] | None:
    """Ids of the organisations whose members see the object; None for "all" (CLEAR, GREEN)."""
    tlp = TLP(proposal.tlp)
    if tlp in (TLP.clear, TLP.green):
        return None
    if tlp == TLP.red:
        return set()
    audience = proposal.audience
    seen = {proposal.owner_org_id} | set(audience.orgs) | set(audience.orgs_without_subtree)
    certs = set(db.scalars(select(Organization.id).where(Organization.kind.in_([str(k) for k in CERT_KINDS]))))
    if proposal.upward:
        seen |= set(db.scalars(select(OrgAncestry.ancestor_id).where(OrgAncestry.org_id == proposal.owner_org_id)))
        seen |= certs
    if tlp == TLP.amber:
        seen |= certs
        if audience.orgs:
            seen |= set(db.scalars(select(OrgAncestry.org_id).where(OrgAncestry.ancestor_id.in_(audience.orgs))))
    return seen - _peers_left_out(db, seen, tlp)


def _peers_left_out(db: Session, seen: set[int], tlp: TLP) -> set[int]:
    """Peer instances (``sharing.policy``'s peer rule): AMBER only with a maximum of AMBER, never
    AMBER+STRICT. (What a report received from a peer is kept from them too; a proposal is new.)"""
    from kommcert.federation.models import Peer

    peers = dict(db.execute(select(Organization.id, Peer.max_tlp).outerjoin(Peer, Peer.org_id == Organization.id)
                            .where(Organization.kind == OrgKind.peer.value, Organization.id.in_(seen))).all()) \
        if seen else {}
    return {org for org, most in peers.items() if tlp != TLP.amber or most != TLP.amber.value}


def visibility(db: Session, proposal: Proposal, *, person_names: bool) -> Visibility:
    """The audience in words and names. ``person_names``: whether the asker may learn the named
    people (the owner organisation); others get their number only."""
    from kommcert.accounts.models import User

    tlp = TLP(proposal.tlp)
    users = list(proposal.audience.users)
    persons = list(db.scalars(select(User.name).where(User.id.in_(users)).order_by(User.name))) \
        if users and person_names else []
    seen = org_ids_that_see(db, proposal)
    if seen is None:
        return Visibility(tlp, "public" if tlp == TLP.clear else "members", [], 0, [], 0)
    if tlp == TLP.red:
        return Visibility(tlp, "persons", [], 0, persons, len(users))
    orgs = _summarised(db, proposal, seen)
    owner = proposal.owner_org_id
    parents = set(db.scalars(select(OrgAncestry.ancestor_id).where(
        OrgAncestry.org_id == owner, OrgAncestry.depth > 0)))
    kind = db.scalar(select(Organization.kind).where(Organization.id == owner))
    hint = bool(kind in ("ortsgemeinde", "verbandsgemeinde", "verbandsfreie_gemeinde") and parents - seen)
    return Visibility(tlp, "orgs", orgs, len(seen), persons, len(users), upward_hint=hint)


def _summarised(db: Session, proposal: Proposal, seen: set[int]) -> list[SeenBy]:
    """One entry per organisation, except that an addressed subtree is one entry with its size:
    the owner first, then its parents (nearest first), the addressed, the CERTs last."""
    subtrees = set(proposal.audience.orgs) if TLP(proposal.tlp) == TLP.amber else set()
    # An addressed subtree inside another addressed subtree is covered by the outer one.
    inner = set(db.scalars(select(OrgAncestry.org_id).where(
        OrgAncestry.ancestor_id.in_(subtrees), OrgAncestry.org_id.in_(subtrees), OrgAncestry.depth > 0))) \
        if subtrees else set()
    roots = subtrees - inner
    covered: set[int] = set()
    below: dict[int, int] = {}
    if roots:
        for ancestor, org in db.execute(select(OrgAncestry.ancestor_id, OrgAncestry.org_id).where(
                OrgAncestry.ancestor_id.in_(roots), OrgAncestry.depth > 0)):
            covered.add(org)
            below[ancestor] = below.get(ancestor, 0) + 1
    shown = seen - covered
    rows = {oid: (name, kind) for oid, name, kind in db.execute(
        select(Organization.id, Organization.name, Organization.kind).where(Organization.id.in_(shown)))}
    chain = [a for (a,) in db.execute(select(OrgAncestry.ancestor_id).where(
        OrgAncestry.org_id == proposal.owner_org_id).order_by(OrgAncestry.depth))]

    def rank(oid: int) -> tuple[int, int, str]:
        name, kind = rows[oid]
        if oid in chain:
            return (0, chain.index(oid), "")
        if kind in {str(k) for k in CERT_KINDS}:  # the Landes-CERT before the Kommunal-CERT
            return (2, list(OrgKind).index(OrgKind(kind)), name.casefold())
        return (1, 0, name.casefold())

    return [SeenBy(oid, rows[oid][0], below.get(oid, 0)) for oid in sorted(rows, key=rank)]


def entry_text(entry: SeenBy, lang: str) -> str:
    if not entry.below:
        return entry.name
    n = entry.below
    if lang == "de":
        return f"{entry.name} mit " + ("der untergeordneten Stelle" if n == 1 else f"allen {n} untergeordneten Stellen")
    return f"{entry.name} with " + ("the organisation below it" if n == 1 else f"all {n} organisations below it")


def in_words(vis: Visibility, lang: str) -> str:
    """One sentence: "sichtbar für: Gemeinde A1, VG A, Kreis A, Landes-CERT, Kommunal-CERT"."""
    de = lang == "de"
    people = ", ".join(vis.persons)
    if vis.scope == "public":
        return "öffentlich: alle, auch ohne Anmeldung" if de else "public: anyone, also without login"
    if vis.scope == "members":
        return ("alle angemeldeten Organisationen der Plattform" if de
                else "every logged-in organisation of the platform")
    if vis.scope == "persons":
        text = (f"nur die Person, die sie erstellt hat, und {vis.person_count} genannte Person(en)" if de
                else f"only the person who created it and {vis.person_count} named person(s)")
        return f"{text}: {people}" if people else text
    text = ("sichtbar für: " if de else "visible to: ") + ", ".join(entry_text(e, lang) for e in vis.orgs)
    if vis.person_count:
        text += (f"; dazu {vis.person_count} genannte Person(en)" if de
                 else f"; also {vis.person_count} named person(s)") + (f": {people}" if people else "")
    return text
