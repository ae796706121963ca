"""The page of the federation peers (``/peers``): other kommcert instances, what each may receive and
when it was last in contact in either direction. For CERT administrators only (everyone else: 404, as
for a page that is not there); peers are added on the command line (``kommcert peers add|connect``),
because adding one prints a credential."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from kommcert.deps import DbSession
from kommcert.federation import service
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()


@router.get("/peers")
def peers_page(request: Request, db: DbSession, actor: PageActor) -> Response:
    return render(request, "peers/list.html", {"peers": service.peers_for(db, actor=actor)})
