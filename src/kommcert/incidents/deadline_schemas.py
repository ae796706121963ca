"""API shapes of an incident's legal deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from kommcert.incidents.deadline_models import IncidentDeadline


class DeadlineRead(BaseModel):
    key: str = Field(description="The rule's key, e.g. bsig_early_warning.")
    title_de: str
    title_en: str
    basis: str = Field(description="The legal basis, e.g. § 32 Abs. 1 Nr. 1 BSIG.")
    recipient_de: str
    recipient_en: str
    due_at: datetime
    remind_at: list[datetime]
    state: Literal["open", "done", "overdue"]
    done_at: datetime | None
    done_by_id: int | None

    @classmethod
    def of(cls, deadline: IncidentDeadline, now: datetime) -> DeadlineRead:
        return cls(key=deadline.rule_key, title_de=deadline.title_de, title_en=deadline.title_en,
                   basis=deadline.basis, recipient_de=deadline.recipient_de, recipient_en=deadline.recipient_en,
                   due_at=deadline.due_at, remind_at=[datetime.fromisoformat(m) for m in deadline.remind_at or []],
                   state=deadline.state_at(now), done_at=deadline.done_at,  # type: ignore[arg-type]
                   done_by_id=deadline.done_by_id)


class DeadlineDone(BaseModel):
    """Mark a deadline done (the report was sent) or open again."""

    done: bool = True
    done_at: AwareDatetime | None = Field(None, description="When the report was sent; default: now.")
