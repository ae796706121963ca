"""The periodic job ``awareness-reminders`` (daily at 07:30): organisations whose coverage is below the
threshold (``coverage.THRESHOLD``) are reminded, at most once in 30 days.

Only organisations with a stated headcount have a share; each gets one notification (subject type
``awareness_profile``) to its administrators, re-checked against the profile's policy when the mail is sent;
the profile's ``reminded_at`` keeps the next one 30 days away.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kommcert.accounts.models import Role, User
from kommcert.awareness import coverage
from kommcert.awareness.models import AwarenessHeadcount, AwarenessProfile
from kommcert.config import Settings
from kommcert.db import utcnow
from kommcert.jobs import handlers, schedule
from kommcert.notifications import registry
from kommcert.orgs.models import Organization

KIND = "awareness.reminders"
SUBJECT_TYPE = "awareness_profile"
EVENT = "awareness.below_threshold"
PAUSE = timedelta(days=30)


def send_reminders(db: Session) -> dict[str, Any]:
    """Remind every organisation below the threshold that was not reminded in the last 30 days."""
    from kommcert.notifications import service as notifications

    now = utcnow()
    due = list(db.scalars(select(AwarenessProfile).where(
        AwarenessProfile.id.in_(select(AwarenessHeadcount.profile_id).where(AwarenessHeadcount.count > 0)),
        (AwarenessProfile.reminded_at.is_(None)) | (AwarenessProfile.reminded_at <= now - PAUSE))))
    if not due:
        return {"reminded": 0}
    rows = {r.org_id: r for r in coverage._rows(db, {p.owner_org_id for p in due}, now)}
    reminded = 0
    for profile in due:
        row = rows.get(profile.owner_org_id)
        if row is None or row.status != coverage.OVERDUE:
            continue
        admins = db.scalars(select(User.id).where(User.org_id == profile.owner_org_id, User.role == Role.admin,
                                                  User.is_active.is_(True)))
        notifications.notify(db, event=EVENT, subject_type=SUBJECT_TYPE, subject_id=profile.id, recipients=admins,
                             data={"share": row.share}, key=f"{now:%Y-%m-%d}")
        profile.reminded_at = now
        reminded += 1
    db.flush()
    return {"reminded": reminded}


@handlers.register(KIND)
def _job(db: Session, payload: dict[str, Any], settings: Settings) -> dict[str, Any]:
    return send_reminders(db)


schedule.register(schedule.Periodic("awareness-reminders", KIND, daily_at=time(7, 30),
                                    description="Sensibilisierung: Organisationen unter der Schwelle erinnern"))


def _load(db: Session, profile_id: int) -> AwarenessProfile | None:
    return db.get(AwarenessProfile, profile_id)


def _render(profile: AwarenessProfile, ctx: registry.RenderContext) -> registry.Rendered:
    _ = ctx._
    org = ctx.db.get(Organization, profile.owner_org_id)
    name = org.name if org else ""
    link = ctx.url(f"/awareness/coverage/{profile.owner_org_id}")
    share = ctx.data.get("share")
    subject = _("Sensibilisierung: {org} liegt unter der Schwelle", org=name)
    body = [_("In den letzten 12 Monaten wurden {share} % der Beschäftigten von {org} geschult; die Schwelle liegt "
              "bei {threshold} %.", share=share, org=name, threshold=coverage.THRESHOLD), "",
            _("Im Schulungskalender finden Sie die nächsten Termine. Stimmen die Personalzahlen nicht mehr, "
              "passen Sie sie bitte an."), "", link]
    return registry.Rendered(subject=" ".join(subject.split())[:200], text="\n".join(body) + "\n", link=link)


registry.register(SUBJECT_TYPE, _load, _render)
