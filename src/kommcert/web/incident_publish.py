"""The publish part of an incident's case page: the observables marked "teilen" go out as
indicators of the CERT's community report, and the time to protection is shown.

``GET /incidents/{id}/publish`` gives the part alone to htmx (the case page loads it) and a page of
its own otherwise; ``POST`` publishes and answers the same way (without htmx: a redirect back).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from kommcert.deps import DbSession
from kommcert.errors import DomainError, InvalidInput
from kommcert.incidents import publish
from kommcert.incidents.models import OBSERVABLE_TYPE_LABELS_DE
from kommcert.sharing.actor import Actor
from kommcert.sharing.tlp import TLP
from kommcert.validation import Id, parse_id
from kommcert.web.auth import PageActor
from kommcert.web.templating import render

router = APIRouter()


def _htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _render(request: Request, db: DbSession, actor: Actor, incident_id: int, *, status_code: int = 200,
            error: DomainError | None = None, result: publish.PublishResult | None = None,
            tlp: str | None = None) -> Response:
    shown = publish.panel(db, actor=actor, incident_id=incident_id)
    chosen = tlp or (str(shown.report.tlp) if shown.report is not None else str(publish.DEFAULT_TLP))
    template = "incidents/_publish.html" if _htmx(request) else "incidents/publish.html"
    return render(request, template, {"publish_panel": shown, "publish_error": error, "publish_result": result,
                                      "publish_tlps": publish.ALLOWED_TLP, "publish_tlp": chosen,
                                      "publish_type_labels": OBSERVABLE_TYPE_LABELS_DE},
                  status_code=status_code)


@router.get("/incidents/{incident_id}/publish")
def publish_part(incident_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    return _render(request, db, actor, incident_id)


@router.post("/incidents/{incident_id}/publish")
async def publish_post(incident_id: Id, request: Request, db: DbSession, actor: PageActor) -> Response:
    form = await request.form()
    tlp_text = str(form.get("tlp") or "")
    try:
        try:
            tlp = TLP.parse(tlp_text) if tlp_text else None
        except ValueError:
            raise InvalidInput("Unbekannte TLP-Stufe.", "Unknown TLP level.") from None
        picked = [str(v) for v in form.getlist("observable")]
        ids = [i for i in map(parse_id, picked) if i is not None]
        if len(ids) != len(picked):
            raise InvalidInput("Unbekannte Beobachtung.", "Unknown observable.")
        result = publish.publish_observables(db, actor=actor, incident_id=incident_id, observable_ids=ids or None,
                                             tlp=tlp)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        return _render(request, db, actor, incident_id, status_code=exc.status_code, error=exc, tlp=tlp_text or None)
    if not _htmx(request):
        return RedirectResponse(f"/incidents/{incident_id}/publish", status_code=303)
    return _render(request, db, actor, incident_id, result=result)
