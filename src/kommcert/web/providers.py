"""Pages of the registry of helpers: the list (with a skills filter), one provider, its edit form."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kommcert.deps import DbSession
from kommcert.errors import DomainError, InvalidInput
from kommcert.providers import service as providers_service
from kommcert.providers.models import SKILL_LABELS_DE, Skill
from kommcert.providers.schemas import ProviderIn
from kommcert.validation import Id, parse_id
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()
_SKILLS = [(s.value, SKILL_LABELS_DE[s]) for s in Skill]
_FIELDS_DE = {"qualifications": "Qualifikationen", "skills": "Fähigkeiten", "region_ids": "Regionen",
              "on_call_phone": "Rufbereitschaft"}


@router.get("/providers")
def provider_list(request: Request, db: DbSession, actor: PageActor, skill: str = "") -> Response:
    chosen = Skill(skill) if skill in Skill.__members__ else None
    return render(request, "providers/list.html", {
        "providers": providers_service.list_providers(db, actor=actor, skill=chosen),
        "skills": _SKILLS, "skill": chosen.value if chosen else "",
    })


def _detail(request: Request, db, actor, org_id: int, error: DomainError | None = None,  # noqa: ANN001
            status_code: int = 200) -> Response:
    profile = providers_service.get_provider(db, actor=actor, org_id=org_id)
    can_edit = providers_service.can_edit(actor, profile.org_id)
    return render(request, "providers/detail.html", {
        "provider": profile, "org": profile.org,
        "phones_visible": providers_service.can_see_phones(actor, profile.org_id),
        "can_edit": can_edit, "skills": _SKILLS, "error": error,
        "regions": providers_service.region_choices(db) if can_edit else [],
        "region_ids": {r.id for r in profile.regions},
    }, status_code=status_code)


@router.get("/providers/{org_id}")
def provider_detail(org_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return _detail(request, db, actor, org_id)


def _provider_in(qualifications: str, skills: list[str], region_ids: list[str], on_call_phone: str) -> ProviderIn:
    ids = [parse_id(r) for r in region_ids]
    if None in ids:
        raise InvalidInput("Bitte das Feld „Regionen“ prüfen.", "Please check the field 'Regionen'.")
    try:
        return ProviderIn(qualifications=[q for q in qualifications.splitlines() if q.strip()], skills=skills,
                          region_ids=ids, on_call_phone=on_call_phone, people=None)
    except ValidationError as exc:
        field = _FIELDS_DE.get(str(exc.errors()[0]["loc"][0]), str(exc.errors()[0]["loc"][0]))
        raise InvalidInput(f"Bitte das Feld „{field}“ prüfen.", f"Please check the field '{field}'.") from None


@router.post("/providers/{org_id}")
def save_provider(
    org_id: Id, request: Request, db: DbSession, actor: PageActor, qualifications: str = Form(""),
    skill: list[str] = Form([]), region_id: list[str] = Form([]), on_call_phone: str = Form(""),
) -> Response:
    """CERT administrators and the provider's own administrators; the people stay as they are."""
    try:
        data = _provider_in(qualifications, skill, region_id, on_call_phone)
        providers_service.update_provider(db, actor=actor, org_id=org_id, data=data)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        return _detail(request, db, actor, org_id, exc, exc.status_code)
    return RedirectResponse(f"/providers/{org_id}", status_code=303)
