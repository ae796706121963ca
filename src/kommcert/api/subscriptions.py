"""Subscriptions under /api/v1/subscriptions: members of the owning organisation read, its analysts and
administrators write (``subscriptions.service``); other organisations get 404. The secret is
accepted, never answered (``has_secret``)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from kommcert.api.auth import UserActor, WriterActor
from kommcert.deps import DbSession, SettingsDep
from kommcert.subscriptions import service
from kommcert.subscriptions.models import Subscription
from kommcert.subscriptions.schemas import PullRead, SubscriptionIn, SubscriptionRead, SubscriptionUpdate
from kommcert.validation import Id

router = APIRouter(tags=["subscriptions"])


def _read(sub: Subscription) -> SubscriptionRead:
    return SubscriptionRead(**service.read_model(sub))


@router.get("/subscriptions", response_model=list[SubscriptionRead])
def list_subscriptions(db: DbSession, actor: UserActor) -> list[SubscriptionRead]:
    """The organisation's subscriptions with their health (last attempt and success, last error,
    consecutive failures, next attempt, counts)."""
    return [_read(s) for s in service.list_subscriptions(db, actor=actor)]


@router.post("/subscriptions", response_model=SubscriptionRead, status_code=201)
def add_subscription(data: SubscriptionIn, db: DbSession, actor: WriterActor,
                     settings: SettingsDep) -> SubscriptionRead:
    """Subscribe to a TAXII 2.1 collection, a MISP feed or a CSV/text list (the host must be in
    KOMMCERT_OUTBOUND_HOSTS). The first pull follows with the next run of the periodic job."""
    return _read(service.add_subscription(db, actor=actor, data=data, settings=settings))


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionRead)
def read_subscription(subscription_id: Id, db: DbSession, actor: UserActor) -> SubscriptionRead:
    return _read(service.get_subscription(db, actor=actor, subscription_id=subscription_id))


@router.patch("/subscriptions/{subscription_id}", response_model=SubscriptionRead)
def update_subscription(subscription_id: Id, data: SubscriptionUpdate, db: DbSession, actor: WriterActor,
                        settings: SettingsDep) -> SubscriptionRead:
    return _read(service.update_subscription(db, actor=actor, subscription_id=subscription_id, data=data,
                                             settings=settings))


@router.delete("/subscriptions/{subscription_id}", status_code=204)
def remove_subscription(subscription_id: Id, db: DbSession, actor: WriterActor) -> Response:
    """The subscription goes; the reports it filled stay (withdraw them like any report)."""
    service.remove_subscription(db, actor=actor, subscription_id=subscription_id)
    return Response(status_code=204)


@router.post("/subscriptions/{subscription_id}/pull", response_model=PullRead)
def pull_subscription(subscription_id: Id, db: DbSession, actor: WriterActor, settings: SettingsDep) -> PullRead:
    """Pull now, in the request (a failure is answered in ``error`` and kept as the last error)."""
    result = service.pull_now(db, actor=actor, subscription_id=subscription_id, settings=settings)
    return PullRead(subscription_id=result.subscription_id, ok=result.ok, not_modified=result.not_modified,
                    imported=result.imported, removed=result.removed, rejected=result.rejected,
                    error=result.error_de)
