"""The municipality's consent that its IT service providers see its sightings and feed fetches
(a part of its organisation page, loaded by htmx; the start pages are in ``pages``)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kommcert.deps import DbSession
from kommcert.errors import NotFound
from kommcert.home import access
from kommcert.validation import Id
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()


def _own(actor, org_id: int) -> None:  # noqa: ANN001
    # Whether a municipality allowed its provider anything is its own business: others get 404.
    if actor.org_id != org_id:
        raise NotFound("Organisation nicht gefunden.", "Organisation not found.")


@router.get("/orgs/{org_id}/provider-access")
def provider_access(org_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    _own(actor, org_id)
    return render(request, "home/_provider_access.html", {
        "org_id": org_id, "providers": access.providers_of(db, org_id), "granted": access.is_granted(db, org_id),
        "may_change": access.may_change(actor, org_id)})


@router.post("/orgs/{org_id}/provider-access")
def set_provider_access(org_id: Id, db: DbSession, actor: PageActor, granted: str = Form("")) -> Response:
    _own(actor, org_id)
    access.set_access(db, actor=actor, org_id=org_id, granted=granted == "ja")
    return RedirectResponse(f"/orgs/{org_id}#dienstleister", status_code=303)
