"""Stable feed URLs for appliances that can only do an HTTP GET (firewalls, DNS servers, SIEMs).

``GET /feeds/{format}?token=kc_…`` (or ``Authorization: Bearer``) streams what the token's user may
see; without a token only TLP:CLEAR indicators (the public feed). Every download is audited.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from kommcert.accounts import service as accounts_service
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.db import utcnow
from kommcert.deps import DbSession, SettingsDep, client_ip, get_actor
from kommcert.errors import AuthenticationFailed
from kommcert.indicators import service as indicators_service
from kommcert.indicators.feeds import DNS_TYPES, FEEDS, FeedContext, FeedFormat
from kommcert.indicators.types import IndicatorType
from kommcert.sharing.actor import Actor

router = APIRouter(prefix="/feeds", tags=["feeds"])


def feed_actor(request: Request, db: DbSession, token: str | None = Query(None, max_length=200)) -> Actor:
    if token is None:
        return get_actor(request, db)
    found = accounts_service.resolve_token(db, token, ip=client_ip(request))
    if found is None:
        db.commit()  # keep the audit entry of the rejected token
        raise AuthenticationFailed("Token ungültig, abgelaufen oder widerrufen.", "Token invalid, expired or revoked.")
    return accounts_service.actor_for(db, found.user, token=found)


FeedActor = Annotated[Actor, Depends(feed_actor)]


@router.get("/{fmt}", summary="Indicator feed for appliances")
def feed(fmt: FeedFormat, request: Request, db: DbSession, actor: FeedActor, settings: SettingsDep,
         type: list[IndicatorType] | None = Query(None, description="Only these types"),  # noqa: A002
         ) -> StreamingResponse:
    spec = FEEDS[fmt]
    types = frozenset(type) if type else (DNS_TYPES if fmt == FeedFormat.rpz else None)
    context = FeedContext(generated=utcnow(), producer=f"kommcert {settings.cert_name}",
                          zone=settings.rpz_zone, types=types)
    audit_service.record(db, AuditEvent(events.EXPORTED, actor_user_id=actor.user_id, org_id=actor.org_id,
                                        object_type="feed", object_id=fmt.value, ip=client_ip(request),
                                        detail={"types": sorted(t.value for t in types or ())}))
    factory = request.app.state.sessionmaker

    def body() -> Iterator[bytes]:
        # The request's session is closed once the handler returns; the stream reads with its own.
        with factory() as stream_db:
            rows = indicators_service.export_rows(stream_db, actor=actor, blocking=spec.blocking,
                                                  types=sorted(types) if types else None)
            for chunk in spec.write(rows, context):
                yield chunk.encode()

    return StreamingResponse(body(), media_type=spec.content_type, headers={
        "Content-Disposition": f'inline; filename="{spec.filename}"', "Cache-Control": "no-store"})
