"""JSON API of the CERT's own warnings: write a draft, change it, publish it, read its CSAF document."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from kommcert.advisories import authoring
from kommcert.advisories.authoring import WarningIn
from kommcert.advisories.models import Advisory
from kommcert.api.auth import UserActor, WriterActor
from kommcert.deps import DbSession, SettingsDep, client_ip
from kommcert.errors import InvalidInput
from kommcert.validation import Id

router = APIRouter(prefix="/advisories/own", tags=["warnings"])


class WarningRead(BaseModel):
    id: int
    uuid: uuid.UUID
    state: str = Field(description="draft (seen by the own organisation only) or published")
    tracking_id: str = Field(description="PREFIX-YEAR-NNNN once published; a placeholder for a draft")
    version: str
    title: str
    risk: str
    tlp: str = Field(description="The warning's TLP; a draft is AMBER+STRICT until published (form.tlp applies then)")
    owner_org_id: int
    pending_changes: bool = Field(description="A published warning changed since: publish again for the next version")
    current_release_date: datetime | None
    form: dict[str, Any] = Field(description="What the author wrote (products, CVEs with scores, sharing)")


class PublishIn(BaseModel):
    change_summary: str = Field("", max_length=authoring.CHANGE_SUMMARY_CHARS,
                                description="Entry of the revision history (default: Erstveröffentlichung / "
                                            "Aktualisierung)")


def _read(advisory: Advisory) -> WarningRead:
    return WarningRead(id=advisory.id, uuid=advisory.uuid, state=str(advisory.state), tracking_id=advisory.tracking_id,
                       version=advisory.version, title=advisory.title, risk=str(advisory.risk), tlp=str(advisory.tlp),
                       owner_org_id=advisory.owner_org_id, pending_changes=authoring.has_pending_changes(advisory),
                       current_release_date=advisory.current_release_date, form=authoring.form_of(advisory))


@router.post("", response_model=WarningRead, status_code=201)
def create_warning(db: DbSession, actor: WriterActor, settings: SettingsDep, warning_in: WarningIn) -> WarningRead:
    """A new draft (CERT analysts and admins): seen only by the own organisation until published."""
    return _read(authoring.create_warning(db, actor=actor, warning_in=warning_in, settings=settings))


@router.patch("/{advisory_id}", response_model=WarningRead)
def update_warning(advisory_id: Id, request: Request, db: DbSession, actor: WriterActor,
                   changes: dict[str, Any]) -> WarningRead:
    """Change a draft, or prepare the next version of a published warning. Only the fields given (as in
    the POST body) change; a list given replaces the list."""
    unknown = set(changes) - set(WarningIn.model_fields)
    if unknown:
        raise InvalidInput(f"Unbekannte Felder: {', '.join(sorted(unknown)[:5])}",
                           f"Unknown fields: {', '.join(sorted(unknown)[:5])}")
    return _read(authoring.update_warning(db, actor=actor, advisory_id=advisory_id, changes=changes,
                                          ip=client_ip(request)))


@router.post("/{advisory_id}/publish", response_model=WarningRead)
def publish_warning(advisory_id: Id, request: Request, db: DbSession, actor: WriterActor, settings: SettingsDep,
                    publish_in: PublishIn | None = None) -> WarningRead:
    """Build the CSAF 2.0 document, validate it (refused naming the failed tests), sign and publish it;
    a published warning with changes gets its next version."""
    return _read(authoring.publish_warning(
        db, actor=actor, advisory_id=advisory_id, settings=settings, ip=client_ip(request),
        change_summary=publish_in.change_summary if publish_in else "",
        base_url=settings.public_url(str(request.base_url))))


@router.get("/{advisory_id}/csaf")
def read_csaf(advisory_id: Id, request: Request, db: DbSession, actor: UserActor,
              settings: SettingsDep) -> dict[str, Any]:
    """The published CSAF document (whoever sees the warning); for a draft, its authors get the document
    as it would be published now."""
    return authoring.csaf_of(db, actor=actor, advisory_id=advisory_id, settings=settings, ip=client_ip(request))
