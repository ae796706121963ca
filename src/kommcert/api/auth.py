"""Authorization helpers for API routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from kommcert.deps import CurrentActor
from kommcert.errors import AuthenticationFailed, PermissionDenied
from kommcert.sharing.actor import Actor


def require_user(actor: CurrentActor) -> Actor:
    if not actor.is_authenticated:
        raise AuthenticationFailed("Anmeldung erforderlich.", "Authentication required.")
    return actor


def require_writer(actor: Annotated[Actor, Depends(require_user)]) -> Actor:
    if not actor.can_write:
        raise PermissionDenied(
            "Dieser Zugang darf nur lesen.", "This credential is read-only."
        )
    return actor


def require_person(actor: Annotated[Actor, Depends(require_user)]) -> Actor:
    """Routes about a person's own account (me, tokens, users, audit): not for service tokens."""
    if actor.user_id is None:
        raise PermissionDenied("Ein Organisations-Token gehört keiner Person; diese Funktion braucht eine Person.",
                               "A service token belongs to no person; this needs a person's credential.")
    return actor


UserActor = Annotated[Actor, Depends(require_user)]
WriterActor = Annotated[Actor, Depends(require_writer)]
PersonActor = Annotated[Actor, Depends(require_person)]
