"""Organisation pages: tree browser, detail with contacts, printable emergency card."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kommcert.deps import DbSession, SettingsDep
from kommcert.errors import DomainError
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import CONTACT_ROLE_LABELS_DE, ContactRole
from kommcert.orgs.schemas import ContactIn
from kommcert.validation import Id
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()


@router.get("/orgs")
def tree(request: Request, db: DbSession, actor: PageActor, q: str | None = None) -> Response:
    if q:
        return render(request, "orgs/search.html", {"q": q, "orgs": orgs_service.search(db, q=q, limit=100)})
    return render(request, "orgs/tree.html", {"roots": orgs_service.list_children(db, None),
                                              "own_path": set(actor.org_path)})


@router.get("/orgs/{org_id}/children")
def children(org_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    orgs_service.get(db, org_id)
    return render(request, "orgs/_children.html", {"children": orgs_service.list_children(db, org_id),
                                                   "own_path": set(actor.org_path)})


def _detail(request: Request, db, actor, org_id: Id, error: DomainError | None = None,  # noqa: ANN001
            status_code: int = 200) -> Response:
    org = orgs_service.get(db, org_id)
    contacts_visible = orgs_service.can_see_contacts(db, actor, org)
    return render(request, "orgs/detail.html", {
        "org": org,
        "breadcrumb": orgs_service.breadcrumb(db, org),
        "children": orgs_service.list_children(db, org.id),
        "contacts": orgs_service.list_contacts(db, actor=actor, org_id=org.id) if contacts_visible else None,
        "can_manage": orgs_service.can_manage(db, actor, org),
        "roles": [(r.value, CONTACT_ROLE_LABELS_DE[r]) for r in ContactRole],
        "error": error,
    }, status_code=status_code)


@router.get("/orgs/{org_id}")
def detail(org_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return _detail(request, db, actor, org_id)


@router.post("/orgs/{org_id}/contacts")
def save_contact(
    org_id: Id, request: Request, db: DbSession, actor: PageActor, role: str = Form(""), name: str = Form(""),
    email: str = Form(""), phone: str = Form(""), phone_out_of_band: str = Form(""), notes: str = Form(""),
    contact_id: Id | None = Form(None),
) -> Response:
    try:
        contact_in = ContactIn(role=role, name=name, email=email, phone=phone,
                               phone_out_of_band=phone_out_of_band, notes=notes)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        error = DomainError(f"Bitte das Feld „{field}“ prüfen.", f"Please check the field '{field}'.")
        return _detail(request, db, actor, org_id, error, 422)
    try:
        orgs_service.upsert_contact(db, actor=actor, org_id=org_id, contact_in=contact_in, contact_id=contact_id)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        return _detail(request, db, actor, org_id, exc, exc.status_code)
    return RedirectResponse(f"/orgs/{org_id}#kontakte", status_code=303)


@router.post("/orgs/{org_id}/contacts/{contact_id}/delete")
def remove_contact(org_id: Id, contact_id: Id, db: DbSession, actor: PageActor) -> Response:
    orgs_service.delete_contact(db, actor=actor, org_id=org_id, contact_id=contact_id)
    return RedirectResponse(f"/orgs/{org_id}#kontakte", status_code=303)


@router.get("/orgs/{org_id}/notfallkarte")
def emergency_card(org_id: Id, request: Request, db: DbSession, actor: PageActor,
                   settings: SettingsDep) -> Response:
    contacts = orgs_service.list_contacts(db, actor=actor, org_id=org_id)
    org = orgs_service.get(db, org_id)
    return render(request, "orgs/card.html", {"org": org, "contacts": contacts,
                                              "hotline": settings.cert_hotline, "cert_name": settings.cert_name})
