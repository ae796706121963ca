"""Server-rendered German pages (Jinja2 + htmx), English switchable with ?lang=en."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from kommcert.deps import refuse_nul, verify_csrf

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI) -> None:
    from kommcert.web import account, audit, home, indicators, orgs, pages, picture, reports, tokens, users
    from kommcert.web import incidents as incident_pages

    router = APIRouter(dependencies=[Depends(refuse_nul), Depends(verify_csrf)], include_in_schema=False)
    for module in (pages, account, orgs, home, reports, incident_pages, picture, indicators, users, tokens, audit):
        router.include_router(module.router)
    from kommcert.web import incident_deadlines as deadline_pages

    router.include_router(deadline_pages.router)
    from kommcert.web import incident_publish as publish_pages

    router.include_router(publish_pages.router)
    from kommcert.web import providers as provider_pages

    router.include_router(provider_pages.router)
    from kommcert.web import contingents as contingent_pages

    router.include_router(contingent_pages.router)
    from kommcert.web import help_requests as help_pages

    router.include_router(help_pages.router)
    from kommcert.web import deployments as deployment_pages

    router.include_router(deployment_pages.router)
    from kommcert.web import advisories, advisory_authoring, advisory_sources, inventory

    for module in (advisories, advisory_sources, advisory_authoring, inventory):
        router.include_router(module.router)
    from kommcert.web import advisory_discussion as advisory_discussion_pages

    router.include_router(advisory_discussion_pages.router)
    from kommcert.web import subscriptions as subscription_pages

    router.include_router(subscription_pages.router)
    from kommcert.web import peers as peer_pages

    router.include_router(peer_pages.router)
    from kommcert.web import awareness as awareness_pages

    router.include_router(awareness_pages.router)
    app.include_router(router)
    from kommcert.web import csaf_provider  # /.well-known/csaf: public (TLP:CLEAR) or by token, no CSRF (GET only)

    app.include_router(csaf_provider.router, dependencies=[Depends(refuse_nul)], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    from fastapi.responses import RedirectResponse

    from kommcert.web.auth import LoginRequired

    @app.exception_handler(LoginRequired)
    async def _to_login(request, exc: LoginRequired):  # noqa: ANN001, ANN202
        return RedirectResponse(exc.next_url, status_code=303)
