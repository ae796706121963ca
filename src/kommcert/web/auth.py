"""Page guards: anonymous visitors are sent to the login page, not shown a bare 401."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from kommcert.deps import CurrentActor
from kommcert.sharing.actor import Actor


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def require_page_user(request: Request, actor: CurrentActor) -> Actor:
    if not actor.is_authenticated or actor.user_id is None:  # pages are for persons, not service tokens
        session = getattr(request.state, "user_session", None)
        target = "/login/mfa" if session is not None and not session.mfa_passed else "/login"
        raise LoginRequired(f"{target}?next={quote(request.url.path)}")
    return actor


PageActor = Annotated[Actor, Depends(require_page_user)]


def safe_next(url: str | None) -> str:
    """Only same-site relative paths; anything else goes home (no open redirects)."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    return url
