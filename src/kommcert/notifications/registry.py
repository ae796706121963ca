"""Subject types a notification can be about: how to load one, who may see it, how to say it.

``register("incident", loader, renderer)``: ``loader(db, subject_id)`` returns the object or None;
``renderer(obj, ctx)`` returns ``Rendered(subject, text, link)`` for ``ctx.user`` in ``ctx.lang``
(``ctx._`` translates German msgids). ``check(db, actor, obj)`` decides whether the user may be told;
the default is the one policy, ``can(db, actor, VIEW, obj)``. The sending job, not the renderer,
keeps TLP:RED content out of mail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from kommcert.i18n import gettext_for
from kommcert.sharing import policy
from kommcert.sharing.actor import Actor


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    link: str
    html: str | None = None  # an HTML alternative part (escaped by the renderer); never for TLP:RED


@dataclass
class RenderContext:
    db: Session
    user: Any  # accounts.models.User
    lang: str
    event: str
    data: dict[str, Any]
    base_url: str
    _: Callable[..., str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._ = gettext_for(self.lang)

    def url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"


Loader = Callable[[Session, int], Any]
Renderer = Callable[[Any, RenderContext], Rendered]
Check = Callable[[Session, Actor, Any], bool]


def may_view(db: Session, actor: Actor, obj: Any) -> bool:
    return policy.can(db, actor, policy.VIEW, obj)


@dataclass(frozen=True)
class SubjectType:
    name: str
    loader: Loader
    renderer: Renderer
    check: Check = may_view


_SUBJECTS: dict[str, SubjectType] = {}


class UnknownSubjectType(Exception):
    pass


def register(subject_type: str, loader: Loader, renderer: Renderer, *, check: Check | None = None) -> SubjectType:
    entry = SubjectType(subject_type, loader, renderer, check or may_view)
    _SUBJECTS[subject_type] = entry
    return entry


def get(subject_type: str) -> SubjectType:
    _load_builtin()
    try:
        return _SUBJECTS[subject_type]
    except KeyError:
        raise UnknownSubjectType(f"no notification subject type {subject_type!r}") from None


def _load_builtin() -> None:
    from kommcert.advisories import notifications as _advisories  # noqa: F401 - registers advisory
    from kommcert.awareness import reminders as _awareness_reminders  # noqa: F401 - registers awareness_profile
    from kommcert.awareness import suggestions as _awareness_suggestions  # noqa: F401 - awareness_suggestion
    from kommcert.contracts import alerts as _contracts  # noqa: F401 - registers contingent
    from kommcert.deployments import notifications as _deployments  # noqa: F401 - registers deployment
    from kommcert.helprequests import notifications as _help  # noqa: F401 - registers help_request
    from kommcert.incidents import deadline_jobs as _deadlines  # noqa: F401 - registers incident_deadline
    from kommcert.incidents import notifications as _incidents  # noqa: F401 - registers incident
    from kommcert.notifications import subjects as _subjects  # noqa: F401 - registers report
