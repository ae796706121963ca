"""Phishing simulations: import a GoPhish campaign as sums per organisation and group, and read them back.

A campaign is a ``Shared`` row (AMBER+STRICT, ``upward``) owned by the organisation it tested; its groups
are parts of it. The import keeps only the sums of ``gophish.merge_small`` — groups of five or fewer never
reach the database — and reads the file in memory (never spooled to disk). Reading hides any stored group
below six recipients too (``suppressed``), so an older or hand-made row cannot show one either.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.awareness import access, coverage, gophish
from kommcert.awareness.models import PhishingCampaign, PhishingGroup
from kommcert.errors import InvalidInput, NotFound, PermissionDenied
from kommcert.orgs.models import Organization, OrgKind
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor
from kommcert.sharing.service import get_or_404
from kommcert.sharing.tlp import TLP

FIELDS = ("recipients", "sent", "opened", "clicked", "submitted", "reported")


def import_campaign(db: Session, *, actor: Actor, org_id: int, data: bytes, name: str = "",
                    filename: str = "") -> PhishingCampaign:
    """Read a GoPhish results file (CSV or API JSON) and store the campaign's sums for ``org_id``."""
    org = db.get(Organization, org_id)
    if org is None or not access.may_see_missing(db, actor, org_id):
        raise NotFound()
    if not access.may_import_for(db, actor, org_id):
        raise PermissionDenied("Kampagnen liest die Organisation selbst, eine übergeordnete Stelle oder ein CERT ein.",
                               "Campaigns are imported by the organisation, an organisation above it or a CERT.")
    parsed = gophish.read(data, filename)
    title = " ".join((name or parsed.name or filename or "GoPhish-Kampagne").split())[:200]
    if "\x00" in title:
        raise InvalidInput("Name: enthält ein NUL-Zeichen.", "Name: contains NUL.")
    shown, rest, merged = gophish.merge_small(parsed.groups)
    total = parsed.total
    campaign = PhishingCampaign(owner_org_id=org.id, created_by_id=actor.user_id, tlp=TLP.amber_strict, upward=True,
                                name=title, source=parsed.source, sent_on=parsed.first_send, merged_groups=merged,
                                **total.as_dict())
    db.add(campaign)
    db.flush()
    rows = [PhishingGroup(campaign_id=campaign.id, label=label, merged=False, **c.as_dict()) for label, c in shown]
    if rest is not None:
        rows.append(PhishingGroup(campaign_id=campaign.id, label=gophish.MERGED_LABEL, merged=True, **rest.as_dict()))
    db.add_all(rows)
    db.flush()
    # Counts only: no campaign name (it may name people or a team), no group labels, and no sums at all for a
    # campaign of five or fewer recipients (reading hides it, so the log must not show it either).
    detail: dict[str, object] = {"source": parsed.source, "groups": len(shown), "merged": merged}
    if not suppressed(campaign):
        detail |= total.as_dict()
    audit_service.record(db, AuditEvent(events.PHISHING_CAMPAIGN_IMPORTED, actor_user_id=actor.user_id,
                                        org_id=org.id, object_type="phishing_campaign", object_id=campaign.id,
                                        detail=detail))
    return campaign


def suppressed(row: PhishingGroup | PhishingCampaign) -> bool:
    return row.recipients < gophish.MIN_GROUP


@dataclass
class CampaignView:
    campaign: PhishingCampaign
    org_name: str
    kreis_name: str
    groups: list[PhishingGroup]  # groups of six or more only

    @property
    def hidden(self) -> int:
        """Groups not shown by name: merged on import (their names are not kept)."""
        return self.campaign.merged_groups


def rate(part: int, whole: int) -> int | None:
    return None if whole <= 0 else round(part * 100 / whole)


def list_campaigns(db: Session, actor: Actor, *, org_id: int | None = None, limit: int = 500) -> list[CampaignView]:
    """The campaigns the actor may see (the policy), newest first."""
    if not actor.is_authenticated:
        raise NotFound()
    stmt = policy.visible(select(PhishingCampaign, Organization.name).join(
        Organization, Organization.id == PhishingCampaign.owner_org_id), PhishingCampaign, actor)
    if org_id is not None:
        stmt = stmt.where(PhishingCampaign.owner_org_id == org_id)
    stmt = stmt.order_by(PhishingCampaign.imported_at.desc(), PhishingCampaign.id.desc()).limit(limit)
    found = db.execute(stmt).all()
    ids = [c.id for c, _ in found]
    groups: dict[int, list[PhishingGroup]] = defaultdict(list)
    for g in db.scalars(select(PhishingGroup).where(PhishingGroup.campaign_id.in_(ids)).order_by(
            PhishingGroup.merged, PhishingGroup.label)):
        if not suppressed(g):
            groups[g.campaign_id].append(g)
    kreise = coverage.kreis_map(db, {c.owner_org_id for c, _ in found})
    return [CampaignView(c, name, kreise.get(c.owner_org_id, (None, ""))[1], groups[c.id])
            for c, name in found if not suppressed(c)]


def get_campaign(db: Session, actor: Actor, campaign_id: int) -> CampaignView:
    campaign = get_or_404(db, PhishingCampaign, campaign_id, actor)
    if suppressed(campaign):
        raise NotFound()
    org = db.get(Organization, campaign.owner_org_id)
    groups = [g for g in db.scalars(select(PhishingGroup).where(PhishingGroup.campaign_id == campaign.id).order_by(
        PhishingGroup.merged, PhishingGroup.label)) if not suppressed(g)]
    kreis = coverage.kreis_map(db, {campaign.owner_org_id}).get(campaign.owner_org_id, (None, ""))[1]
    return CampaignView(campaign, org.name if org else "", kreis, groups)


@dataclass
class AreaSums:
    name: str
    campaigns: int
    sums: dict[str, int]


def by_kreis(db: Session, actor: Actor, views: list[CampaignView] | None = None) -> list[AreaSums]:
    """The visible campaigns summed per Kreis (shown to the Kreis and above and the CERTs, as coverage is)."""
    views = list_campaigns(db, actor) if views is None else views
    areas: dict[str, AreaSums] = {}
    kreise = coverage.kreis_map(db, {v.campaign.owner_org_id for v in views})
    for v in views:
        kreis_id, name = kreise.get(v.campaign.owner_org_id, (None, ""))
        if kreis_id is None or not (actor.is_cert or access.is_above(db, actor, kreis_id)):
            continue
        area = areas.setdefault(name, AreaSums(name, 0, dict.fromkeys(FIELDS, 0)))
        area.campaigns += 1
        for k in FIELDS:
            area.sums[k] += getattr(v.campaign, k)
    if actor.is_cert or (actor.org_kind is not None and OrgKind(actor.org_kind) == OrgKind.land):
        land = AreaSums("Land", len(views), {k: sum(getattr(v.campaign, k) for v in views) for k in FIELDS})
        return sorted(areas.values(), key=lambda a: a.name.lower()) + ([land] if views else [])
    return sorted(areas.values(), key=lambda a: a.name.lower())
