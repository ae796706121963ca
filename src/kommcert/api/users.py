from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from kommcert.accounts import invitations
from kommcert.accounts import service as accounts_service
from kommcert.accounts.schemas import UserCreate, UserCreated, UserRead, UserUpdate
from kommcert.api.auth import PersonActor, WriterActor
from kommcert.deps import DbSession, SettingsDep
from kommcert.orgs import service as orgs_service
from kommcert.validation import Id

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=list[UserRead])
def list_users(db: DbSession, actor: PersonActor, org_id: Id | None = None) -> list[UserRead]:
    users = accounts_service.list_users(db, actor=actor, org_id=org_id or actor.org_id)  # type: ignore[arg-type]
    return [UserRead.model_validate(u) for u in users]


@router.post("", response_model=UserCreated, status_code=201)
def create_user(user_in: UserCreate, db: DbSession, actor: WriterActor, settings: SettingsDep) -> UserCreated:
    accounts_service.list_users(db, actor=actor, org_id=user_in.org_id)  # 404 unless the actor administers it
    user, link = invitations.invite_user(db, actor=actor, org=orgs_service.get(db, user_in.org_id),
                                         email=user_in.email, name=user_in.name, role=user_in.role,
                                         base_url=settings.base_url)
    return UserCreated(**UserRead.model_validate(user).model_dump(), invitation_url=link)


@router.get("/{user_id}", response_model=UserRead)
def read_user(user_id: Id, db: DbSession, actor: PersonActor) -> UserRead:
    return UserRead.model_validate(accounts_service.managed_user(db, actor=actor, user_id=user_id))


@router.patch("/{user_id}", response_model=UserRead)
def update_user(user_id: Id, user_in: UserUpdate, db: DbSession, actor: WriterActor) -> UserRead:
    user = accounts_service.update_user(db, actor=actor, user_id=user_id, **user_in.model_dump())
    return UserRead.model_validate(user)


class InvitationRead(BaseModel):
    invitation_url: str = Field(description="Shown once; also mailed to the user. The previous link stops working.")


@router.post("/{user_id}/invitation", response_model=InvitationRead, status_code=201)
def reinvite_user(user_id: Id, db: DbSession, actor: WriterActor, settings: SettingsDep) -> InvitationRead:
    """A new invitation for an account whose owner has not set a password yet."""
    _, link = invitations.reinvite(db, actor=actor, user_id=user_id, base_url=settings.base_url)
    return InvitationRead(invitation_url=link)
