"""Pages of the registry of helpers: the list (with a skills filter) and one provider."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kommcert.deps import DbSession
from kommcert.providers import service as providers_service
from kommcert.providers.models import SKILL_LABELS_DE, Skill
from kommcert.validation import Id
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()
_SKILLS = [(s.value, SKILL_LABELS_DE[s]) for s in Skill]


@router.get("/providers")
def provider_list(request: Request, db: DbSession, actor: PageActor, skill: str = "") -> Response:
    chosen = Skill(skill) if skill in Skill.__members__ else None
    return render(request, "providers/list.html", {
        "providers": providers_service.list_providers(db, actor=actor, skill=chosen),
        "skills": _SKILLS, "skill": chosen.value if chosen else "", "labels": SKILL_LABELS_DE,
    })


@router.get("/providers/{org_id}")
def provider_detail(org_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    profile = providers_service.get_provider(db, actor=actor, org_id=org_id)
    return render(request, "providers/detail.html", {
        "provider": profile, "org": profile.org,
        "phones_visible": providers_service.can_see_phones(actor, profile.org_id),
        "can_edit": providers_service.can_edit(actor, profile.org_id),
    })
