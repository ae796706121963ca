from __future__ import annotations

import secrets

from fastapi import APIRouter

from kommcert.accounts import service as accounts_service
from kommcert.accounts.schemas import UserCreate, UserCreated, UserRead, UserUpdate
from kommcert.api.auth import UserActor, WriterActor
from kommcert.deps import DbSession
from kommcert.orgs import service as orgs_service
from kommcert.validation import Id

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=list[UserRead])
def list_users(db: DbSession, actor: UserActor, org_id: Id | None = None) -> list[UserRead]:
    users = accounts_service.list_users(db, actor=actor, org_id=org_id or actor.org_id)  # type: ignore[arg-type]
    return [UserRead.model_validate(u) for u in users]


@router.post("", response_model=UserCreated, status_code=201)
def create_user(user_in: UserCreate, db: DbSession, actor: WriterActor) -> UserCreated:
    accounts_service.list_users(db, actor=actor, org_id=user_in.org_id)  # 404 unless the actor administers it
    password = user_in.password or secrets.token_urlsafe(12)
    user = accounts_service.create_user(db, actor=actor, org=orgs_service.get(db, user_in.org_id),
                                        email=user_in.email, name=user_in.name, role=user_in.role, password=password)
    created = UserCreated.model_validate(user)
    created.initial_password = None if user_in.password else password
    return created


@router.get("/{user_id}", response_model=UserRead)
def read_user(user_id: Id, db: DbSession, actor: UserActor) -> UserRead:
    return UserRead.model_validate(accounts_service.managed_user(db, actor=actor, user_id=user_id))


@router.patch("/{user_id}", response_model=UserRead)
def update_user(user_id: Id, user_in: UserUpdate, db: DbSession, actor: WriterActor) -> UserRead:
    user = accounts_service.update_user(db, actor=actor, user_id=user_id, **user_in.model_dump())
    return UserRead.model_validate(user)
