from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from kommcert.accounts import service as accounts_service
from kommcert.api.auth import PersonActor, require_writer
from kommcert.deps import DbSession
from kommcert.notifications import service as notifications_service
from kommcert.notifications.models import NotificationMode

router = APIRouter(tags=["me"])


class MeRead(BaseModel):
    user_id: int
    email: str
    name: str
    role: str
    org_id: int
    org_name: str
    org_kind: str
    token_scope: str | None
    notification_mode: NotificationMode


class MeUpdate(BaseModel):
    """Own settings: ``notification_mode`` is ``immediate`` (one e-mail per notification) or ``digest``
    (one e-mail a day)."""

    notification_mode: NotificationMode


def _me(user, actor) -> MeRead:  # noqa: ANN001
    return MeRead(
        user_id=user.id, email=user.email, name=user.name, role=str(user.role), org_id=user.org_id,
        org_name=user.org.name, org_kind=str(user.org.kind),
        token_scope=str(actor.token_scope) if actor.token_scope else None,
        notification_mode=NotificationMode(user.notification_mode),
    )


@router.get("/me", response_model=MeRead)
def read_me(db: DbSession, actor: PersonActor) -> MeRead:
    return _me(accounts_service.get_user(db, actor.user_id), actor)  # type: ignore[arg-type]


@router.patch("/me", response_model=MeRead, dependencies=[Depends(require_writer)])
def update_me(db: DbSession, actor: PersonActor, me_in: MeUpdate) -> MeRead:
    """Change own settings (how notifications arrive)."""
    return _me(notifications_service.set_mode(db, actor=actor, mode=me_in.notification_mode), actor)
