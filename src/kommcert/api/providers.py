"""The registry of helpers: certified providers and the MIRT (read for members, edit for admins)."""

from __future__ import annotations

from fastapi import APIRouter

from kommcert.api.auth import UserActor, WriterActor
from kommcert.deps import DbSession
from kommcert.orgs.models import OrgKind
from kommcert.providers import service as providers_service
from kommcert.providers.models import Skill
from kommcert.providers.schemas import ProviderIn, ProviderPage, ProviderRead
from kommcert.validation import Id

router = APIRouter(prefix="/providers", tags=["providers"])


@router.get("", response_model=ProviderPage)
def list_providers(db: DbSession, actor: UserActor, skill: Skill | None = None, region_id: Id | None = None,
                   kind: OrgKind | None = None) -> ProviderPage:
    """Every member sees who helps; people's phone numbers only CERT users and the provider's own users."""
    profiles = providers_service.list_providers(db, actor=actor, skill=skill, region_id=region_id, kind=kind)
    return ProviderPage(items=[providers_service.to_read(p, actor) for p in profiles])


@router.get("/{org_id}", response_model=ProviderRead)
def read_provider(org_id: Id, db: DbSession, actor: UserActor) -> ProviderRead:
    return providers_service.to_read(providers_service.get_provider(db, actor=actor, org_id=org_id), actor)


@router.put("/{org_id}", response_model=ProviderRead)
def update_provider(org_id: Id, provider_in: ProviderIn, db: DbSession, actor: WriterActor) -> ProviderRead:
    """Create or replace the profile: CERT administrators and the provider's own administrators."""
    profile = providers_service.update_provider(db, actor=actor, org_id=org_id, data=provider_in)
    return providers_service.to_read(profile, actor)
