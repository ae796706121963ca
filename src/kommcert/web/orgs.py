"""Organisation pages: tree browser, detail with contacts and proposals, printable emergency card."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from kommcert.deps import DbSession, SettingsDep
from kommcert.errors import DomainError, NotFound
from kommcert.orgs import emergency, proposals
from kommcert.orgs import service as orgs_service
from kommcert.orgs.models import CONTACT_ROLE_LABELS_DE, ContactRole, OrgContact, ProposalAction
from kommcert.orgs.schemas import ContactIn
from kommcert.validation import Id
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()
_ROLES = [(r.value, CONTACT_ROLE_LABELS_DE[r]) for r in ContactRole]


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
        "proposals": proposals.list_proposals(db, actor=actor, org_id=org.id) if contacts_visible else [],
        "can_manage": orgs_service.can_manage(db, actor, org),
        "can_propose": contacts_visible and proposals.can_propose(db, actor, org.id),
        "administers": orgs_service.administers(db, actor, org.id),
        "roles": _ROLES,
        "error": error,
    }, status_code=status_code)


@router.get("/orgs/{org_id}")
def detail(org_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return _detail(request, db, actor, org_id)


def _contact_in(role: str, name: str, email: str, phone: str, phone_out_of_band: str, notes: str) -> ContactIn:
    try:
        return ContactIn(role=role, name=name, email=email, phone=phone, phone_out_of_band=phone_out_of_band,
                         notes=notes)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise DomainError(f"Bitte das Feld „{field}“ prüfen.", f"Please check the field '{field}'.") from None


@router.post("/orgs/{org_id}/contacts")
def save_contact(
    org_id: Id, request: Request, db: DbSession, actor: PageActor, role: str = Form(""), name: str = Form(""),
    email: str = Form(""), phone: str = Form(""), phone_out_of_band: str = Form(""), notes: str = Form(""),
    contact_id: Id | None = Form(None),
) -> Response:
    try:
        contact_in = _contact_in(role, name, email, phone, phone_out_of_band, notes)
    except DomainError as exc:
        return _detail(request, db, actor, org_id, exc, 422)
    try:
        orgs_service.upsert_contact(db, actor=actor, org_id=org_id, contact_in=contact_in, contact_id=contact_id)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        return _detail(request, db, actor, org_id, exc, exc.status_code)
    return RedirectResponse(f"/orgs/{org_id}#kontakte", status_code=303)


@router.get("/orgs/{org_id}/contacts/{contact_id}")
def contact_form(org_id: Id, contact_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    """Administrators edit a contact here; members propose a change or its removal."""
    contacts = orgs_service.list_contacts(db, actor=actor, org_id=org_id)  # 404 for whoever may not see them
    contact = next((c for c in contacts if c.id == contact_id), None)
    if contact is None:
        raise NotFound("Kontakt nicht gefunden.", "Contact not found.")
    return _contact_page(request, db, actor, contact)


def _contact_page(request: Request, db, actor, contact: OrgContact, error: DomainError | None = None,  # noqa: ANN001
                  status_code: int = 200) -> Response:
    org = orgs_service.get(db, contact.org_id)
    return render(request, "orgs/contact.html", {
        "org": org, "contact": contact, "roles": _ROLES, "error": error,
        "can_manage": orgs_service.can_manage(db, actor, org),
        "can_propose": proposals.can_propose(db, actor, org.id)}, status_code=status_code)


@router.post("/orgs/{org_id}/contacts/{contact_id}/delete")
def remove_contact(org_id: Id, contact_id: Id, db: DbSession, actor: PageActor) -> Response:
    orgs_service.delete_contact(db, actor=actor, org_id=org_id, contact_id=contact_id)
    return RedirectResponse(f"/orgs/{org_id}#kontakte", status_code=303)


@router.post("/orgs/{org_id}/proposals")
def propose(
    org_id: Id, request: Request, db: DbSession, actor: PageActor, settings: SettingsDep,
    action: str = Form("create"), contact_id: Id | None = Form(None), role: str = Form(""), name: str = Form(""),
    email: str = Form(""), phone: str = Form(""), phone_out_of_band: str = Form(""), notes: str = Form(""),
    comment: str = Form(""),
) -> Response:
    chosen = ProposalAction(action) if action in ProposalAction.__members__ else ProposalAction.create
    try:
        contact_in = None if chosen == ProposalAction.delete else _contact_in(role, name, email, phone,
                                                                              phone_out_of_band, notes)
        proposals.propose(db, actor=actor, org_id=org_id, action=chosen, contact_in=contact_in,
                          contact_id=contact_id, comment=comment, base_url=settings.base_url)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        return _detail(request, db, actor, org_id, exc, exc.status_code if exc.status_code != 400 else 422)
    return RedirectResponse(f"/orgs/{org_id}?proposed=1#vorschlaege", status_code=303)


@router.post("/orgs/{org_id}/proposals/{proposal_id}/{decision}")
def decide(org_id: Id, proposal_id: Id, decision: str, request: Request, db: DbSession,
           actor: PageActor) -> Response:
    if decision not in ("accept", "reject"):
        raise NotFound()
    try:
        proposals.decide(db, actor=actor, org_id=org_id, proposal_id=proposal_id, accept=decision == "accept")
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        return _detail(request, db, actor, org_id, exc, exc.status_code)
    return RedirectResponse(f"/orgs/{org_id}#kontakte", status_code=303)


@router.get("/orgs/{org_id}/notfallkarte")
def emergency_card(org_id: Id, request: Request, db: DbSession, actor: PageActor,
                   settings: SettingsDep) -> Response:
    org, sections = emergency.emergency_card(db, actor=actor, org_id=org_id)
    from kommcert.incidents.questions import CARD_QUESTIONS

    return render(request, "orgs/card.html", {"org": org, "sections": sections, "questions": CARD_QUESTIONS,
                                              "hotline": settings.cert_hotline, "cert_name": settings.cert_name})
