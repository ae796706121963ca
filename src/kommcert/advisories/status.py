"""An organisation's own word on a warning: offen / in Bearbeitung / behoben / nicht betroffen.

Who sets it: the writers of the organisation (administrators, analysts *and* members — in a small
Gemeinde the one part-time admin is often a member), for their own organisation only, on a published
warning they may see. A Kreis does not set its Gemeinden's status: it reads it (``service.org_readable``,
the inventory's upward rule). Every change is audited with old → new; the comment is not copied into
the log (it may quote the warning's TLP:AMBER text).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kommcert.advisories import service
from kommcert.advisories.models import AdvisoryStatus, OrgStatus
from kommcert.audit import events
from kommcert.audit import service as audit_service
from kommcert.audit.events import AuditEvent
from kommcert.db import utcnow
from kommcert.errors import InvalidInput, PermissionDenied
from kommcert.sharing.actor import Actor

MAX_COMMENT = 2000


def may_set(actor: Actor) -> bool:
    return actor.can_write and actor.org_id is not None and actor.user_id is not None


def set_status(db: Session, *, actor: Actor, advisory_id: int, status: OrgStatus | str, comment: str = "",
               ip: str | None = None) -> AdvisoryStatus:
    advisory = service.get_advisory(db, actor, advisory_id)
    try:
        chosen = OrgStatus(status)
    except ValueError:
        raise InvalidInput("Bitte einen Status wählen: offen, in Bearbeitung, behoben oder nicht betroffen.",
                           "Please choose a status: open, in progress, done or not affected.") from None
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"Der Kommentar ist zu lang (höchstens {MAX_COMMENT} Zeichen).",
                           f"The comment is too long (at most {MAX_COMMENT} characters).")
    if not may_set(actor):
        raise PermissionDenied("Den Status setzen die schreibberechtigten Personen der Organisation.",
                               "The status is set by the organisation's members with write access.")
    if advisory.withdrawn_at is not None:
        raise InvalidInput("Die Warnung ist zurückgezogen; ihr Status wird nicht mehr geändert.",
                           "The warning has been withdrawn; its status is no longer changed.")
    row = service.own_status(db, advisory.id, actor.org_id)
    old = str(row.status) if row is not None else None
    if row is None:
        row = AdvisoryStatus(advisory_id=advisory.id, org_id=actor.org_id, status=chosen, comment=comment)
        db.add(row)
    elif old == chosen and row.comment == comment:
        return row
    comment_changed = row.comment != comment
    row.status, row.comment, row.set_by_id, row.set_at = chosen, comment, actor.user_id, utcnow()
    db.flush()
    audit_service.record(db, AuditEvent(
        events.ADVISORY_STATUS_SET, actor_user_id=actor.user_id, org_id=actor.org_id, object_type="advisory",
        object_id=advisory.id, ip=ip,
        detail={"from": old, "to": str(chosen), "comment": "changed" if comment_changed else "unchanged"}))
    return row
