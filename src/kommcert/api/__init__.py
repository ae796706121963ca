"""JSON API under /api/v1. Each module parses, authorizes, calls one service function, renders."""

from fastapi import APIRouter, Depends

from kommcert.deps import refuse_nul, verify_csrf

router = APIRouter(dependencies=[Depends(refuse_nul), Depends(verify_csrf)])


def _include() -> None:
    from kommcert.api import audit, incidents, indicators, me, orgs, reports, sightings, tokens, users

    for module in (me, orgs, reports, indicators, sightings, users, tokens, audit, incidents):
        router.include_router(module.router)
    from kommcert.api import incident_deadlines

    router.include_router(incident_deadlines.router)

    from kommcert.api import incident_publish

    router.include_router(incident_publish.router)

    from kommcert.api import providers

    router.include_router(providers.router)

    from kommcert.api import contracts

    router.include_router(contracts.router)

    from kommcert.api import deployments

    router.include_router(deployments.router)

    from kommcert.api import help_requests

    router.include_router(help_requests.router)

    from kommcert.api import advisories, advisory_authoring, advisory_sources, inventory

    for module in (advisories, advisory_sources, advisory_authoring, inventory):
        router.include_router(module.router)

    from kommcert.api import awareness

    router.include_router(awareness.router)

    from kommcert.api import advisory_discussion

    router.include_router(advisory_discussion.router)

    from kommcert.api import subscriptions

    router.include_router(subscriptions.router)


_include()
