from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from kommcert.accounts import service as accounts_service
from kommcert.api.auth import PersonActor
from kommcert.deps import DbSession

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


@router.get("/me", response_model=MeRead)
def read_me(db: DbSession, actor: PersonActor) -> MeRead:
    user = accounts_service.get_user(db, actor.user_id)  # type: ignore[arg-type]
    return MeRead(
        user_id=user.id, email=user.email, name=user.name, role=str(user.role), org_id=user.org_id,
        org_name=user.org.name, org_kind=str(user.org.kind),
        token_scope=str(actor.token_scope) if actor.token_scope else None,
    )
