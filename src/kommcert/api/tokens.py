from __future__ import annotations

from fastapi import APIRouter

from kommcert.accounts import service as accounts_service
from kommcert.accounts.schemas import ServiceTokenCreate, TokenCreate, TokenCreated, TokenRead
from kommcert.api.auth import PersonActor, WriterActor
from kommcert.deps import DbSession
from kommcert.validation import Id

router = APIRouter(prefix="/tokens", tags=["tokens"])


@router.get("", response_model=list[TokenRead])
def list_tokens(db: DbSession, actor: PersonActor, user_id: Id | None = None) -> list[TokenRead]:
    user = accounts_service.get_user(db, user_id or actor.user_id)  # type: ignore[arg-type]
    return [TokenRead.model_validate(t) for t in accounts_service.list_tokens(db, actor=actor, user=user)]


@router.post("", response_model=TokenCreated, status_code=201)
def create_token(token_in: TokenCreate, db: DbSession, actor: WriterActor) -> TokenCreated:
    text, token = accounts_service.create_own_token(db, actor=actor, name=token_in.name, scope=token_in.scope,
                                                    expires_at=token_in.expires_at, for_user_id=token_in.user_id)
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=text)


@router.get("/service", response_model=list[TokenRead])
def list_service_tokens(db: DbSession, actor: PersonActor, org_id: Id | None = None) -> list[TokenRead]:
    """An organisation's service tokens (default the caller's): for its administrators and those of the
    organisations above it; the own list is empty for everyone else, another organisation's 404."""
    return [TokenRead.model_validate(t) for t in accounts_service.service_tokens(db, actor=actor, org_id=org_id)]


@router.post("/service", response_model=TokenCreated, status_code=201)
def create_service_token(token_in: ServiceTokenCreate, db: DbSession, actor: WriterActor) -> TokenCreated:
    """A token of an organisation (default the caller's) for appliances: sees what the organisation
    sees, never what is addressed to a named person, never TLP:RED; changes nothing except, with
    scope 'scan', the scanner's sightings. Administrators of the organisation or above it only."""
    text, token = accounts_service.create_service_token(db, actor=actor, name=token_in.name,
                                                        expires_at=token_in.expires_at, scope=token_in.scope,
                                                        org_id=token_in.org_id)
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=text)


@router.delete("/{token_id}", status_code=204)
def revoke_token(token_id: Id, db: DbSession, actor: WriterActor) -> None:
    token = accounts_service.token_for(db, actor=actor, token_id=token_id)
    accounts_service.revoke_token(db, actor=actor, token=token)
